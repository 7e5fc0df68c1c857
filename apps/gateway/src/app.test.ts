import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, parseMetrics, metricValue, testStoreEnv, waitFor } from '@mcpgw/test-support';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import pino from 'pino';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import type { LocalWorkerSpec } from './workers/worker-spec.js';
import { loggerOptions } from './logger.js';

/**
 * Every route and every error, through `app.inject()`, against real worker processes: `echo` (the
 * test worker) and `locked` (the same worker, started without the secret it requires).
 */
let app: FastifyInstance;
let config: GatewayConfig;
const logLines: string[] = [];
const store = testStoreEnv();
const smallStore = testStoreEnv();

beforeAll(async () => {
  config = loadConfig({
    ...store.env,
    RATE_LIMIT_MAX_REQUESTS: '0',
    WORKERS: 'none',
    EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY},locked=${TEST_WORKER_ENTRY}`,
    LOG_LEVEL: 'debug',
    BODY_LIMIT_BYTES: '4096',
    RPC_MAX_BATCH: '5',
    WORKER_RESTART_BASE_MS: '50',
    WORKER_RESTART_MAX_MS: '200',
  });
  for (const spec of config.workers) if (spec.kind !== 'remote') spec.env['LOG_LEVEL'] = 'silent';
  (config.workers.find((w) => w.name === 'locked') as LocalWorkerSpec).env['ECHO_REQUIRE_SECRET'] = 'true';
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  app = await buildApp(config, { logger: pino(loggerOptions(config), capture) });
  await app.pool.checkHealth();
});

afterAll(async () => {
  await app.close();
  await store.cleanup();
});

const rpc = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/mcp/rpc',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const call = (params: unknown, id: number | string = 1) => rpc({ jsonrpc: '2.0', id, method: 'mcp.execute', params });
const slash = (body: unknown) =>
  app.inject({ method: 'POST', url: '/mcp/execute', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('POST /mcp/rpc: mcp.execute', () => {
  it('calls a tool by {service, tool, arguments} and returns the success envelope', async () => {
    const response = await call({ service: 'echo', tool: 'echo', arguments: { message: 'hi' } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        status: 'success',
        data: { echo: { message: 'hi' } },
        metadata: { executionTime: expect.any(Number), tokensUsed: 5, service: 'echo', tool: 'echo', requestId: response.headers['x-request-id'] },
      },
    });
  });

  it('accepts the seed form {service, operation, ...arguments} with kebab-case operations', async () => {
    const response = await call({ service: 'echo', operation: 'echo', message: 'seed' });
    expect(response.json().result.data).toEqual({ echo: { message: 'seed' } });
    const stats = await call({ service: 'echo', operation: 'worker-stats' });
    expect(stats.json().result.data).toMatchObject({ pid: expect.any(Number) });
  });

  it('uses a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await call({ service: 'echo', tool: 'echo' }, 2).then((r) => r);
    expect(kept.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await rpc({ jsonrpc: '2.0', id: 3, method: 'mcp.execute', params: { service: 'echo', tool: 'echo' } }, { 'x-request-id': 'trace-42' });
    expect(given.headers['x-request-id']).toBe('trace-42');
    expect(given.json().result.metadata.requestId).toBe('trace-42');
    const replaced = await rpc({ jsonrpc: '2.0', id: 4, method: 'mcp.listServices' }, { 'x-request-id': 'bad id with spaces' });
    expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('answers a notification with 204 and no body, but still runs it', async () => {
    const before = (await call({ service: 'echo', tool: 'worker_stats' })).json().result.data.completedSleeps;
    const response = await rpc({ jsonrpc: '2.0', method: 'mcp.execute', params: { service: 'echo', tool: 'sleep', arguments: { ms: 1 } } });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    const after = (await call({ service: 'echo', tool: 'worker_stats' })).json().result.data.completedSleeps;
    expect(after).toBe(before + 1);
  });

  it.each([
    [{ service: 'echo' }, 'tool'],
    [{ tool: 'echo' }, 'service'],
    [{ service: 'echo', tool: 'echo', arguments: [1] }, 'arguments'],
  ])('answers bad params %j with -32602 naming %s', async (params, path) => {
    const response = await call(params);
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe(-32602);
    expect(error.data.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('answers positional params with -32602', async () => {
    const response = await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: ['echo', 'echo'] });
    expect(response.json().error).toMatchObject({ code: -32602, message: expect.stringMatching(/params must be an object/) });
  });

  it('answers an unknown service with 404, -32030 and the known services', async () => {
    const response = await call({ service: 'nope', tool: 'x' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: -32030, data: { name: 'SERVICE_NOT_FOUND', knownServices: ['echo', 'locked'] } });
  });

  it('answers an unknown tool with 404, -32031 and the service\'s tools', async () => {
    const response = await call({ service: 'echo', tool: 'nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: -32031, data: { tools: expect.arrayContaining(['echo', 'sleep']) } });
  });

  it('answers invalid tool arguments with -32602 and each failing path, checked by the worker', async () => {
    const response = await call({ service: 'echo', tool: 'sleep', arguments: { ms: 'soon', extra: true } });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe(-32602);
    expect(error.data.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'ms']);
    expect(error.message).toMatch(/ms: .*expected number/);
  });

  it('answers a tool failure with 422 and -32056, and hides unexpected errors', async () => {
    const failed = await call({ service: 'echo', tool: 'fail', arguments: { kind: 'rejected', message: 'no writes here' } });
    expect(failed.statusCode).toBe(422);
    expect(failed.json().error).toMatchObject({ code: -32056, message: 'no writes here', data: { kind: 'rejected', service: 'echo', tool: 'fail' } });
    const exploded = await call({ service: 'echo', tool: 'explode' });
    expect(exploded.statusCode).toBe(422);
    expect(exploded.body).not.toContain('hunter2');
    expect(exploded.body).not.toMatch(/stack|at .*\.js/);
  });

  it('maps upstream failures to 502/504 with their codes', async () => {
    const upstream = await call({ service: 'echo', tool: 'fail', arguments: { kind: 'upstream', message: 'odoo said 503' } });
    expect([upstream.statusCode, upstream.json().error.code]).toEqual([502, -32057]);
    const slow = await call({ service: 'echo', tool: 'fail', arguments: { kind: 'upstream_timeout' } });
    expect([slow.statusCode, slow.json().error.code]).toEqual([504, -32060]);
  });

  it('survives a worker that writes something other than MCP to stdout', async () => {
    const response = await call({ service: 'echo', tool: 'stdout_noise' });
    expect(response.json().result.data).toEqual({ noisy: true });
    await waitFor(() => logLines.some((l) => l.includes('worker wrote a non-JSON line to stdout')), 2_000, 'the warning');
    expect((await call({ service: 'echo', tool: 'echo' })).statusCode).toBe(200);
  });

  it('answers a call to an unconfigured service with 503, -32055 and the variables to set', async () => {
    const response = await call({ service: 'locked', tool: 'echo' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: -32055, data: { missing: ['ECHO_SECRET'] } });
    expect(response.json().error.message).toMatch(/set ECHO_SECRET/);
  });
});

describe('POST /mcp/rpc: JSON-RPC 2.0 as the spec says', () => {
  it('answers a batch with one array, in order, skipping notifications and flagging invalid members', async () => {
    const response = await rpc([
      { jsonrpc: '2.0', id: 'a', method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: '1' } } },
      { jsonrpc: '2.0', method: 'mcp.listServices' },
      { jsonrpc: '2.0', id: 'c', method: 'no.such.method' },
      { foo: 'bar' },
      { jsonrpc: '2.0', id: 'e', method: 'mcp.execute', params: { service: 'echo', tool: 'nope' } },
    ]);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.map((r: { id: unknown }) => r.id)).toEqual(['a', 'c', null, 'e']);
    expect(body[0].result.data.echo.message).toBe('1');
    expect(body[1].error.code).toBe(-32601);
    expect(body[2].error.code).toBe(-32600);
    expect(body[3].error.code).toBe(-32031);
  });

  it('answers a batch of notifications with 204', async () => {
    const response = await rpc([{ jsonrpc: '2.0', method: 'mcp.listServices' }]);
    expect(response.statusCode).toBe(204);
  });

  it('answers an empty batch with -32600', async () => {
    const response = await rpc([]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch: send at least one request', data: { name: 'INVALID_REQUEST' } } });
  });

  it('refuses a batch above RPC_MAX_BATCH with a clear error', async () => {
    const batch = Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'mcp.listServices' }));
    const response = await rpc(batch);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: -32600, message: expect.stringMatching(/at most 5 requests \(RPC_MAX_BATCH\); this one has 6/) });
  });

  it('answers a parse error with -32700 and id null', async () => {
    const response = await rpc('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it.each([
    [{ id: 9, method: 'mcp.listServices' }, 9, /"jsonrpc" must be "2.0"/],
    [{ jsonrpc: '2.0', id: 9 }, 9, /"method" must be a non-empty string/],
    [{ jsonrpc: '2.0', id: { a: 1 }, method: 'mcp.listServices' }, null, /"id" must be/],
    [{ jsonrpc: '2.0', id: 9, method: 'mcp.listServices', params: 'x' }, 9, /"params" must be/],
    ['"just a string"', null, /must be a JSON object/],
  ])('answers the invalid request %j with -32600', async (body, id, message) => {
    const response = await rpc(typeof body === 'string' ? body : JSON.stringify(body));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ id, error: { code: -32600, message: expect.stringMatching(message) } });
  });

  it('answers an unknown method with 404, -32601 and the methods that exist', async () => {
    const response = await rpc({ jsonrpc: '2.0', id: 7, method: 'mcp.nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ id: 7, error: { code: -32601, data: { methods: ['mcp.execute', 'mcp.listServices', 'mcp.describeService', 'mcp.submit', 'mcp.getJob', 'mcp.cancelJob', 'mcp.listJobs', 'mcp.listDeadLetters', 'mcp.replayJob'] } } });
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413', async () => {
    const response = await call({ service: 'echo', tool: 'echo', arguments: { message: 'x'.repeat(5000) } });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ id: null, error: { code: -32020, message: expect.stringMatching(/BODY_LIMIT_BYTES/) } });
  });

  it('refuses JSON nested deeper than JSON_MAX_DEPTH with -32600', async () => {
    const deep = `${'['.repeat(65)}${']'.repeat(65)}`;
    const response = await rpc(deep);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: -32600, message: expect.stringMatching(/deeper than 64 levels/) });
  });

  it('refuses __proto__ keys', async () => {
    const response = await rpc('{"jsonrpc":"2.0","id":1,"method":"mcp.execute","params":{"__proto__":{"polluted":true}}}');
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/jsonx']])('refuses Content-Type %s with 415', async (type) => {
    const response = await app.inject({ method: 'POST', url: '/mcp/rpc', headers: { 'content-type': type }, payload: '{}' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe(-32021);
  });

  it('refuses a body without Content-Type with 415', async () => {
    const response = await app.inject({ method: 'POST', url: '/mcp/rpc' });
    expect(response.statusCode).toBe(415);
  });

  it('lists services and describes one', async () => {
    const list = (await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.listServices' })).json().result.services;
    expect(list).toEqual([
      expect.objectContaining({ name: 'echo', status: 'ok', location: 'server', mode: 'live', toolCount: 12 }),
      expect.objectContaining({ name: 'locked', status: 'unconfigured' }),
      // The local references follow: listed for agents, not routed (registry/local-references.ts).
      ...['playwright', 'shadcn', 'magicui', 'taskmaster'].map((name) => expect.objectContaining({ name, location: 'local', routed: false, status: 'local' })),
    ]);
    const described = (await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.describeService', params: { service: 'echo' } })).json().result;
    expect(described.tools.find((t: { name: string }) => t.name === 'sleep')).toMatchObject({ tokenCost: 5, inputSchema: { type: 'object', required: ['ms'] } });
    const missing = await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.describeService', params: { service: 'nope' } });
    expect(missing.statusCode).toBe(404);
  });
});

describe('POST /mcp/execute', () => {
  it('runs a slash command and returns the same envelope', async () => {
    const response = await slash({ command: '/mcp-echo echo hello world' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'success', data: { echo: { message: 'hello world' } }, metadata: { service: 'echo', tool: 'echo' } });
  });

  it('merges extra args into the command\'s arguments', async () => {
    const response = await slash({ command: '/mcp-echo echo hi', args: { payload: { n: 1 } } });
    expect(response.json().data).toEqual({ echo: { message: 'hi', payload: { n: 1 } } });
  });

  it('coerces slash arguments to the tool\'s declared types', async () => {
    const response = await slash({ command: '/mcp-echo sleep 1' });
    expect(response.json().data).toEqual({ slept: 1 });
  });

  it.each([
    [{ command: '/mcp-nope list' }, 404, -32030],
    [{ command: '/mcp-echo "unterminated' }, 400, -32032],
    [{ command: 'echo hi' }, 400, -32032],
    [{ command: '/mcp-echo sleep' }, 400, -32032],
    [{ command: '/mcp-echo sleep soon' }, 400, -32602],
    [{}, 400, -32602],
    [{ command: '/mcp-echo echo hi', args: 'x' }, 400, -32602],
    [{ command: '/mcp-locked echo hi' }, 503, -32055],
  ])('answers %j with %i and %i in the error envelope', async (body, status, code) => {
    const response = await slash(body);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ status: 'error', error: { code, name: expect.any(String), message: expect.any(String) }, metadata: { requestId: expect.any(String) } });
  });

  it('lists the valid usages when no command matches', async () => {
    const response = await slash({ command: '/mcp-echo shout hi' });
    expect(response.json().error.data.usage).toEqual(['/mcp-echo echo <message...>', '/mcp-echo sleep <ms>', '/mcp-echo stats']);
  });
});

describe('GET /mcp/catalog and /mcp/service/:name', () => {
  it('describes every service: tools with schemas and costs, commands with usage', async () => {
    const response = await app.inject({ method: 'GET', url: '/mcp/catalog' });
    expect(response.statusCode).toBe(200);
    const echo = response.json().services.find((s: { name: string }) => s.name === 'echo');
    expect(echo).toMatchObject({ name: 'echo', version: '1.0.0', location: 'server', status: 'ok', breaker: 'closed', embedded: false });
    expect(echo.commands).toContainEqual({ usage: '/mcp-echo sleep <ms>', tool: 'sleep', description: expect.any(String) });
    expect(echo.tools.find((t: { name: string }) => t.name === 'crash').annotations).toEqual({ idempotentHint: false });
    const locked = response.json().services.find((s: { name: string }) => s.name === 'locked');
    expect(locked).toMatchObject({ status: 'unconfigured', missingEnv: ['ECHO_SECRET'] });
  });

  it('answers an unknown service with 404 and the known ones', async () => {
    const response = await app.inject({ method: 'GET', url: '/mcp/service/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: -32030, data: { knownServices: ['echo', 'locked'] } });
    expect((await app.inject({ method: 'GET', url: '/mcp/service/echo' })).json().name).toBe('echo');
  });
});

describe('health', () => {
  it('answers live, ready and the summary', async () => {
    expect((await app.inject('/health/live')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/health/ready')).statusCode).toBe(200);
    expect((await app.inject('/ready')).statusCode).toBe(200);
    const summary = (await app.inject('/health')).json();
    expect(summary).toMatchObject({ status: 'ok', workers: { total: 2, up: 2 }, services: { echo: 'ok', locked: 'unconfigured' } });
  });

  it('details each worker without configuration or secrets', async () => {
    const response = await app.inject('/health/detailed');
    const echo = response.json().workers.find((w: { name: string }) => w.name === 'echo');
    expect(echo).toMatchObject({
      state: 'ready',
      pid: expect.any(Number),
      restarts: 0,
      breaker: { state: 'closed', window: expect.objectContaining({ fires: expect.any(Number) }) },
      inFlight: 0,
      maxConcurrency: 64,
      health: { status: 'ok' },
      latencyMs: expect.objectContaining({ p50: expect.any(Number), p99: expect.any(Number) }),
    });
    expect(response.body).not.toContain('ECHO_REQUIRE_SECRET');
    expect(response.body).not.toContain('PATH');
  });

  it('reports not ready while a required worker restarts, then ready again', async () => {
    const handle = app.pool.get('locked')!;
    handle.kill();
    await waitFor(() => !handle.ready, 2_000, 'the worker to exit');
    const during = await app.inject('/ready');
    expect(during.statusCode).toBe(503);
    expect(during.json()).toMatchObject({ status: 'not_ready', waitingFor: ['locked'] });
    await waitFor(async () => (await app.inject('/ready')).statusCode === 200, 5_000, 'the worker to restart');
    expect(handle.supervisor.restarts).toBe(1);
  });
});

describe('metrics and unknown routes', () => {
  it('serves Prometheus metrics on the metrics server only', async () => {
    await call({ service: 'echo', tool: 'echo' });
    const response = await app.metricsServer.inject('/metrics');
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    const samples = parseMetrics(response.body);
    for (const name of [
      'mcp_operation_duration_seconds_count',
      'mcp_operation_total',
      'mcp_token_usage_total',
      'http_request_duration_seconds_count',
      'mcp_requests_total',
      'mcp_requests_failed_total',
      'mcp_connector_healthy',
      'mcp_connector_requests_total',
      'mcp_connector_errors_total',
      'mcp_circuit_breaker_state',
      'mcp_circuit_breaker_opened_total',
      'mcp_worker_restarts_total',
      'process_cpu_user_seconds_total',
    ]) {
      expect(samples.some((s) => s.name === name)).toBe(true);
    }
    expect(metricValue(samples, 'mcp_connector_healthy', { service: 'echo' })).toBe(1);
    expect(metricValue(samples, 'mcp_connector_healthy', { service: 'locked' })).toBe(0);
    const routes = new Set(samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels['route']));
    expect(routes).toContain('/mcp/service/:name');
    expect([...routes].some((r) => r?.includes('nope'))).toBe(false);
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    expect((await app.metricsServer.inject('/other')).statusCode).toBe(404);
  });

  it('answers an unknown route with 404 and -32033', async () => {
    const response = await app.inject('/nowhere?x=1');
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: -32033, message: expect.stringMatching(/no route GET \/nowhere;/) });
  });
});

describe('shutdown', () => {
  it('refuses new calls with SHUTTING_DOWN once shutdown began, while health still answers', async () => {
    app.shuttingDown = true;
    try {
      const rpcAnswer = await call({ service: 'echo', tool: 'echo' });
      expect(rpcAnswer.statusCode).toBe(503);
      expect(rpcAnswer.headers['connection']).toBe('close');
      expect(rpcAnswer.json()).toMatchObject({ id: null, error: { code: -32058 } });
      const slashAnswer = await slash({ command: '/mcp-echo echo hi' });
      expect(slashAnswer.json().error.name).toBe('SHUTTING_DOWN');
      const ready = await app.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'not_ready', reason: 'shutting down' });
    } finally {
      app.shuttingDown = false;
    }
  });
});

describe('logs', () => {
  it('never contain credentials or secret-named fields', async () => {
    await rpc(
      { jsonrpc: '2.0', id: 1, method: 'mcp.listServices' },
      { authorization: 'Bearer eyJ-very-secret-token', 'x-mcp-key': 'mcp_live_abcd_s3cr3tvalue' },
    );
    app.log.info({ password: 'p4ssw0rd-value', config: { secret: 'inner-s3cret' } }, 'checking redaction');
    app.log.error({ err: new Error('connect failed: postgres://admin:url-pw-value@db/sales') }, 'checking error scrubbing');
    const all = logLines.join('');
    expect(all).toContain('checking redaction');
    expect(all).toContain('postgres://admin:[redacted]@db/sales');
    for (const secret of ['eyJ-very-secret-token', 's3cr3tvalue', 'p4ssw0rd-value', 'inner-s3cret', 'url-pw-value']) expect(all).not.toContain(secret);
  });
});

describe('malformed input never yields a 500 (property-based)', () => {
  const contentTypes = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/xml', ''];
  const bodies = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json({ maxDepth: 6 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: v })),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: v } }])),
    fc.string({ maxLength: 120 }).map((s) => JSON.stringify({ command: `/mcp-echo ${s}` })),
    fc.nat({ max: 200 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  );

  it('answers random bodies and content types on every POST endpoint with 2xx or 4xx JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/mcp/rpc', '/mcp/execute'),
        fc.oneof(fc.constantFrom(...contentTypes), fc.stringMatching(/^[\x21-\x7e]{0,40}$/)),
        fc.stringMatching(/^[\x21-\x7e]{0,200}$/),
        bodies,
        async (url, type, requestId, payload) => {
          const headers: Record<string, string> = { 'x-request-id': requestId };
          if (type) headers['content-type'] = type;
          const response = await app.inject({ method: 'POST', url, headers, payload });
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode !== 204) expect(() => response.json()).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('per-worker concurrency cap (security.md F3)', () => {
  let small: FastifyInstance;
  beforeAll(async () => {
    const limited = loadConfig({ ...smallStore.env, WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, WORKER_MAX_CONCURRENCY: '2', WORKER_MAX_QUEUE: '1', LOG_LEVEL: 'silent', RATE_LIMIT_MAX_REQUESTS: '0' });
    for (const spec of limited.workers) if (spec.kind !== 'remote') spec.env['LOG_LEVEL'] = 'silent';
    small = await buildApp(limited);
  });
  afterAll(async () => {
    await small.close();
    await smallStore.cleanup();
  });

  it('queues beyond the cap and refuses beyond the queue with 503, WORKER_BUSY and Retry-After', async () => {
    const sleep = (ms: number) =>
      small.inject({
        method: 'POST',
        url: '/mcp/rpc',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'sleep', arguments: { ms } } }),
      });
    const running = [sleep(300), sleep(300), sleep(1)];
    await waitFor(() => small.pool.get('echo')!.gate.queued === 1, 2_000, 'a queued call');
    const refused = await sleep(1);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error).toMatchObject({ code: -32052, message: expect.stringMatching(/2 calls in flight and 1 queued/) });
    const done = await Promise.all(running);
    expect(done.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(small.pool.get('echo')!.breaker.state).toBe('closed');
  });
});
