import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CollectingSpanExporter, startTracing, type FinishedSpan, type TracingHandle } from '@mcpgw/tracing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import '../fastify-types.js';
import { loggerOptions } from '../logger.js';
import { genReqId } from './request-context.js';
import { tracingPlugin } from './tracing.js';

const exporter = new CollectingSpanExporter();
const lines: Record<string, unknown>[] = [];
let tracing: TracingHandle;
let app: FastifyInstance;

beforeAll(async () => {
  tracing = (await startTracing({ serviceName: 'mcp-gateway', serviceVersion: 'test', exporter }))!;
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino(loggerOptions({ logLevel: 'info', tracing: { endpoint: 'http://collector:4318' } }), capture);
  app = Fastify({ loggerInstance: logger as FastifyBaseLogger, genReqId, requestIdHeader: false, requestIdLogLabel: 'requestId', disableRequestLogging: true });
  app.decorate('tracing', tracing);
  await app.register(tracingPlugin);
  const component = app.log.child({ component: 'workers' });
  app.post('/items/:id', async (request) => {
    await new Promise((resolve) => setImmediate(resolve));
    request.log.info('handling an item');
    component.info({ requestId: request.id }, 'component line');
    return { id: (request.params as { id: string }).id };
  });
  app.get('/broken', async () => {
    throw new Error('boom');
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await tracing.shutdown();
});

const spanNamed = async (name: string): Promise<FinishedSpan> => {
  await tracing.forceFlush();
  const span = exporter.spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name}; got ${exporter.spans.map((s) => s.name).join(', ')}`);
  return span;
};

describe('the request span', () => {
  it('is a SERVER span named after the route template, continuing the caller traceparent', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items/42',
      headers: { 'content-type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'req-42' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(200);
    const span = await spanNamed('POST /items/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.attributes).toEqual({ 'http.request.method': 'POST', 'http.route': '/items/:id', 'http.response.status_code': 200, 'mcpgw.request_id': 'req-42' });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('puts trace_id, span_id and the request id on log lines written while handling the request', async () => {
    await app.inject({ method: 'POST', url: '/items/7', headers: { 'content-type': 'application/json', 'x-request-id': 'req-7' }, payload: '{}' });
    await tracing.forceFlush();
    const ids = { trace_id: expect.any(String), span_id: expect.any(String) };
    const handled = lines.filter((l) => l['requestId'] === 'req-7');
    expect(handled).toEqual([
      expect.objectContaining({ msg: 'handling an item', ...ids }),
      expect.objectContaining({ msg: 'component line', component: 'workers', ...ids }),
    ]);
    const mine = exporter.spans.find((s) => s.attributes['mcpgw.request_id'] === 'req-7')!;
    for (const line of handled) expect({ trace: line['trace_id'], span: line['span_id'] }).toEqual({ trace: mine.spanContext().traceId, span: mine.spanContext().spanId });
  });

  it('marks a 5xx answer failed', async () => {
    const response = await app.inject({ method: 'GET', url: '/broken' });
    expect(response.statusCode).toBe(500);
    const span = await spanNamed('GET /broken');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: '500' });
    expect(span.attributes['http.response.status_code']).toBe(500);
  });

  it('names an unknown route by its method only (no raw paths: bounded names)', async () => {
    const response = await app.inject({ method: 'GET', url: '/no/such/path/123' });
    expect(response.statusCode).toBe(404);
    const span = await spanNamed('GET');
    expect(span.attributes).not.toHaveProperty('http.route');
  });
});

describe('log lines with tracing off', () => {
  it('have no trace fields and no mixin', () => {
    expect(loggerOptions({ logLevel: 'info' })).not.toHaveProperty('mixin');
    expect(loggerOptions({ logLevel: 'info', tracing: { endpoint: undefined } })).not.toHaveProperty('mixin');
  });
});
