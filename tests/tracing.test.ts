import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeGithub, type FakeGithub } from '@mcpgw/fakes';
import { buildApp, loadConfig } from '@mcpgw/gateway';
import { REDIS_URL, REPO_ROOT, deleteRedisKeys, testRedisPrefix, testStoreEnv, waitFor } from '@mcpgw/test-support';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * Traces across the process boundary: the gateway runs here with an in-memory exporter; the github
 * worker is a real child process exporting OTLP/HTTP (JSON) to a small receiver this test runs, and
 * calls a fake GitHub that records the `traceparent` header it got. One trace id must run from the
 * request through breaker, worker call, the worker's tools/call span and its fetch to the upstream.
 * `metaecho` (a plain MCP server) answers with the `_meta` it received.
 */
type FastifyInstance = Awaited<ReturnType<typeof buildApp>>;

const META_ECHO = `${REPO_ROOT}tests/fixtures/meta-echo-server/server.mjs`;

/** A span as OTLP/HTTP JSON carries it (ids in hex, kind as the OTLP enum: SERVER 2, CLIENT 3). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
  service: string;
}

/** A real OTLP/HTTP receiver: collects the JSON bodies POSTed to /v1/traces. */
class OtlpReceiver {
  readonly bodies: unknown[] = [];
  readonly requests: { method: string; path: string; contentType: string | undefined }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] });
        if (req.method === 'POST' && req.url === '/v1/traces') this.bodies.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spans(): OtlpSpan[] {
    const out: OtlpSpan[] = [];
    for (const body of this.bodies as { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: Omit<OtlpSpan, 'service'>[] }[] }[] }[]) {
      for (const resourceSpans of body.resourceSpans) {
        const service = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) out.push({ ...span, service });
      }
    }
    return out;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

/** The github worker against `fake`, and the meta-echo server; `extra` on top. */
const gatewayEnv = (store: { env: Record<string, string> }, fake: FakeGithub, extra: Record<string, string> = {}) => ({
  ...store.env,
  WORKERS: 'github',
  EXTRA_WORKERS: `metaecho=${META_ECHO}`,
  SANDBOX: 'off',
  GITHUB_API_URL: fake.url,
  GITHUB_TOKEN: fake.token,
  GITHUB_DEFAULT_REPO: fake.defaultRepo,
  RATE_LIMIT_MAX_REQUESTS: '0',
  LOG_LEVEL: 'warn',
  ...extra,
});

