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

  it('parses scope lists and refuses malformed ones', () => {
    expect(parseScopeList('postgres, odoo postgres:query')).toEqual(['postgres', 'odoo', 'postgres:query']);
    expect(parseScopeList(['*', '*'])).toEqual(['*']);
    expect(() => parseScopeList('Postgres')).toThrow(/is not a scope/);
    expect(() => parseScopeList('a:b:c')).toThrow(/is not a scope/);
  });
});
