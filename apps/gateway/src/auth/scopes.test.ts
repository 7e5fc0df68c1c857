import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '@mcpgw/protocol';
import { Scopes, parseScopeList } from './scopes.js';

describe('Scopes', () => {
  it('service scope allows every tool of that service only', () => {
    const s = new Scopes(['postgres']);
    expect(s.allowsTool('postgres', 'query')).toBe(true);
    expect(s.allowsTool('odoo', 'search')).toBe(false);
    expect(s.seesService('postgres')).toBe(true);
    expect(s.seesService('odoo')).toBe(false);
    expect(s.admin).toBe(false);
  });

  it('tool scope allows that tool and shows its service', () => {
    const s = new Scopes(['postgres:list_tables']);
    expect(s.allowsTool('postgres', 'list_tables')).toBe(true);
    expect(s.allowsTool('postgres', 'query')).toBe(false);
    expect(s.seesService('postgres')).toBe(true);
  });

  it('* allows every service but not admin; admin alone allows no service', () => {
    expect(new Scopes(['*']).allowsTool('x', 'y')).toBe(true);
    expect(new Scopes(['*']).admin).toBe(false);
    expect(new Scopes(['admin']).admin).toBe(true);
    expect(new Scopes(['admin']).seesService('postgres')).toBe(false);
  });

  it('FORBIDDEN names the scope needed', () => {
    const s = new Scopes(['odoo']);
    let error: unknown;
    try {
      s.requireTool('postgres', 'query');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).spec.name).toBe('FORBIDDEN');
    expect((error as GatewayError).message).toMatch(/needs scope "postgres" or "postgres:query"/);
    expect(() => s.requireAdmin()).toThrow(/needs scope "admin"/);
    expect(() => new Scopes([]).requireService('postgres')).toThrow(/this caller has no scopes/);
  });

  it('service:read allows the read-only tools of the service and nothing else', () => {
    const entry = {
      name: 'github',
      tools: new Map<string, { annotations?: { readOnlyHint?: boolean } }>([
        ['list_repos', { annotations: { readOnlyHint: true } }],
        ['merge_pr', { annotations: { readOnlyHint: false } }],
        ['create_issue', {}],
      ]),
    };
    const s = new Scopes(['github:read']);
    expect(s.seesService('github')).toBe(true);
    expect(s.seesService('cloudflare')).toBe(false);
    const allowed = s.toolFilter(entry);
    expect(['list_repos', 'merge_pr', 'create_issue'].filter(allowed)).toEqual(['list_repos']);
    expect(() => s.requireToolOf(entry, 'list_repos')).not.toThrow();
    expect(() => s.requireToolOf(entry, 'merge_pr')).toThrow(/"github:read" covers only its read-only tools/);
    // A read-only tool of another service is not covered.
    expect(s.allowsTool('cloudflare', 'list_zones', true)).toBe(false);
    // The whole service (or the tool by name) still allows writes.
    expect(new Scopes(['github:read', 'github:merge_pr']).toolFilter(entry)('merge_pr')).toBe(true);
    expect(parseScopeList('github:read')).toEqual(['github:read']);
  });

  it('parses scope lists and refuses malformed ones', () => {
    expect(parseScopeList('postgres, odoo postgres:query')).toEqual(['postgres', 'odoo', 'postgres:query']);
    expect(parseScopeList(['*', '*'])).toEqual(['*']);
    expect(() => parseScopeList('Postgres')).toThrow(/is not a scope/);
    expect(() => parseScopeList('a:b:c')).toThrow(/is not a scope/);
  });
});
