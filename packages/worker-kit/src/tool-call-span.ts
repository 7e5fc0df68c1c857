import { MetaKeys } from '@mcpgw/protocol';
import { extractTraceMeta, markFailed, startTracing, traceLogFields, withSpan, type TracingHandle } from '@mcpgw/tracing';
import { ROOT_CONTEXT, SpanKind, type Tracer } from '@opentelemetry/api';
import type { ToolCallTracer } from './create-worker.js';
import type { CommonWorkerEnv } from './worker-env.js';

/** Tracing in a worker process: the handle (flushed on stop), the tool-call wrapper and the log mixin. */
export interface WorkerTracing {
  handle: TracingHandle;
  traceToolCall: ToolCallTracer;
  logFields: () => object;
}

/**
 * Starts tracing in a worker process when OTEL_EXPORTER_OTLP_ENDPOINT is set (the gateway passes it
 * on, with OTEL_SERVICE_NAME `mcpgw-worker-<name>`); undefined otherwise, and then nothing is registered.
 * start-worker.ts imports this module only then.
 */
export async function startWorkerTracing(name: string, version: string, env: CommonWorkerEnv): Promise<WorkerTracing | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const handle = await startTracing({
    serviceName: env.OTEL_SERVICE_NAME ?? `mcpgw-worker-${name}`,
    serviceVersion: version,
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: env.OTEL_TRACES_SAMPLER_ARG,
  });
  if (!handle) return undefined;
  return { handle, traceToolCall: (tool, meta, run) => traceToolCall(handle.tracer, tool, meta, run), logFields: traceLogFields };
}

/**
 * `tools/call <tool>`: the SERVER span of one tool call, child of the span `_meta.traceparent` names
 * (the gateway's worker-call span). The handler runs inside it, so its fetch() calls become child
 * spans and send `traceparent` upstream. A tool error result marks the span failed with its kind.
 */
export function traceToolCall<T>(tracer: Tracer, tool: string, meta: Record<string, unknown> | undefined, run: () => Promise<T>): Promise<T> {
  const requestId = meta?.[MetaKeys.requestId];
  return withSpan(
    tracer,
    `tools/call ${tool}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': tool,
        ...(typeof requestId === 'string' ? { 'mcpgw.request_id': requestId } : {}),
      },
    },
    async (span) => {
      const result = await run();
      const failed = result as { isError?: unknown; _meta?: Record<string, unknown> } | null;
      if (failed?.isError === true) {
        const info = failed._meta?.[MetaKeys.error] as { kind?: unknown } | undefined;
        markFailed(span, typeof info?.kind === 'string' ? info.kind : 'tool_error');
      }
      return result;
    },
    extractTraceMeta(meta, ROOT_CONTEXT),
  );
}
