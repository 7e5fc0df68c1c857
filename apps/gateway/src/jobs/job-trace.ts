import { extractTraceMeta, injectTraceMeta, withSpan } from '@mcpgw/tracing';
import { ROOT_CONTEXT, SpanKind, type Tracer } from '@opentelemetry/api';
import { gatewayErrorName } from '../workers/worker-call-span.js';
import type { JobPayload } from './job-payload.js';

/** The submitting request's trace context (W3C `traceparent`/`tracestate`), or undefined when there is none (tracing off). */
export function submitterTrace(): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  injectTraceMeta(carrier);
  return carrier['traceparent'] === undefined ? undefined : carrier;
}

/**
 * `job <service>.<tool>`: one attempt of a job, a CONSUMER span child of the request that submitted
 * it (its context travels in the job data), so the attempt's breaker and worker-call spans join the
 * submitter's trace however much later the job runs, on whichever replica.
 */
export function traceJob<T>(tracer: Tracer, data: Pick<JobPayload, 'service' | 'tool' | 'requestId' | 'trace'>, jobId: string, attempt: number, run: () => Promise<T>): Promise<T> {
  return withSpan(
    tracer,
    `job ${data.service}.${data.tool}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'mcpgw.job_id': jobId, 'mcpgw.job.attempt': attempt, 'mcpgw.service': data.service, 'mcpgw.tool': data.tool, 'mcpgw.request_id': data.requestId },
    },
    run,
    extractTraceMeta(data.trace, ROOT_CONTEXT),
    gatewayErrorName,
  );
}
