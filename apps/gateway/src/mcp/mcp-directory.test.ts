import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { Scopes } from '../auth/scopes.js';
import type { GatewayLogger } from '../logger.js';
import { McpDirectory } from './mcp-directory.js';
import type { WorkerLists, WorkerOffer } from './worker-lists.js';

const log = pino({ level: 'silent' }) as unknown as GatewayLogger;

/** What the workers listed, changeable: the directory reads it through offer() and rebuilds on 'changed'. */
class FakeLists extends EventEmitter {
  offers = new Map<string, WorkerOffer>();
  offer(service: string): WorkerOffer {
    return this.offers.get(service) ?? { tools: [], resources: [], resourceTemplates: [], prompts: [] };
  }
  set(service: string, offer: Partial<WorkerOffer>): void {
    this.offers.set(service, { tools: [], resources: [], resourceTemplates: [], prompts: [], ...offer });
    this.emit('changed', service, ['tools', 'resources', 'prompts']);
  }
}

function directory(): { lists: FakeLists; dir: McpDirectory } {
  const lists = new FakeLists();
  const dir = new McpDirectory(lists as unknown as WorkerLists, () => [...lists.offers.keys()], log);
  return { lists, dir };
}

const everything = new Scopes(['*']);
const all = () => true;

describe('McpDirectory', () => {
  it('names tools and prompts <service>__<name> on the aggregate and routes them back', () => {
    const { lists, dir } = directory();
    lists.set('postgres', { tools: [{ name: 'query', inputSchema: { type: 'object' } }], prompts: [{ name: 'explain' }] });
    lists.set('bir', { tools: [{ name: 'track_bir_filing_deadlines' }] });
    expect(dir.listTools('', everything, all).map((t) => t.name)).toEqual(['postgres__query', 'bir__track_bir_filing_deadlines']);
    expect(dir.listTools('postgres', everything, all)).toEqual([{ name: 'query', inputSchema: { type: 'object' } }]);
    expect(dir.tool('postgres__query')).toEqual({ service: 'postgres', name: 'query' });
    expect(dir.prompt('postgres__explain')).toEqual({ service: 'postgres', name: 'explain' });
    expect(dir.listedTool('bir', 'track_bir_filing_deadlines')).toEqual({ name: 'track_bir_filing_deadlines' });
    expect(dir.tool('postgres__nothing')).toBeUndefined();
  });

  it('lists only what the scopes and the tool filter allow', () => {
    const { lists, dir } = directory();
    lists.set('postgres', { tools: [{ name: 'query' }, { name: 'explain' }], prompts: [{ name: 'p' }] });
    lists.set('odoo', { tools: [{ name: 'health' }] });
    expect(dir.listTools('', new Scopes(['postgres:query']), all).map((t) => t.name)).toEqual(['postgres__query']);
    expect(dir.listTools('', everything, (_service, tool) => tool.name !== 'explain').map((t) => t.name)).toEqual(['postgres__query', 'odoo__health']);
    expect(dir.listPrompts('', new Scopes(['odoo']))).toEqual([]);
  });

  it('routes resource URIs to the service that listed them or whose template matches', () => {
    const { lists, dir } = directory();
    lists.set('files', { resources: [{ name: 'readme', uri: 'file:///README.md' }], resourceTemplates: [{ name: 'doc', uriTemplate: 'docs://{section}/{page}' }] });
    lists.set('other', { resourceTemplates: [{ name: 'row', uriTemplate: 'db://tables/{table}' }] });
    expect(dir.resourceOwner('file:///README.md')).toBe('files');
    expect(dir.resourceOwner('docs://guide/intro')).toBe('files');
    expect(dir.resourceOwner('db://tables/customers')).toBe('other');
    expect(dir.resourceOwner('nowhere://x')).toBeUndefined();
    expect(dir.listResources('', everything)).toEqual([{ name: 'files__readme', uri: 'file:///README.md' }]);
    expect(dir.listResourceTemplates('', everything).map((t) => t.name)).toEqual(['files__doc', 'other__row']);
  });

  it('drops a service\'s names when its worker offers nothing (it went down)', () => {
    const { lists, dir } = directory();
    lists.set('echo', { tools: [{ name: 'echo' }] });
    expect(dir.tool('echo__echo')).toBeDefined();
    lists.set('echo', {});
    expect(dir.tool('echo__echo')).toBeUndefined();
    expect(dir.listTools('', everything, all)).toEqual([]);
  });
});
