import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, metricValue, parseMetrics, testStoreEnv } from '@mcpgw/test-support';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';

/**
 * Idempotency keys on /mcp/rpc, /mcp/execute and /mcp through `app.inject()`, with the in-memory store
 * (no REDIS_URL) and the real test worker: one execution per key, replays, 409, 422, release on failure.
 */
let app: FastifyInstance;
const store = testStoreEnv();
let n = 0;
const freshKey = (): string => `key-${Date.now()}-${++n}`;

beforeAll(async () => {
  const config = loadConfig({ ...store.env, RATE_LIMIT_MAX_REQUESTS: '0', WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, LOG_LEVEL: 'silent' });
  for (const spec of config.workers) if (spec.kind !== 'remote') spec.env['LOG_LEVEL'] = 'silent';
  app = await buildApp(config);
  await app.pool.checkHealth();
});

afterAll(async () => {
  await app.close();
  await store.cleanup();
});

const rpc = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/mcp/rpc', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
const call = (params: Record<string, unknown>, id = 1) => rpc({ jsonrpc: '2.0', id, method: 'mcp.execute', params });
const slash = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/mcp/execute', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
const completedSleeps = async (): Promise<number> => (await call({ service: 'echo', tool: 'worker_stats' })).json().result.data.completedSleeps as number;
const metric = async (name: string, endpoint: string): Promise<number> => metricValue(parseMetrics(await app.metrics.registry.metrics()), name, { endpoint });

