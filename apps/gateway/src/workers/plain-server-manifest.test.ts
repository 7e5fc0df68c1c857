import { describe, expect, it } from '@jest/globals';
import { compileCommand, serviceManifestSchema } from '@mcpgw/protocol';
import { MAX_TOOL_PAGES, PLAIN_TOOL_TOKEN_COST, listAllTools, plainServerManifest } from './plain-server-manifest.js';

const navigate = {
  name: 'browser_navigate',
  title: 'Navigate',
  description: 'Navigate to a URL.\nMore detail.',
  inputSchema: { type: 'object', properties: { url: { type: 'string' }, wait: { type: 'boolean' } }, required: ['url'] },
  annotations: { readOnlyHint: false, openWorldHint: true, somethingNew: 1 },
  execution: { taskSupport: 'forbidden' },
};

describe('the manifest of a plain MCP server', () => {
  it('comes from tools/list: tools as listed, a default token cost, mode live, one command per tool', () => {
    const { manifest, skipped } = plainServerManifest('playwright', { serverInfo: { name: 'Playwright', version: '0.0.40' } }, [
      navigate,
      { name: 'browser_snapshot', inputSchema: { type: 'object', properties: {} }, _meta: { 'mcpgw/tokenCost': 7 } },
    ]);
    expect(skipped).toEqual([]);
    expect(serviceManifestSchema.parse(manifest)).toEqual(manifest);
    expect(manifest).toMatchObject({ name: 'playwright', version: '0.0.40', mode: 'live', description: 'Playwright (MCP server)', requiredEnv: [] });
    expect(manifest.tools[0]).toEqual({
      name: 'browser_navigate',
      title: 'Navigate',
      description: 'Navigate to a URL.\nMore detail.',
      inputSchema: navigate.inputSchema,
      tokenCost: PLAIN_TOOL_TOKEN_COST,
      annotations: { readOnlyHint: false, openWorldHint: true },
    });
    expect(manifest.tools[1]).toMatchObject({ name: 'browser_snapshot', description: '', tokenCost: 7, annotations: {} });
    expect(manifest.commands).toEqual([
      { pattern: 'browser-navigate <url>', tool: 'browser_navigate', description: 'Navigate to a URL.' },
      { pattern: 'browser-snapshot', tool: 'browser_snapshot', description: 'browser_snapshot' },
    ]);
    // The registry compiles these like any worker's commands.
    for (const command of manifest.commands) compileCommand('playwright', command, manifest.tools.find((t) => t.name === command.tool)!.inputSchema);
  });

  it('prefers the reference description, then the server instructions', () => {
    const init = { serverInfo: { name: 'x' }, instructions: '  Use these tools for UI.\nSecond line.' };
    expect(plainServerManifest('shadcn', init, [], 'Browse registries.').manifest.description).toBe('Browse registries.');
    expect(plainServerManifest('shadcn', init, []).manifest.description).toBe('Use these tools for UI.');
    expect(plainServerManifest('shadcn', { serverInfo: {} }, []).manifest).toMatchObject({ version: '0', description: 'shadcn (MCP server)' });
  });

  it('leaves out tools it cannot route, saying why', () => {
    const { manifest, skipped } = plainServerManifest('magicui', { serverInfo: {} }, [
      { name: 'has space' },
      'not an object',
      { name: 'ok_tool' },
      { name: 'ok_tool' },
      { name: '_private' },
    ]);
    expect(manifest.tools.map((t) => t.name)).toEqual(['ok_tool', '_private']);
    expect(manifest.commands.map((c) => c.pattern)).toEqual(['ok-tool']);
    expect(skipped).toEqual([
      { name: 'has space', reason: expect.stringMatching(/not a valid MCP tool name/) },
      { name: '?', reason: 'not an object' },
      { name: 'ok_tool', reason: 'listed twice' },
    ]);
  });

  it('reads every page of tools/list, and stops at the page limit', async () => {
    const pages: Record<string, { tools: unknown[]; nextCursor?: string }> = {
      '': { tools: [{ name: 'a' }], nextCursor: 'p2' },
      p2: { tools: [{ name: 'b' }], nextCursor: 'p3' },
      p3: { tools: [{ name: 'c' }] },
    };
    const asked: unknown[] = [];
    const tools = await listAllTools(async (params) => {
      asked.push(params);
      return pages[(params['cursor'] as string | undefined) ?? '']!;
    });
    expect(tools).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(asked).toEqual([{}, { cursor: 'p2' }, { cursor: 'p3' }]);
    let calls = 0;
    await listAllTools(async () => ({ tools: [], nextCursor: `again-${calls++}` }));
    expect(calls).toBe(MAX_TOOL_PAGES);
  });
});
