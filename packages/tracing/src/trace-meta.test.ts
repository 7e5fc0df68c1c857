import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, type TracingHandle } from './start-tracing.js';
import { extractTraceMeta, injectTraceMeta } from './trace-meta.js';

const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

describe('trace context in MCP _meta, tracing off', () => {
  it('writes nothing and reads nothing', () => {
    const meta: Record<string, unknown> = {};
    injectTraceMeta(meta, trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(meta).toEqual({});
    expect(trace.getSpanContext(extractTraceMeta({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, ROOT_CONTEXT))).toBeUndefined();
  });
});

describe('trace context in MCP _meta, tracing on', () => {
  let handle: TracingHandle;
  beforeAll(async () => {
    handle = (await startTracing({ serviceName: 'svc', serviceVersion: '1', exporter: new InMemorySpanExporter() }))!;
  });
  afterAll(() => handle.shutdown());

  it('writes traceparent (and tracestate) under their W3C names beside the other keys', () => {
    const meta: Record<string, unknown> = { 'mcpgw/requestId': 'r1' };
    injectTraceMeta(meta, trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(meta).toEqual({ 'mcpgw/requestId': 'r1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  });

  it('writes nothing when no span is active', () => {
    const meta: Record<string, unknown> = {};
    injectTraceMeta(meta, ROOT_CONTEXT);
    expect(meta).toEqual({});
  });

  it('reads the remote parent back, tracestate included', () => {
    const ctx = extractTraceMeta({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=1' }, ROOT_CONTEXT);
    const parent = trace.getSpanContext(ctx)!;
    expect(parent).toMatchObject({ ...spanContext, isRemote: true });
    expect(parent.traceState?.get('vendor')).toBe('1');
  });

  it('ignores a missing or malformed traceparent', () => {
    expect(extractTraceMeta(undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extractTraceMeta({ traceparent: 42 }, ROOT_CONTEXT))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceMeta({ traceparent: 'not-a-traceparent' }, ROOT_CONTEXT))).toBeUndefined();
  });
});
