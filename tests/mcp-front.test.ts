import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CONFORMANCE_WORKER_ENTRY,
  DATABASE_URL,
  MCP_ACCEPT,
  McpHttpSession,
  REDIS_URL,
  SseReader,
  TEST_WORKER_ENTRY,
  deleteRedisKeys,
  metricValue,
  runMcpgw,
  scrape,
  startGateway,
  testRedisPrefix,
  testStoreEnv,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ListRootsRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP front (/mcp and /mcp/<service>) behind the real front door: API keys with scopes, the
 * localhost bypass off, an echo worker and the conformance fixture worker as real processes.
 */
const WORKERS = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY},conformance=${CONFORMANCE_WORKER_ENTRY}` };

let gateway: GatewayProcess;
let fullKey: string;
let echoOnlyKey: string;

async function createKey(name: string, scopes: string): Promise<string> {
  const created = await runMcpgw(['keys', 'create', '--name', name, '--scopes', scopes, '--json'], { DATABASE_URL, DATABASE_SCHEMA: gateway.schema! });
  expect(created.code).toBe(0);
  return (JSON.parse(created.stdout) as { key: string }).key;
}

async function sdkClient(path: string, key: string, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client({ name: 'mcpgw-test', version: '1' }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}${path}`), { requestInit: { headers: { 'x-mcp-key': key } } }));
  return client;
}

beforeAll(async () => {
  gateway = await startGateway({ env: { ...WORKERS, LOCALHOST_BYPASS: 'false', WORKER_RESTART_BASE_MS: '2000', WORKER_RESTART_MAX_MS: '2000' } });
  [fullKey, echoOnlyKey] = await Promise.all([createKey('mcp-agent', '*,admin'), createKey('echo-agent', 'echo:echo')]);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
});

describe('tools on /mcp and /mcp/<service>', () => {
  it('names every tool <service>__<tool> on /mcp and keeps the worker\'s names on /mcp/<service>', async () => {
    const aggregate = await sdkClient('/mcp', fullKey);
    const names = (await aggregate.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo__echo', 'echo__sleep', 'conformance__test_simple_text', 'conformance__json_schema_2020_12_tool']));
    expect(names.every((n) => /^[A-Za-z0-9_-]{1,64}$/.test(n))).toBe(true);
    const result = await aggregate.callTool({ name: 'echo__echo', arguments: { message: 'through /mcp' } });
    expect(result).toMatchObject({ structuredContent: { echo: { message: 'through /mcp' } }, content: [{ type: 'text' }] });
    const single = await sdkClient('/mcp/echo', fullKey);
    expect((await single.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'sleep', 'worker_stats']));
    expect(await single.callTool({ name: 'echo', arguments: { message: 'direct' } })).toMatchObject({ structuredContent: { echo: { message: 'direct' } } });
    // Schemas pass through untouched: the same JSON Schema the worker lists.
    const direct = (await single.listTools()).tools.find((t) => t.name === 'echo')!;
    const namespaced = (await aggregate.listTools()).tools.find((t) => t.name === 'echo__echo')!;
    expect(namespaced.inputSchema).toEqual(direct.inputSchema);
    await Promise.all([aggregate.close(), single.close()]);
  });

  it('lists only what the key may use and refuses the rest with FORBIDDEN', async () => {
    const client = await sdkClient('/mcp', echoOnlyKey);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo__echo']);
    expect((await client.listPrompts()).prompts).toEqual([]);
    await expect(client.callTool({ name: 'echo__sleep', arguments: { ms: 1 } })).rejects.toThrow(/-32011|scope/);
    await expect(client.callTool({ name: 'conformance__test_simple_text', arguments: {} })).rejects.toThrow(/-32011|scope|conformance/);
    await client.close();
    const session = new McpHttpSession(`${gateway.url}/mcp/conformance`, { 'x-mcp-key': echoOnlyKey });
    await expect(session.initialize()).rejects.toThrow(/403/);
  });

  it('turns tool failures into isError results and protocol mistakes into JSON-RPC errors', async () => {
    const client = await sdkClient('/mcp', fullKey);
    const failed = await client.callTool({ name: 'conformance__test_error_handling', arguments: {} });
    expect(failed.isError).toBe(true);
    const invalid = await client.callTool({ name: 'echo__echo', arguments: { unknown: 1 } });
    expect(invalid).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/invalid arguments/) }] });
    await expect(client.callTool({ name: 'nope__nothing', arguments: {} })).rejects.toThrow(/unknown tool/);
    await client.close();
  });

  it('audits and counts calls made over MCP like any other', async () => {
    const client = await sdkClient('/mcp', fullKey);
    await client.callTool({ name: 'echo__echo', arguments: { message: 'audited' } });
    await client.close();
    const samples = await scrape(gateway.metricsUrl);
    expect(metricValue(samples, 'mcp_requests_total', { endpoint: 'mcp', method: 'tools/call' })).toBeGreaterThan(0);
    await waitFor(async () => {
      const audit = await fetch(`${gateway.url}/admin/audit?service=echo&agent=mcp-agent&limit=50`, { headers: { 'x-mcp-key': fullKey } });
      const rows = ((await audit.json()) as { rows: { endpoint: string; tool: string; outcome: string }[] }).rows;
      return rows.some((r) => r.endpoint === 'mcp' && r.tool === 'echo' && r.outcome === 'ok');
    }, 10_000, 'an audit row for the MCP call');
  });
});