/** A JSON-RPC call to /mcp/rpc through app.inject. */
const rpc = (app: FastifyInstance, method: string, params: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/mcp/rpc', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

describe('tracing on: one trace from the HTTP request to the upstream', () => {
  const store = testStoreEnv();
  const redisPrefix = testRedisPrefix();
  const receiver = new OtlpReceiver();
  const exporter = new InMemorySpanExporter();
  let fake: FakeGithub;
  let app: FastifyInstance;

  beforeAll(async () => {
    await receiver.start();
    fake = await startFakeGithub();
    const config = loadConfig(gatewayEnv(store, fake, { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }));
    app = await buildApp(config, { tracingExporter: exporter });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await receiver.close();
    await store.cleanup();
    await deleteRedisKeys(redisPrefix);
  });

  it('links the gateway request, breaker and worker-call spans to the worker tools/call span, its fetch and the upstream traceparent', async () => {
    const response = await rpc(app, 'mcp.execute', { service: 'github', tool: 'get_repo', arguments: {} }, { traceparent: CALLER_TRACEPARENT, 'x-request-id': 'trace-test-1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ result: { status: 'success' } });

    await app.tracing!.forceFlush();
    const gateway = exporter.getFinishedSpans();
    const byName = (name: string): ReadableSpan => {
      const found = gateway.find((s) => s.name === name);
      if (!found) throw new Error(`no gateway span ${name}; got ${gateway.map((s) => s.name).join(', ')}`);
      return found;
    };
    const request = byName('POST /mcp/rpc');
    const breaker = byName('breaker github');
    const workerCall = byName('tools/call github.get_repo');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/mcp/rpc', 'http.response.status_code': 200, 'mcpgw.request_id': 'trace-test-1' });
    expect(breaker.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(breaker.attributes).toMatchObject({ 'mcpgw.breaker.state': 'closed' });
    expect(workerCall.kind).toBe(SpanKind.CLIENT);
    expect(workerCall.parentSpanContext?.spanId).toBe(breaker.spanContext().spanId);
    expect(workerCall.attributes).toMatchObject({ 'mcpgw.service': 'github', 'mcpgw.tool': 'get_repo', 'mcpgw.request_id': 'trace-test-1' });
    for (const span of [request, breaker, workerCall]) expect(span.spanContext().traceId).toBe(CALLER_TRACE);

    // The worker exports on its own schedule (batches): wait until its spans have arrived.
    const workerSpans = () => receiver.spans().filter((s) => s.traceId === CALLER_TRACE);
    await waitFor(() => workerSpans().some((s) => s.kind === 3), 30_000, 'the worker to export its spans');
    const toolSpan = workerSpans().find((s) => s.name === 'tools/call get_repo')!;
    expect(toolSpan).toMatchObject({ kind: 2, service: 'mcpgw-worker-github', parentSpanId: workerCall.spanContext().spanId });
    expect(attribute(toolSpan, 'mcpgw.request_id')).toBe('trace-test-1');
    const fetchSpan = workerSpans().find((s) => s.kind === 3)!;
    expect(fetchSpan.parentSpanId).toBe(toolSpan.spanId);
    expect(attribute(fetchSpan, 'http.request.method')).toBe('GET');
    expect(receiver.requests.every((r) => r.method === 'POST' && r.path === '/v1/traces' && r.contentType === 'application/json')).toBe(true);

    const upstream = fake.calls.filter((c) => c.traceparent !== null);
    expect(upstream.length).toBeGreaterThan(0);
    expect(upstream.at(-1)!.traceparent).toBe(`00-${CALLER_TRACE}-${fetchSpan.spanId}-01`);
  }, 60_000);

  it('puts the worker-call span in the _meta the worker gets', async () => {
    const response = await rpc(app, 'mcp.execute', { service: 'metaecho', tool: 'echo_meta', arguments: {} });
    expect(response.statusCode).toBe(200);
    const meta = response.json().result.data.meta as Record<string, unknown>;
    await app.tracing!.forceFlush();
    const workerCall = exporter.getFinishedSpans().find((s) => s.name === 'tools/call metaecho.echo_meta')!;
    expect(meta['traceparent']).toBe(`00-${workerCall.spanContext().traceId}-${workerCall.spanContext().spanId}-01`);
  });

  it('runs an async job under a span that is a child of the request that submitted it', async () => {
    const submitted = await rpc(app, 'mcp.submit', { service: 'metaecho', tool: 'echo_meta', arguments: {} });
    const jobId = submitted.json().result.jobId as string;
    expect(jobId).toMatch(/^metaecho\./);
    await waitFor(async () => (await rpc(app, 'mcp.getJob', { jobId })).json().result.status === 'completed', 30_000, 'the job to complete');
    await app.tracing!.forceFlush();
    const spans = exporter.getFinishedSpans();
    const submit = spans.find((s) => s.name === 'POST /mcp/rpc' && s.attributes['mcpgw.request_id'] === submitted.headers['x-request-id'])!;
    const job = spans.find((s) => s.name === 'job metaecho.echo_meta')!;
    expect(job.kind).toBe(SpanKind.CONSUMER);
    expect(job.attributes).toMatchObject({ 'mcpgw.job_id': jobId, 'mcpgw.job.attempt': 1 });
    expect(job.parentSpanContext?.spanId).toBe(submit.spanContext().spanId);
    expect(job.spanContext().traceId).toBe(submit.spanContext().traceId);
    const breaker = spans.find((s) => s.name === 'breaker metaecho' && s.parentSpanContext?.spanId === job.spanContext().spanId);
    expect(breaker).toBeDefined();
    const result = (await rpc(app, 'mcp.getJob', { jobId })).json().result;
    const workerCall = spans.find((s) => s.name === 'tools/call metaecho.echo_meta' && s.parentSpanContext?.spanId === breaker!.spanContext().spanId)!;
    expect(JSON.stringify(result)).toContain(`00-${job.spanContext().traceId}-${workerCall.spanContext().spanId}-01`);
  }, 60_000);

  it('marks the breaker span failed when the breaker refuses the call', async () => {
    const handle = app.pool.get('github')!;
    // Open the breaker the way opossum does on a failure rate, without waiting for one.
    (handle.breaker as unknown as { breaker: { open(): void } }).breaker.open();
    try {
      const response = await rpc(app, 'mcp.execute', { service: 'github', tool: 'get_repo', arguments: {} });
      expect(response.json()).toMatchObject({ error: { code: -32051 } });
      await app.tracing!.forceFlush();
      const refused = exporter.getFinishedSpans().filter((s) => s.name === 'breaker github' && s.status.code === SpanStatusCode.ERROR);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.attributes).toMatchObject({ 'mcpgw.breaker.state': 'open', 'error.type': 'CIRCUIT_OPEN' });
    } finally {
      (handle.breaker as unknown as { breaker: { close(): void } }).breaker.close();
    }
  });
});

describe('tracing off', () => {
  const store = testStoreEnv();
  const receiver = new OtlpReceiver();
  let fake: FakeGithub;
  let app: FastifyInstance;
  let closed = false;

  beforeAll(async () => {
    await receiver.start();
    fake = await startFakeGithub();
    app = await buildApp(loadConfig(gatewayEnv(store, fake)));
  }, 60_000);

  afterAll(async () => {
    if (!closed) await app?.close();
    await fake?.close();
    await receiver.close();
    await store.cleanup();
  });

  it('sends no trace context to workers or upstreams and nothing to a collector', async () => {
    expect(app.tracing).toBeUndefined();
    const echoed = await rpc(app, 'mcp.execute', { service: 'metaecho', tool: 'echo_meta', arguments: {} }, { traceparent: CALLER_TRACEPARENT });
    expect(echoed.statusCode).toBe(200);
    const meta = echoed.json().result.data.meta as Record<string, unknown>;
    expect(meta).toHaveProperty(['mcpgw/requestId']);
    expect(meta).not.toHaveProperty('traceparent');
    expect(meta).not.toHaveProperty('tracestate');

    const called = await rpc(app, 'mcp.execute', { service: 'github', tool: 'get_repo', arguments: {} }, { traceparent: CALLER_TRACEPARENT });
    expect(called.statusCode).toBe(200);
    expect(fake.calls.length).toBeGreaterThan(0);
    expect(fake.calls.every((c) => c.traceparent === null)).toBe(true);
    expect(app.pool.get('github')!.spec).not.toHaveProperty(['env', 'OTEL_EXPORTER_OTLP_ENDPOINT']);
    // Stopping the workers flushes whatever they would have exported.
    await app.close();
    closed = true;
    expect(receiver.requests).toEqual([]);
  });
});
