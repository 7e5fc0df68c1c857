export { startTracing, tracesUrl, type TracingHandle, type TracingOptions } from './start-tracing.js';
export type { SpanExporter } from '@opentelemetry/sdk-trace-base';
export { TRACE_META_KEYS, extractTraceMeta, injectTraceMeta } from './trace-meta.js';
export { traceLogFields, type TraceLogFields } from './log-trace-fields.js';
export { markFailed, withSpan, type ErrorNamer } from './with-span.js';
export { CollectingSpanExporter, type FinishedSpan } from './collecting-exporter.js';
