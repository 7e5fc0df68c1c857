import type { ErrorData, ErrorName } from './errors.js';
import type { ToolErrorKind } from './manifest.js';

/** Facts about one completed call, returned as `metadata` on every success envelope. */
export interface CallMetadata {
  /** Milliseconds from the gateway receiving the call to the worker's answer. */
  executionTime: number;
  /** The tool's declared token cost, or what the tool reported it actually used. */
  tokensUsed: number;
  service: string;
  tool: string;
  requestId: string;
  /** Present when the answer came from built-in sample data rather than a configured upstream. */
  embedded?: boolean;
  /** Present when the answer came from a fake upstream (sandbox mode). */
  sandbox?: boolean;
  /**
   * `replayed` when this is the stored result of an earlier call with the same idempotency key (the
   * tool did not run again); `requestId` is then this request's, the rest is the earlier call's.
   */
  idempotent?: 'replayed';
}

/** The result of `mcp.execute` and the body of a successful `POST /mcp/execute`. */
export interface SuccessEnvelope<T = unknown> {
  status: 'success';
  data: T;
  metadata: CallMetadata;
}

/** The body of a failed REST call (`/mcp/execute`, catalog, health, ...). */
export interface ErrorEnvelope {
  status: 'error';
  error: {
    code: number;
    name: ErrorName;
    message: string;
    data?: ErrorData;
  };
  metadata: {
    requestId: string;
    service?: string;
    tool?: string;
  };
}

const toolErrorNames: Record<ToolErrorKind, ErrorName> = {
  invalid_arguments: 'INVALID_PARAMS',
  unconfigured: 'SERVICE_UNCONFIGURED',
  not_found: 'TOOL_FAILED',
  rejected: 'TOOL_FAILED',
  failed: 'TOOL_FAILED',
  upstream: 'UPSTREAM_ERROR',
  upstream_timeout: 'UPSTREAM_TIMEOUT',
};

/** Maps the kind of failure a worker reports to the gateway error it becomes. */
export function errorNameForToolError(kind: ToolErrorKind): ErrorName {
  return toolErrorNames[kind];
}