describe('sessions and HTTP rules', () => {
  const url = () => `${gateway.url}/mcp`;

  it('requires a session after initialize, and answers 404 for unknown or terminated ones', async () => {
    const session = new McpHttpSession(url(), { 'x-mcp-key': fullKey });
    const init = await session.initialize();
    expect(init).toMatchObject({ protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } } });
    expect(session.sessionId).toMatch(/^[\x21-\x7e]+$/);
    const noSession = await new McpHttpSession(url(), { 'x-mcp-key': fullKey }).post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(noSession.status).toBe(400);
    expect(noSession.messages[0]).toMatchObject({ error: { message: expect.stringMatching(/Mcp-Session-Id/) } });
    const forged = await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': `${session.sessionId!.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(404);
    const otherEndpoint = await new McpHttpSession(`${gateway.url}/mcp/echo`, { 'x-mcp-key': fullKey, 'mcp-session-id': session.sessionId! }).post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(otherEndpoint.status).toBe(404);
    const badVersion = await session.post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-protocol-version': '1999-01-01' });
    expect(badVersion.status).toBe(400);
    expect((await session.post({ jsonrpc: '2.0', id: 2, method: 'ping' })).messages[0]).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
    expect(await session.terminate()).toBe(200);
    expect((await session.post({ jsonrpc: '2.0', id: 3, method: 'ping' })).status).toBe(404);
  });

  it('binds a session to the agent that opened it', async () => {
    const session = new McpHttpSession(url(), { 'x-mcp-key': fullKey });
    await session.initialize();
    const stolen = await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'x-mcp-key': echoOnlyKey });
    expect(stolen.status).toBe(403);
  });

  it('speaks the previous protocol revision too', async () => {
    const session = new McpHttpSession(url(), { 'x-mcp-key': fullKey });
    session.protocolVersion = '2025-06-18';
    expect(await session.initialize()).toMatchObject({ protocolVersion: '2025-06-18' });
    expect((await session.request('tools/list'))['tools']).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'echo__echo' })]));
    const unknown = new McpHttpSession(url(), { 'x-mcp-key': fullKey });
    unknown.protocolVersion = '2023-01-01';
    expect(await unknown.initialize()).toMatchObject({ protocolVersion: '2025-11-25' });
  });

  it('answers malformed and unacceptable requests with the right status and a clear message', async () => {
    const session = new McpHttpSession(url(), { 'x-mcp-key': fullKey });
    await session.initialize();
    const noAccept = await session.post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { accept: 'application/json' });
    expect(noAccept.status).toBe(406);
    expect(noAccept.text).toMatch(/text\/event-stream/);
    const text = await fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain', accept: MCP_ACCEPT, 'x-mcp-key': fullKey, 'mcp-session-id': session.sessionId! }, body: 'hi' });
    expect(text.status).toBe(415);
    const broken = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, 'x-mcp-key': fullKey, 'mcp-session-id': session.sessionId! }, body: '{"jsonrpc":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ id: null, error: { code: -32700 } });
    const notRpc = await session.post({ hello: 'world' });
    expect(notRpc.status).toBe(400);
    expect(notRpc.messages[0]).toMatchObject({ error: { code: -32600 } });
    const unknownMethod = await session.post({ jsonrpc: '2.0', id: 9, method: 'tools/frobnicate' });
    expect(unknownMethod.messages[0]).toMatchObject({ id: 9, error: { code: -32601 } });
    const noName = await session.post({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: {} });
    expect(noName.messages[0]).toMatchObject({ id: 10, error: { code: -32602, message: expect.stringMatching(/name/) } });
    const notification = await session.post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    expect(notification.status).toBe(202);
    expect(notification.text).toBe('');
  });

  it('checks Origin: loopback pages and CORS_ORIGINS only, with CORS headers and credential-free preflights', async () => {
    const session = new McpHttpSession(url(), { 'x-mcp-key': fullKey });
    await session.initialize();
    const evil = await session.post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'http://evil.example.com' });
    expect(evil.status).toBe(403);
    expect(evil.messages[0]).toMatchObject({ error: { code: -32011, message: expect.stringMatching(/CORS_ORIGINS/) } });
    const local = await session.post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { origin: 'http://localhost:6274' });
    expect(local.status).toBe(200);
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(local.headers.get('access-control-expose-headers')).toMatch(/Mcp-Session-Id/);
    const preflight = await fetch(url(), { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-MCP-Key/);
  });
});

