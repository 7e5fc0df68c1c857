import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeMem0, type FakeMem0 } from '@mcpgw/fakes';
import { getJson, postJson, startGateway, type GatewayProcess } from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * The mem0 worker through the gateway, as processes: the slash commands in sandbox mode (no
 * credentials: the gateway's own fake), then every tool against a fake this test controls — on the
 * platform API and on the self-hosted server's — with the faults a real client must handle.
 */
const call = (gateway: GatewayProcess, tool: string, args: Record<string, unknown> = {}, agent?: string) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'mem0', tool, arguments: args } }, agent ? { 'x-agent-id': agent } : {});
const slash = (gateway: GatewayProcess, command: string, agent?: string) =>
  postJson(`${gateway.url}/mcp/execute`, { command }, agent ? { 'x-agent-id': agent } : {});

describe('sandbox mode (no Mem0 credentials)', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { WORKERS: 'mem0' }, timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('runs mem0 against the built-in fake', async () => {
    const catalog = await getJson(`${gateway.url}/mcp/catalog`);
    const routed = catalog.body.services.filter((s: { routed?: boolean }) => s.routed !== false);
    expect(routed).toEqual([expect.objectContaining({ name: 'mem0', mode: 'sandbox', sandbox: true })]);
  });

  it('answers the issue’s slash commands exactly as written, scoped to the calling agent', async () => {
    const remembered = await slash(gateway, '/mcp-mem0 remember "User prefers TypeScript"', 'agent_001');
    expect(remembered.status).toBe(200);
    expect(remembered.body).toMatchObject({
      status: 'success',
      data: { scope: { agentId: 'agent_001', agentFromCaller: true }, added: 1, events: [{ event: 'ADD', memory: 'User prefers TypeScript' }] },
      metadata: { service: 'mem0', tool: 'remember', sandbox: true },
    });

    const searched = await slash(gateway, '/mcp-mem0 search "programming preferences"', 'agent_001');
    expect(searched.status).toBe(200);
    expect(searched.body.data.scope).toEqual({ agentId: 'agent_001', agentFromCaller: true });
    expect(searched.body.data.memories[0]).toMatchObject({ memory: 'User prefers TypeScript', agentId: 'agent_001' });

    // Another agent asks for agent_001's context by name.
    const context = await slash(gateway, '/mcp-mem0 get-context agent_001', 'agent_002');
    expect(context.status).toBe(200);
    expect(context.body.data.scope).toEqual({ agentId: 'agent_001' });
    expect(context.body.data.memories.map((m: { memory: string }) => m.memory)).toContain('User prefers TypeScript');
    expect(context.body.data.context).toContain('- User prefers TypeScript');
    expect(context.body.data.total).toBe(context.body.data.count);
  });

  it('keeps one agent’s memories out of another’s default scope', async () => {
    const own = await slash(gateway, '/mcp-mem0 search "programming preferences"', 'agent_009');
    expect(own.body.data.memories).toEqual([]);
    const users = await slash(gateway, '/mcp-mem0 get-context user alice');
    expect(users.body.data.scope).toEqual({ userId: 'alice' });
    expect(users.body.data.count).toBe(3);
  });
});

