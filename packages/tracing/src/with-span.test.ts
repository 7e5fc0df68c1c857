import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { traceLogFields } from './log-trace-fields.js';
import { startTracing, type TracingHandle } from './start-tracing.js';
import { withSpan } from './with-span.js';

const exporter = new InMemorySpanExporter();
let handle: TracingHandle;
beforeAll(async () => {
  handle = (await startTracing({ serviceName: 'svc', serviceVersion: '1', exporter }))!;
});
afterAll(() => handle.shutdown());

describe('withSpan', () => {
  it('marks a span failed with the error name only, and rethrows', async () => {
    class SecretError extends Error {
      override name = 'SecretError';
    }
    await expect(withSpan(handle.tracer, 'failing', {}, async () => Promise.reject(new SecretError('token abc123')))).rejects.toThrow('token abc123');
    await handle.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'failing')!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'SecretError' });
    expect(span.attributes['error.type']).toBe('SecretError');
    expect(JSON.stringify(span.events)).not.toContain('abc123');
  });

  it('uses the given error namer', async () => {
    await expect(withSpan(handle.tracer, 'named', {}, async () => Promise.reject(new Error('x')), undefined, () => 'CIRCUIT_OPEN')).rejects.toThrow('x');
    await handle.forceFlush();
    expect(exporter.getFinishedSpans().find((s) => s.name === 'named')!.attributes['error.type']).toBe('CIRCUIT_OPEN');
  });
});

describe('traceLogFields', () => {
  it('gives the active span ids inside a span and nothing outside', async () => {
    expect(traceLogFields()).toEqual({});
    await withSpan(handle.tracer, 'logging', {}, async (span) => {
      expect(traceLogFields()).toEqual({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    });
  });
});
