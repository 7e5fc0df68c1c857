import type { AuthMethod, JobStatus } from '@mcpgw/store';

/**
 * What a queued job carries in Redis: enough to run the call again as the submitter, never the
 * submitter's credential (only the agent name and the scopes it had when it submitted).
 */
export interface JobPayload {
  service: string;
  tool: string;
  arguments: Record<string, unknown>;
  agent: string;
  authMethod: AuthMethod;
  /** The submitter's scopes: the consumer checks them again, as a synchronous call would. */
  scopes: string[];
  peer: string;
  /** The submit request's id (the audit row of each attempt carries the job id). */
  requestId: string;
  /** Epoch ms. */
  submittedAt: number;
  /** One entry per failed attempt, oldest first. */
  errors?: AttemptError[];
  /** Set when the owner cancelled it: the job ends `failed`, not `dead`, and is never retried. */
  cancelled?: boolean;
  /** With tracing on: the submitting request's W3C trace context (`traceparent`, `tracestate`), the parent of each attempt's span. */
  trace?: Record<string, string>;
}

/** One failed attempt: the gateway error the call ended with. */
export interface AttemptError {
  attempt: number;
  code: number;
  name: string;
  message: string;
  at: string;
}

/** BullMQ state → the status callers see: retries waiting are still `queued`; a failure is `dead` unless cancelled. */
export function statusOf(state: string, payload: Pick<JobPayload, 'cancelled'>): JobStatus {
  switch (state) {
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return payload.cancelled ? 'failed' : 'dead';
    default:
      return 'queued';
  }
}

/** The BullMQ key prefix of the job queues (producers, consumers and event readers agree on it). */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}bull`;
}

/** BullMQ queue of a service (queue names may not contain `:`). */
export function queueName(service: string): string {
  return `jobs-${service}`;
}

/** A job id names its service, so a lookup needs no index: `<service>.<32 hex>`. */
export function serviceOfJobId(id: string): string | undefined {
  const match = /^([a-z0-9][a-z0-9-]{0,62})\.[A-Za-z0-9_-]{8,80}$/.exec(id);
  return match?.[1];
}

/** Results kept in the history table are bounded; larger ones stay only in Redis (BullMQ's retention). */
export const MAX_STORED_RESULT_BYTES = 64 * 1024;

/** The result as the history table keeps it: itself when small, a marker when too large. */
export function boundedResult(result: unknown): unknown {
  const text = JSON.stringify(result);
  if (text === undefined) return null;
  return text.length <= MAX_STORED_RESULT_BYTES ? result : { truncated: true, bytes: text.length };
}
