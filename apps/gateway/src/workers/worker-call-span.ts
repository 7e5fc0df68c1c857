import { GatewayError } from '@mcpgw/protocol';
import { injectTraceMeta, markFailed, withSpan } from '@mcpgw/tracing';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { BreakerState } from './breaker.js';

/** A span's `error.type`: the gateway error name (CIRCUIT_OPEN, WORKER_TIMEOUT...), never a message. */
export function gatewayErrorName(error: unknown): string {
  return error instanceof GatewayError ? error.spec.name : 'INTERNAL_ERROR';
}

/**
 * `breaker <service>`: one call through the worker's circuit breaker, with the breaker's state when
 * the call arrived. A refusal (CIRCUIT_OPEN) or any failure marks it failed. The worker call below
 * is its child.
 */
export function traceBreakerCall<T>(tracer: Tracer, service: string, state: BreakerState, fire: () => Promise<T>): Promise<T> {
  return withSpan(tracer, `breaker ${service}`, { attributes: { 'mcpgw.service': service, 'mcpgw.breaker.state': state } }, fire, undefined, gatewayErrorName);
}

/**
 * `tools/call <service>.<tool>`: the CLIENT span of one request to a worker. Its context goes into
 * the request's `_meta` (`traceparent`, `tracestate`) before `send` runs, so the worker's span for
 * the call is its child. A tool error result (`isError`) marks the span failed too.
 */
export function traceWorkerCall<T>(
  tracer: Tracer,
  service: string,
  tool: string,
  requestId: string,
  meta: Record<string, unknown>,
  send: () => Promise<T>,
): Promise<T> {
  return withSpan(
    tracer,
    `tools/call ${service}.${tool}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': tool, 'mcpgw.service': service, 'mcpgw.tool': tool, 'mcpgw.request_id': requestId },
    },
    async (span) => {
      injectTraceMeta(meta);
      const result = await send();
      if ((result as { isError?: unknown } | null)?.isError === true) markFailed(span, 'tool_error');
      return result;
    },
    undefined,
    gatewayErrorName,
  );
}
