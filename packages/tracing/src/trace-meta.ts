import { context, defaultTextMapGetter, defaultTextMapSetter, propagation, type Context } from '@opentelemetry/api';

/**
 * Trace context in an MCP `_meta` object: the W3C names `traceparent` and `tracestate` as keys, as the
 * MCP community proposal for trace propagation does. They use the propagator startTracing registers
 * (W3C trace context): with tracing off they write and read nothing.
 */

/** The `_meta` keys carrying trace context. */
export const TRACE_META_KEYS = ['traceparent', 'tracestate'] as const;

/** Writes `ctx`'s span context (default: the active one) into `meta` as `traceparent`/`tracestate`. */
export function injectTraceMeta(meta: Record<string, unknown>, ctx: Context = context.active()): void {
  propagation.inject(ctx, meta, defaultTextMapSetter);
}

/** The context whose remote parent is the span `meta.traceparent` names (`ctx` itself when there is none). */
export function extractTraceMeta(meta: Record<string, unknown> | undefined, ctx: Context = context.active()): Context {
  if (!meta || typeof meta['traceparent'] !== 'string') return ctx;
  return propagation.extract(ctx, meta, defaultTextMapGetter);
}
