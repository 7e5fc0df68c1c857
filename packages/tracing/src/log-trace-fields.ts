import { trace } from '@opentelemetry/api';

/** What a log line gets when a span is active: the ids a trace viewer searches by. */
export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * A pino `mixin`: `trace_id` and `span_id` of the active span, or nothing. Install it only when
 * tracing is on; with tracing off the logger has no mixin and log lines cost what they did.
 * A new object each time: pino merges the line's own fields into it.
 */
export function traceLogFields(): TraceLogFields {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
