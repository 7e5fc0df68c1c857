import { SpanStatusCode, context, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** How a failed span names its error (`error.type`); the default is the error's class name. */
export type ErrorNamer = (error: unknown) => string;

const errorClass: ErrorNamer = (error) => (error instanceof Error ? error.name : 'Error');

/**
 * Runs `fn` inside a new span made the active one (so spans started below are its children, fetch
 * calls included), ends it when `fn` settles, and marks it failed when `fn` throws: status ERROR and
 * `error.type`. No message or stack goes on the span: error messages may carry what a caller sent.
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
  nameError: ErrorNamer = errorClass,
): Promise<T> {
  const span = tracer.startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    markFailed(span, nameError(error));
    throw error;
  } finally {
    span.end();
  }
}

/** Status ERROR with `error.type` (an error name or code, never a message). */
export function markFailed(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
