import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, tracesUrl, type TracingHandle } from './start-tracing.js';
import { withSpan } from './with-span.js';

let handle: TracingHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

/** A real HTTP server recording what it receives. */
async function recorder(): Promise<{ url: string; requests: { path: string; headers: IncomingHttpHeaders; body: string }[]; close(): Promise<void> }> {
  const requests: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('startTracing', () => {
  it('returns undefined and registers nothing without an endpoint or an exporter', async () => {
    handle = await startTracing({ serviceName: 'svc', serviceVersion: '1.0.0' });
    expect(handle).toBeUndefined();
    const span = trace.getTracer('x').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    expect(trace.getSpan(trace.setSpan(context.active(), span))).toBe(span);
    // No context manager: context.with does not carry a span into a callback.
    context.with(trace.setSpan(context.active(), span), () => expect(trace.getActiveSpan()).toBeUndefined());
  });

  it('exports spans with the service name and version, parents from the active context', async () => {
    const exporter = new InMemorySpanExporter();
    handle = await startTracing({ serviceName: 'svc', serviceVersion: '1.2.3', exporter });
    await withSpan(handle!.tracer, 'outer', {}, async () => {
      await Promise.resolve();
      await withSpan(handle!.tracer, 'inner', { kind: SpanKind.CLIENT }, async () => undefined);
    });
    await handle!.forceFlush();
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === 'outer')!;
    const inner = spans.find((s) => s.name === 'inner')!;
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(inner.kind).toBe(SpanKind.CLIENT);
    expect(outer.resource.attributes).toMatchObject({ 'service.name': 'svc', 'service.version': '1.2.3' });
  });

  it('records nothing for new traces with sampleRatio 0', async () => {
    const exporter = new InMemorySpanExporter();
    handle = await startTracing({ serviceName: 'svc', serviceVersion: '1', exporter, sampleRatio: 0 });
    await withSpan(handle!.tracer, 'dropped', {}, async (span) => expect(span.isRecording()).toBe(false));
    await handle!.forceFlush();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('gives fetch() a CLIENT span and a traceparent header naming it', async () => {
    const upstream = await recorder();
    const exporter = new InMemorySpanExporter();
    handle = await startTracing({ serviceName: 'svc', serviceVersion: '1', exporter });
    try {
      let traceId = '';
      await withSpan(handle!.tracer, 'call', {}, async (span) => {
        traceId = span.spanContext().traceId;
        await (await fetch(`${upstream.url}/thing?api_key=s3cr3t`)).text();
      });
      await handle!.forceFlush();
      const client = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT)!;
      expect(client.spanContext().traceId).toBe(traceId);
      expect(upstream.requests[0]!.headers['traceparent']).toBe(`00-${traceId}-${client.spanContext().spanId}-01`);
      // Query strings may hold credentials: they never reach a span.
      expect(client.attributes['url.full']).toBe(`${upstream.url}/thing`);
      expect(JSON.stringify(client.attributes)).not.toContain('s3cr3t');
    } finally {
      await upstream.close();
    }
  });

  it('sends OTLP/HTTP JSON to <endpoint>/v1/traces', async () => {
    const collector = await recorder();
    handle = await startTracing({ serviceName: 'svc-otlp', serviceVersion: '1', endpoint: `${collector.url}/` });
    try {
      await withSpan(handle!.tracer, 'exported', {}, async () => undefined);
      await handle!.forceFlush();
      expect(collector.requests).toHaveLength(1);
      const [request] = collector.requests;
      expect(request!.path).toBe('/v1/traces');
      expect(request!.headers['content-type']).toBe('application/json');
      const body = JSON.parse(request!.body) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
      expect(body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(['exported']);
    } finally {
      await handle?.shutdown();
      await collector.close();
    }
  });

  it('builds the traces URL from the endpoint', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });
});
