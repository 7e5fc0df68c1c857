import { context, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  /** OTLP/HTTP base URL (`http://collector:4318`); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string | undefined;
  /** An exporter to use instead of OTLP (tests pass an InMemorySpanExporter). Wins over `endpoint`. */
  exporter?: SpanExporter | undefined;
  /** Share of new traces recorded, 0..1 (default 1). Traces started elsewhere follow their parent's decision. */
  sampleRatio?: number | undefined;
}

/** Running tracing: the tracer to start spans with, and the way to flush and stop it. */
export interface TracingHandle {
  readonly tracer: Tracer;
  /** Exports every ended span now. */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global provider, context manager, propagator and fetch instrumentation. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing, or does nothing and resolves undefined when neither an endpoint nor an
 * exporter is given: then nothing is registered, not even loaded (the SDK is imported only here), and
 * callers skip every span (they check the handle). Registers globally (one per process): the tracer
 * provider, an AsyncLocalStorage context manager, the W3C trace-context propagator, and the undici
 * instrumentation, so global fetch() calls get CLIENT spans and a `traceparent` header.
 */
export async function startTracing(options: TracingOptions): Promise<TracingHandle | undefined> {
  if (!options.exporter && !options.endpoint) return undefined;
  const [{ W3CTraceContextPropagator }, { OTLPTraceExporter }, { registerInstrumentations }, { UndiciInstrumentation }, { resourceFromAttributes }, sdk, semconv] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: tracesUrl(options.endpoint!) });
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: options.serviceName, [semconv.ATTR_SERVICE_VERSION]: options.serviceVersion }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const unregisterInstrumentations = registerInstrumentations({ tracerProvider: provider, instrumentations: [new UndiciInstrumentation({ requestHook: withoutQuery })] });
  const tracer = provider.getTracer(options.serviceName, options.serviceVersion);
  let stopping: Promise<void> | undefined;
  return {
    tracer,
    forceFlush: () => provider.forceFlush(),
    shutdown: () =>
      (stopping ??= (async () => {
        unregisterInstrumentations();
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })()),
  };
}

/**
 * Upstream URLs lose their query string on spans (`url.full` is origin and path, `url.query` is
 * `[redacted]`): some APIs take keys or tokens as query parameters, and spans leave the process.
 */
function withoutQuery(span: Span, request: { origin: string | URL; path: string }): void {
  const query = request.path.indexOf('?');
  if (query === -1) return;
  span.setAttribute('url.full', `${String(request.origin).replace(/\/$/, '')}${request.path.slice(0, query)}`);
  span.setAttribute('url.query', '[redacted]');
}

/** `<endpoint>/v1/traces`, without doubling a trailing slash; an endpoint already naming /v1/traces is kept. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}