describe('real client against a controlled fake (platform API)', () => {
  let fake: FakeMem0;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fake = await startFakeMem0();
    fake.seed(Array.from({ length: 8 }, (_, i) => ({ agent_id: 'pager', memory: `Paged fact number ${i}` })));
    gateway = await startGateway({
      env: { WORKERS: 'mem0', SANDBOX: 'off', MEM0_API_URL: fake.url, MEM0_API_KEY: fake.apiKey, MEM0_API_KIND: 'platform', MEM0_PAGE_SIZE: '3', HEALTH_CHECK_INTERVAL_MS: '3600000' },
      timeoutMs: 60_000,
    });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });

  afterEach(() => {
    fake.knobs = { rateLimit429: null, errorRate: 0, authFail: false, keyExpired: false };
  });

  it('talks to the configured Mem0, not a sandbox', async () => {
    const health = await call(gateway, 'mem0_health');
    expect(health.status).toBe(200);
    expect(health.body.result).toMatchObject({ data: { status: 'ok', kind: 'platform', origin: fake.url }, metadata: { tool: 'mem0_health' } });
    expect(health.body.result.metadata.sandbox).toBeUndefined();
  });

  it('runs every tool by JSON-RPC, defaulting the scope to the calling agent', async () => {
    const added = await call(gateway, 'remember', { text: 'Prefers invoices grouped by agency', userId: 'alice', metadata: { source: 'test' } }, 'ops-bot');
    expect(added.status).toBe(200);
    expect(added.body.result.data).toMatchObject({ scope: { userId: 'alice', agentId: 'ops-bot', agentFromCaller: true }, added: 1 });
    const id = added.body.result.data.events[0].id;
    expect(fake.memories().find((m) => m.id === id)).toMatchObject({ agent_id: 'ops-bot', user_id: 'alice', metadata: { source: 'test' } });

    const found = await call(gateway, 'search_memories', { query: 'invoices by agency', limit: 3 }, 'ops-bot');
    expect(found.body.result.data).toMatchObject({ query: 'invoices by agency', count: 1, memories: [{ id, userId: 'alice', agentId: 'ops-bot' }] });
    expect(found.body.result.data.memories[0].score).toBeGreaterThan(0);

    const context = await call(gateway, 'get_context', { userId: 'alice' });
    expect(context.body.result.data.memories.map((m: { id: string }) => m.id)).toContain(id);

    const deleted = await call(gateway, 'delete_memory', { memoryId: id, confirm: true });
    expect(deleted.status).toBe(200);
    expect(deleted.body.result.data).toMatchObject({ deleted: { id, memory: 'Prefers invoices grouped by agency' }, message: expect.any(String) });
    expect(fake.memories().some((m) => m.id === id)).toBe(false);

    const gone = await call(gateway, 'delete_memory', { memoryId: id, confirm: true });
    expect(gone.status).toBe(422);
    expect(gone.body.error.data).toMatchObject({ kind: 'not_found' });
  });

  it('takes the agent from the gateway, never from a client’s own _meta (MCP front)', async () => {
    const client = new Client({ name: 'mem0-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp/mem0`), { requestInit: { headers: { 'x-agent-id': 'agent_real' } } }));
    try {
      const result = await client.callTool({ name: 'remember', arguments: { text: 'Signed off the July close' }, _meta: { 'mcpgw/agent': 'agent_spoofed' } });
      expect(result.structuredContent).toMatchObject({ scope: { agentId: 'agent_real', agentFromCaller: true }, added: 1 });
    } finally {
      await client.close();
    }
    expect(fake.memories().find((m) => m.memory === 'Signed off the July close')).toMatchObject({ agent_id: 'agent_real' });
  });

  it('refuses delete_memory without confirm: true, by JSON-RPC and by slash command', async () => {
    const [memory] = fake.memories().filter((m) => m.agent_id === 'agent_002');
    const refused = await call(gateway, 'delete_memory', { memoryId: memory!.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/delete_memory is destructive: call it again with "confirm": true/);
    const slashRefused = await slash(gateway, `/mcp-mem0 delete ${memory!.id}`);
    expect(slashRefused.status).toBe(400);
    expect(fake.memories().some((m) => m.id === memory!.id)).toBe(true);

    const confirmed = await slash(gateway, `/mcp-mem0 delete ${memory!.id} --confirm=true`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data.deleted.id).toBe(memory!.id);
    expect(fake.memories().some((m) => m.id === memory!.id)).toBe(false);
  });

  it('reads a long context across pages', async () => {
    fake.calls.length = 0;
    const context = await call(gateway, 'get_context', { agentId: 'pager', limit: 100 });
    expect(context.body.result.data).toMatchObject({ count: 8, total: 8, pages: 3, truncated: false });
    expect(new Set(context.body.result.data.memories.map((m: { id: string }) => m.id)).size).toBe(8);
    // Health polling is off (HEALTH_CHECK_INTERVAL_MS), so every listing request is this call's.
    expect(fake.calls.filter((c) => c.path === '/v2/memories/').length).toBe(3);
    const capped = await slash(gateway, '/mcp-mem0 get-context pager --limit=4');
    expect(capped.body.data).toMatchObject({ count: 4, total: 8, truncated: true, pages: 2 });
  });

  it('retries a 429 after Retry-After and answers', async () => {
    fake.calls.length = 0;
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 1 } };
    const response = await call(gateway, 'search_memories', { query: 'close', agentId: 'agent_001' });
    expect(response.status).toBe(200);
    expect(fake.calls.filter((c) => c.path === '/v3/memories/search/').map((c) => c.status)).toEqual([429, 200]);
  });

  it('reports persistent rate limiting with a clear error and Mem0’s Retry-After', async () => {
    fake.knobs = { rateLimit429: { burst: 50, retryAfterSec: 120 } };
    const response = await call(gateway, 'get_context', { agentId: 'agent_001' });
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ data: { name: 'UPSTREAM_ERROR', kind: 'upstream', retryAfter: 120 } });
    expect(response.body.error.message).toMatch(/Mem0 is rate-limiting requests \(HTTP 429\).*retry after 120 s/);
    expect(response.headers.get('retry-after')).toBe('120');
  });

  it('refuses an invalid or expired key with an error naming MEM0_API_KEY, never the key', async () => {
    for (const knobs of [{ authFail: true }, { keyExpired: true }]) {
      fake.knobs = { authFail: false, keyExpired: false, ...knobs };
      const refused = await call(gateway, 'search_memories', { query: 'x', agentId: 'agent_001' });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ data: { name: 'SERVICE_UNCONFIGURED', missing: ['MEM0_API_KEY'] } });
      expect(refused.body.error.message).toMatch(/Mem0 refused MEM0_API_KEY \(HTTP 401/);
      expect(JSON.stringify(refused.body)).not.toContain(fake.apiKey);
    }
    fake.knobs = { authFail: false, keyExpired: false };
    expect(gateway.output.join('\n')).not.toContain(fake.apiKey);
  });

  it('gives bad arguments a clear error', async () => {
    const empty = await call(gateway, 'remember', { text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/text/);
    const unknown = await slash(gateway, '/mcp-mem0 forget everything');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/remember <text\.\.\.>/);
  });
});