/** A POST with a Host header of our choosing (fetch does not allow setting Host). */
function postWithHost(url: string, host: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { host, 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('Host checks on a loopback bind (DNS rebinding)', () => {
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

  it('refuses a foreign Host even with a valid key, and accepts loopback names', async () => {
    const refused = await postWithHost(`${gateway.url}/mcp`, 'evil.example.com', { 'x-mcp-key': fullKey }, initialize);
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/MCP_ALLOWED_HOSTS/);
    for (const host of ['localhost:8100', '127.0.0.1', '[::1]:8100']) {
      expect((await postWithHost(`${gateway.url}/mcp`, host, { 'x-mcp-key': fullKey }, initialize)).status).toBe(200);
    }
  });

  it('accepts the names listed in MCP_ALLOWED_HOSTS', async () => {
    const named = await startGateway({ env: { ...WORKERS, MCP_ALLOWED_HOSTS: 'gateway.internal', LOCALHOST_BYPASS: 'false' } });
    try {
      const created = await runMcpgw(['keys', 'create', '--name', 'host-agent', '--scopes', '*', '--json'], { DATABASE_URL, DATABASE_SCHEMA: named.schema! });
      const key = (JSON.parse(created.stdout) as { key: string }).key;
      expect((await postWithHost(`${named.url}/mcp`, 'gateway.internal:8100', { 'x-mcp-key': key }, initialize)).status).toBe(200);
      expect((await postWithHost(`${named.url}/mcp`, 'other.internal', { 'x-mcp-key': key }, initialize)).status).toBe(403);
    } finally {
      await named.stop();
    }
  });
});

describe('long calls, cancellation and server messages', () => {
  it('turns a slow call into an SSE stream with keep-alive comments and the answer at the end', async () => {
    const slow = await startGateway({ env: { ...WORKERS, MCP_KEEPALIVE_MS: '200' } });
    try {
      const session = new McpHttpSession(`${slow.url}/mcp`);
      await session.initialize();
      const answer = await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo__sleep', arguments: { ms: 1_100 } } });
      expect(answer.status).toBe(200);
      expect(answer.contentType).toMatch(/text\/event-stream/);
      expect(answer.text.match(/^: keep-alive$/gm)?.length).toBeGreaterThanOrEqual(3);
      expect(answer.messages.at(-1)).toMatchObject({ id: 1, result: { structuredContent: { slept: 1_100 } } });
      const quick = await session.post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo__echo', arguments: {} } });
      expect(quick.contentType).toMatch(/application\/json/);
    } finally {
      await slow.stop();
    }
  });

  it('passes progress and cancellation through: notifications/cancelled aborts the worker\'s handler', async () => {
    const client = await sdkClient('/mcp', fullKey);
    const progress: number[] = [];
    const done = await client.callTool({ name: 'conformance__test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(done.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const stats = async () => (await client.callTool({ name: 'echo__worker_stats', arguments: {} })).structuredContent as { cancelled: number };
    const before = (await stats()).cancelled;
    const controller = new AbortController();
    const call = client.callTool({ name: 'echo__sleep', arguments: { ms: 30_000 } }, undefined, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort('changed my mind');
    await expect(call).rejects.toThrow();
    await waitFor(async () => (await stats()).cancelled === before + 1, 10_000, 'the worker to see the cancellation');
    await client.close();
  });

  it('aborts the worker\'s handler when the client disconnects', async () => {
    const session = new McpHttpSession(`${gateway.url}/mcp`, { 'x-mcp-key': fullKey });
    await session.initialize();
    const stats = async () => ((await session.request('tools/call', { name: 'echo__worker_stats', arguments: {} }))['structuredContent'] as { cancelled: number }).cancelled;
    const before = await stats();
    const controller = new AbortController();
    const call = session.post({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo__sleep', arguments: { ms: 30_000 } } }, {}, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(call).rejects.toThrow();
    await waitFor(async () => (await stats()) === before + 1, 10_000, 'the worker to see the disconnect');
  });

  it('relays sampling, elicitation and roots requests from a worker to the calling client', async () => {
    const client = await sdkClient('/mcp', fullKey, { sampling: {}, roots: { listChanged: true } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}` },
    }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work/project', name: 'project' }] }));
    const sampled = await client.callTool({ name: 'conformance__test_sampling', arguments: { prompt: 'two plus two' } });
    expect(JSON.stringify(sampled.content)).toMatch(/sampled: .*two plus two/);
    const roots = await client.callTool({ name: 'conformance__test_list_roots', arguments: {} });
    expect(roots.structuredContent).toEqual({ roots: [{ uri: 'file:///work/project', name: 'project' }] });
    await client.close();
    // A client without the capability: the worker gets a clear error, the caller a tool error.
    const plain = await sdkClient('/mcp', fullKey);
    const refused = await plain.callTool({ name: 'conformance__test_sampling', arguments: { prompt: 'x' } });
    expect(refused.isError).toBe(true);
    await plain.close();
  });

  it('delivers resource updates to subscribers on their GET stream, and list_changed when a worker restarts', async () => {
    const session = new McpHttpSession(`${gateway.url}/mcp`, { 'x-mcp-key': fullKey });
    await session.initialize();
    const controller = new AbortController();
    const stream = new SseReader(await session.openStream(controller.signal));
    try {
      await session.request('resources/subscribe', { uri: 'test://watched-resource' });
      await session.request('tools/call', { name: 'conformance__test_update_watched_resource', arguments: {} });
      expect(await stream.next((m) => m['method'] === 'notifications/resources/updated')).toMatchObject({ params: { uri: 'test://watched-resource' } });

      // One failing worker never takes the aggregate down: its tools drop out (list_changed),
      // a call to one says it is restarting, and the other service keeps working.
      await session.post({ jsonrpc: '2.0', id: 'crash', method: 'tools/call', params: { name: 'echo__crash', arguments: {} } });
      await stream.next((m) => m['method'] === 'notifications/tools/list_changed');
      const tools = ((await session.request('tools/list'))['tools'] as { name: string }[]).map((t) => t.name);
      expect(tools).not.toContain('echo__echo');
      expect(tools).toContain('conformance__test_simple_text');
      const during = await session.request('tools/call', { name: 'echo__echo', arguments: {} });
      expect(during).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/echo is|restart|retry/) }] });
      expect((await session.request('tools/call', { name: 'conformance__test_simple_text', arguments: {} }))['isError']).toBeFalsy();
      await stream.next((m) => m['method'] === 'notifications/tools/list_changed', 15_000);
      await waitFor(async () => ((await session.request('tools/list'))['tools'] as { name: string }[]).some((t) => t.name === 'echo__echo'), 10_000, 'echo back in tools/list');
      expect((await session.request('tools/call', { name: 'echo__echo', arguments: { message: 'back' } }))['structuredContent']).toEqual({ echo: { message: 'back' } });
    } finally {
      controller.abort();
      await stream.cancel();
    }
  }, 40_000);

  it('gives the SDK client list_changed notifications too', async () => {
    const client = await sdkClient('/mcp/echo', fullKey);
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    // The SDK client opens its GET stream after initialized; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.callTool({ name: 'crash', arguments: {} }).catch(() => undefined);
    await changed;
    await client.close();
  }, 30_000);
});

describe('several replicas behind a load balancer without sticky sessions', () => {
  const prefix = testRedisPrefix();
  const store = testStoreEnv();
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    const env = { ...WORKERS, ...store.env, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    [a, b] = await Promise.all([startGateway({ env, store: 'given' }), startGateway({ env, store: 'given' })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store.cleanup();
    await deleteRedisKeys(prefix);
  });

  it('serves a session opened on one replica from any other, and ends it everywhere', async () => {
    const onA = new McpHttpSession(`${a.url}/mcp`);
    await onA.initialize();
    const onB = new McpHttpSession(`${b.url}/mcp`);
    onB.sessionId = onA.sessionId;
    expect((await onB.request('tools/call', { name: 'echo__echo', arguments: { message: 'on b' } }))['structuredContent']).toEqual({ echo: { message: 'on b' } });
    expect(await onB.terminate()).toBe(200);
    await waitFor(async () => (await onA.post({ jsonrpc: '2.0', id: 1, method: 'ping' })).status === 404, 5_000, 'replica A to learn the session ended');
  });

  it('routes a client\'s answer to a sampling request to the replica that asked', async () => {
    const onA = new McpHttpSession(`${a.url}/mcp`);
    await onA.initialize({ sampling: {} });
    const onB = new McpHttpSession(`${b.url}/mcp`);
    onB.sessionId = onA.sessionId;
    const response = await onA.postStreaming({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'conformance__test_sampling', arguments: { prompt: 'across replicas' } } });
    const reader = new SseReader(response);
    const ask = await reader.next((m) => m['method'] === 'sampling/createMessage');
    const answered = await onB.post({ jsonrpc: '2.0', id: ask['id'], result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'answered on B' } } });
    expect(answered.status).toBe(202);
    const final = await reader.next((m) => m['id'] === 7);
    expect(JSON.stringify(final['result'])).toMatch(/answered on B/);
  });

  it('delivers a notification to the GET stream open on another replica', async () => {
    const onA = new McpHttpSession(`${a.url}/mcp`);
    await onA.initialize();
    const onB = new McpHttpSession(`${b.url}/mcp`);
    onB.sessionId = onA.sessionId;
    const controller = new AbortController();
    const stream = new SseReader(await onB.openStream(controller.signal));
    try {
      await onA.request('resources/subscribe', { uri: 'test://watched-resource' });
      await onA.request('tools/call', { name: 'conformance__test_update_watched_resource', arguments: {} });
      expect(await stream.next((m) => m['method'] === 'notifications/resources/updated')).toMatchObject({ params: { uri: 'test://watched-resource' } });
    } finally {
      controller.abort();
      await stream.cancel();
    }
  });
});

describe('rate limits on the MCP endpoint', () => {
  it('answers 429 with Retry-After and a JSON-RPC error once the caller\'s limit is spent', async () => {
    const limited = await startGateway({ env: { ...WORKERS, RATE_LIMIT_MAX_REQUESTS: '4', RATE_LIMIT_WINDOW_MS: '60000' } });
    try {
      const session = new McpHttpSession(`${limited.url}/mcp`);
      await session.initialize(); // initialize + initialized: 2
      await session.request('ping');
      await session.request('ping');
      const refused = await session.post({ jsonrpc: '2.0', id: 5, method: 'ping' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.messages[0]).toMatchObject({ id: 5, error: { code: -32012 } });
    } finally {
      await limited.stop();
    }
  });

  it('counts every request of a batch', async () => {
    const limited = await startGateway({ env: { ...WORKERS, RATE_LIMIT_MAX_REQUESTS: '6', RATE_LIMIT_WINDOW_MS: '60000' } });
    try {
      const session = new McpHttpSession(`${limited.url}/mcp`);
      await session.initialize(); // 2 units
      const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
      const three = await session.post([ping(1), ping(2), ping(3)]); // 3 units: 5 spent
      expect(three.status).toBe(200);
      expect(three.messages).toEqual([1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, result: {} })));
      const tooMany = await session.post([ping(4), ping(5)]); // 2 more: over 6
      expect(tooMany.status).toBe(429);
      expect(tooMany.messages[0]).toMatchObject({ id: null, error: { code: -32012 } });
    } finally {
      await limited.stop();
    }
  });
});