describe('idempotencyKey on mcp.execute (JSON-RPC)', () => {
  it('runs the call once and replays its stored result, marked replayed, to the same request with the same key', async () => {
    const key = freshKey();
    const before = await completedSleeps();
    const [hits, misses] = [await metric('mcp_idempotency_hits_total', 'rpc'), await metric('mcp_idempotency_misses_total', 'rpc')];
    const first = await call({ service: 'echo', tool: 'sleep', arguments: { ms: 1 }, idempotencyKey: key });
    expect(first.statusCode).toBe(200);
    expect(first.json().result.metadata.idempotent).toBeUndefined();
    // The same request with its keys in another order is the same request.
    const again = await call({ idempotencyKey: key, arguments: { ms: 1 }, tool: 'sleep', service: 'echo' }, 2);
    expect(again.statusCode).toBe(200);
    const replayed = again.json().result;
    expect(replayed).toEqual({
      ...first.json().result,
      metadata: { ...first.json().result.metadata, requestId: again.headers['x-request-id'], idempotent: 'replayed' },
    });
    expect(await completedSleeps()).toBe(before + 1);
    expect(await metric('mcp_idempotency_hits_total', 'rpc')).toBe(hits + 1);
    expect(await metric('mcp_idempotency_misses_total', 'rpc')).toBe(misses + 1);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with different arguments', async () => {
    const key = freshKey();
    expect((await call({ service: 'echo', tool: 'echo', arguments: { message: 'a' }, idempotencyKey: key })).statusCode).toBe(200);
    const reused = await call({ service: 'echo', tool: 'echo', arguments: { message: 'b' }, idempotencyKey: key });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error).toMatchObject({ code: -32016, data: { name: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('answers 409 IDEMPOTENCY_IN_FLIGHT with Retry-After to the same key while the first call runs', async () => {
    const key = freshKey();
    const params = { service: 'echo', tool: 'sleep', arguments: { ms: 300 }, idempotencyKey: key };
    const answers = await Promise.all([call(params, 1), call(params, 2)]);
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([200, 409]);
    const conflict = answers.find((a) => a.statusCode === 409)!;
    expect(conflict.headers['retry-after']).toBe('1');
    expect(conflict.json().error).toMatchObject({ code: -32017, data: { name: 'IDEMPOTENCY_IN_FLIGHT', retryAfter: 1 } });
    // Once it is done, the same request gets the stored result.
    expect((await call(params, 3)).json().result.metadata.idempotent).toBe('replayed');
  });

  it('releases the key when the call fails, so the same request runs again', async () => {
    const key = freshKey();
    const params = { service: 'echo', tool: 'fail', arguments: {}, idempotencyKey: key };
    const first = await call(params);
    expect(first.statusCode).toBeGreaterThanOrEqual(400);
    const second = await call(params, 2);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.json().error.code).toBe(first.json().error.code);
  });

  it('keeps idempotencyKey out of the tool arguments in the {service, operation, ...arguments} form', async () => {
    const response = await call({ service: 'echo', operation: 'echo', message: 'seed', idempotencyKey: freshKey() });
    expect(response.json().result.data).toEqual({ echo: { message: 'seed' } });
  });

  it('refuses a malformed key with INVALID_PARAMS', async () => {
    const response = await call({ service: 'echo', tool: 'echo', arguments: {}, idempotencyKey: 'has space' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: -32602, message: expect.stringMatching(/^idempotencyKey must be 1 to 255 visible ASCII/) });
  });

  it('refuses an Idempotency-Key header on /mcp/rpc instead of ignoring it', async () => {
    const response = await rpc({ jsonrpc: '2.0', id: 7, method: 'mcp.execute', params: { service: 'echo', tool: 'echo' } }, { 'idempotency-key': 'k1' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ id: 7, error: { code: -32600, message: expect.stringMatching(/idempotencyKey/) } });
  });

  it('runs a key once within a batch: the other member is in flight or replayed', async () => {
    const key = freshKey();
    const before = await completedSleeps();
    const item = (id: number) => ({ jsonrpc: '2.0', id, method: 'mcp.execute', params: { service: 'echo', tool: 'sleep', arguments: { ms: 50 }, idempotencyKey: key } });
    const response = await rpc([item(1), item(2)]);
    expect(response.statusCode).toBe(200);
    const answers = response.json() as { result?: unknown; error?: { code: number } }[];
    expect(answers.filter((a) => a.result !== undefined)).toHaveLength(1);
    expect(answers.filter((a) => a.error?.code === -32017)).toHaveLength(1);
    expect(await completedSleeps()).toBe(before + 1);
  });

  it('leaves an audit row with outcome ok for a replay and error for a refusal', async () => {
    const key = freshKey();
    const params = { service: 'echo', tool: 'echo', arguments: { message: 'audit' }, idempotencyKey: key };
    await call(params);
    const replay = await call(params, 2);
    const reused = await call({ ...params, arguments: { message: 'other' } }, 3);
    await app.audit.flush();
    const { rows } = await app.store.audit.query({ agent: 'local', limit: 50 });
    expect(rows.find((r) => r.requestId === replay.headers['x-request-id'])).toMatchObject({ outcome: 'ok', service: 'echo', tool: 'echo', endpoint: 'rpc' });
    expect(rows.find((r) => r.requestId === reused.headers['x-request-id'])).toMatchObject({ outcome: 'error', errorName: 'IDEMPOTENCY_KEY_REUSED', errorCode: -32016 });
    expect(rows.filter((r) => r.requestId === replay.headers['x-request-id'])).toHaveLength(1);
  });
});

describe('Idempotency-Key header on POST /mcp/execute', () => {
  it('runs the matched call once: the same tool and arguments replay however the command is written', async () => {
    const key = freshKey();
    const before = await completedSleeps();
    const hits = await metric('mcp_idempotency_hits_total', 'execute');
    const first = await slash({ command: '/mcp-echo sleep 1' }, { 'idempotency-key': key });
    expect(first.statusCode).toBe(200);
    const again = await slash({ command: '/mcp-echo   sleep   1' }, { 'idempotency-key': key });
    expect(again.statusCode).toBe(200);
    const original = first.json<{ metadata: Record<string, unknown> }>();
    expect(again.json()).toEqual({ ...original, metadata: { ...original.metadata, requestId: again.headers['x-request-id'], idempotent: 'replayed' } });
    expect(await completedSleeps()).toBe(before + 1);
    expect(await metric('mcp_idempotency_hits_total', 'execute')).toBe(hits + 1);
    // Without the header the call runs as always.
    expect((await slash({ command: '/mcp-echo sleep 1' })).json().metadata.idempotent).toBeUndefined();
    expect(await completedSleeps()).toBe(before + 2);
  });

  it('answers 422 for the same key with another command, and 400 for a malformed key', async () => {
    const key = freshKey();
    expect((await slash({ command: '/mcp-echo sleep 1' }, { 'idempotency-key': key })).statusCode).toBe(200);
    const reused = await slash({ command: '/mcp-echo sleep 2' }, { 'idempotency-key': key });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ status: 'error', error: { code: -32016, name: 'IDEMPOTENCY_KEY_REUSED' } });
    const bad = await slash({ command: '/mcp-echo sleep 1' }, { 'idempotency-key': 'x'.repeat(256) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ name: 'INVALID_PARAMS', message: expect.stringMatching(/^Idempotency-Key header must be/) });
  });
});

describe('idempotency keys on MCP tools/call (in-memory store)', () => {
  const mcp = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      payload: JSON.stringify(body),
    });
    const text = response.body;
    const message = String(response.headers['content-type'] ?? '').includes('text/event-stream')
      ? JSON.parse(text.split('\n').filter((l) => l.startsWith('data:')).at(-1)!.slice(5))
      : JSON.parse(text);
    return { response, message: message as Record<string, any> };
  };
  let session: Record<string, string>;

  beforeAll(async () => {
    const init = await mcp({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    session = { 'mcp-session-id': init.response.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-06-18' };
  });

  const toolCall = (id: number, params: Record<string, unknown>, headers: Record<string, string> = {}) => mcp({ jsonrpc: '2.0', id, method: 'tools/call', params }, { ...session, ...headers });

  it('runs the call once and replays the stored CallToolResult marked replayed, with one audit row each', async () => {
    const key = freshKey();
    const before = await completedSleeps();
    const [hits, misses] = [await metric('mcp_idempotency_hits_total', 'mcp'), await metric('mcp_idempotency_misses_total', 'mcp')];
    const params = { name: 'echo__sleep', arguments: { ms: 1 }, _meta: { 'mcpgw/idempotencyKey': key } };
    const first = await toolCall(1, params);
    expect(first.message['result']).toMatchObject({ structuredContent: { slept: 1 } });
    const again = await toolCall(2, params);
    expect(again.message['result']).toEqual({ ...first.message['result'], _meta: { ...first.message['result']._meta, 'mcpgw/idempotent': 'replayed' } });
    expect(await completedSleeps()).toBe(before + 1);
    expect(await metric('mcp_idempotency_hits_total', 'mcp')).toBe(hits + 1);
    expect(await metric('mcp_idempotency_misses_total', 'mcp')).toBe(misses + 1);

    const reused = await toolCall(3, { ...params, arguments: { ms: 2 } });
    expect(reused.message['error']).toMatchObject({ code: -32016, data: { name: 'IDEMPOTENCY_KEY_REUSED' } });
    await app.audit.flush();
    const { rows } = await app.store.audit.query({ agent: 'local', limit: 50 });
    expect(rows.filter((r) => r.requestId === again.response.headers['x-request-id'])).toEqual([expect.objectContaining({ outcome: 'ok', service: 'echo', tool: 'sleep', endpoint: 'mcp' })]);
    expect(rows.find((r) => r.requestId === reused.response.headers['x-request-id'])).toMatchObject({ outcome: 'error', errorName: 'IDEMPOTENCY_KEY_REUSED', endpoint: 'mcp' });
  });
});