describe('real client against a self-hosted server (X-API-Key)', () => {
  let fake: FakeMem0;
  let gateway: GatewayProcess;
  const serverKey = 'server-key-abcdef0123';

  beforeAll(async () => {
    fake = await startFakeMem0({ serverApiKey: serverKey });
    gateway = await startGateway({ env: { WORKERS: 'mem0', SANDBOX: 'off', MEM0_API_URL: fake.url, MEM0_API_KEY: serverKey }, timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });

  it('remembers, searches, gets context and deletes through the open-source API', async () => {
    const remembered = await slash(gateway, '/mcp-mem0 remember "User prefers TypeScript"', 'agent_001');
    expect(remembered.body.data).toMatchObject({ added: 1, scope: { agentId: 'agent_001' } });
    const searched = await slash(gateway, '/mcp-mem0 search "programming preferences"', 'agent_001');
    expect(searched.body.data.memories[0]).toMatchObject({ memory: 'User prefers TypeScript' });
    const context = await slash(gateway, '/mcp-mem0 get-context agent_001');
    expect(context.body.data.count).toBe(5);
    const id = remembered.body.data.events[0].id;
    expect((await call(gateway, 'delete_memory', { memoryId: id, confirm: true })).status).toBe(200);
    expect(fake.calls.filter((c) => c.surface === 'platform')).toEqual([]);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(expect.arrayContaining(['POST /memories', 'POST /search', 'GET /memories', `DELETE /memories/${id}`]));
  });
});
