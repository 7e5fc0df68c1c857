import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CollectingSpanExporter, startTracing, traceLogFields, type TracingHandle } from '@mcpgw/tracing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createWorkerLogger } from './logger.js';
import { traceToolCall } from './tool-call-span.js';
import { commonWorkerEnvSchema } from './worker-env.js';

const PARENT = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'mcpgw/requestId': 'req-1' };
const exporter = new CollectingSpanExporter();
let tracing: TracingHandle;
beforeAll(async () => {
  tracing = (await startTracing({ serviceName: 'mcpgw-worker-test', serviceVersion: '1', exporter }))!;
});
afterAll(() => tracing.shutdown());

describe('traceToolCall', () => {
  it('runs the call in a SERVER span whose parent is _meta.traceparent, and logs carry its ids and the request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = createWorkerLogger('test', 'info', false, sink, traceLogFields);
    await traceToolCall(tracing.tracer, 'lookup', PARENT, async () => {
      log.child({ tool: 'lookup', requestId: 'req-1' }).info('looking up');
      return { content: [] };
    });
    await tracing.forceFlush();
    const span = exporter.spans.find((s) => s.name === 'tools/call lookup')!;
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'lookup', 'mcpgw.request_id': 'req-1' });
    expect(lines[0]).toMatchObject({ msg: 'looking up', requestId: 'req-1', trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
  });

  it('marks a tool error result failed with its kind', async () => {
    await traceToolCall(tracing.tracer, 'broken', PARENT, async () => ({ isError: true, content: [], _meta: { 'mcpgw/error': { kind: 'upstream', message: 'down' } } }));
    await tracing.forceFlush();
    const span = exporter.spans.find((s) => s.name === 'tools/call broken')!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream' });
  });

  it('starts a new trace when the caller sent no traceparent', async () => {
    await traceToolCall(tracing.tracer, 'orphan', undefined, async () => ({ content: [] }));
    await tracing.forceFlush();
    expect(exporter.spans.find((s) => s.name === 'tools/call orphan')!.parentSpanContext).toBeUndefined();
  });
});

describe('common worker env: OTEL_*', () => {
  it('is off by default and reads the endpoint, name and ratio', () => {
    const off = commonWorkerEnvSchema.parse({});
    expect([off.OTEL_EXPORTER_OTLP_ENDPOINT, off.OTEL_SERVICE_NAME, off.OTEL_TRACES_SAMPLER_ARG]).toEqual([undefined, undefined, 1]);
    const blank = commonWorkerEnvSchema.parse({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_SAMPLER_ARG: ' ' });
    expect([blank.OTEL_EXPORTER_OTLP_ENDPOINT, blank.OTEL_TRACES_SAMPLER_ARG]).toEqual([undefined, 1]);
    expect(
      commonWorkerEnvSchema.parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'mcpgw-worker-github', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
    ).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'mcpgw-worker-github', OTEL_TRACES_SAMPLER_ARG: 0.1 });
    expect(commonWorkerEnvSchema.safeParse({ OTEL_TRACES_SAMPLER_ARG: '2' }).success).toBe(false);
  });
});
