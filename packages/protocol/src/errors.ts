/**
 * The one table of error codes the gateway can return.
 *
 * JSON-RPC 2.0 reserves -32768..-32000. The spec defines -32700 and -32600..-32603; the MCP spec and
 * its SDK already use -32000 (connection closed), -32001 (request timeout), -32002 (resource not
 * found) and -32042 (URL elicitation required). Our application block is -32010..-32099 minus those,
 * grouped by tens: 1x authentication, authorization, rate limits and the store; 2x input, 3x routing,
 * 5x/6x worker and upstream.
 *
 * `docs/errors.md` is checked against this table by a test, so a new code needs a doc row.
 */
export interface ErrorSpec {
  /** JSON-RPC error code. */
  readonly code: number;
  /** Stable symbolic name, also used in logs and metrics labels. */
  readonly name: ErrorName;
  /** HTTP status used on REST endpoints and on single (non-batch) JSON-RPC requests. */
  readonly httpStatus: number;
  /** Whether the same call may succeed later without change (clients may retry with back-off). */
  readonly retryable: boolean;
  /** What it means and what the caller should do. */
  readonly meaning: string;
}

const table = [
  { code: -32700, name: 'PARSE_ERROR', httpStatus: 400, retryable: false, meaning: 'The body is not valid JSON. Send a well-formed JSON document.' },
  { code: -32600, name: 'INVALID_REQUEST', httpStatus: 400, retryable: false, meaning: 'Not a valid JSON-RPC 2.0 request object: missing `jsonrpc: "2.0"` or `method`, bad `id` type, empty or oversized batch, or JSON nested deeper than the limit.' },
  { code: -32601, name: 'METHOD_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'The JSON-RPC method does not exist. The error data lists the methods that do.' },
  { code: -32602, name: 'INVALID_PARAMS', httpStatus: 400, retryable: false, meaning: 'Parameters or tool arguments are invalid. The error data names each failing path.' },
  { code: -32603, name: 'INTERNAL_ERROR', httpStatus: 500, retryable: true, meaning: 'An unexpected gateway fault. Details are in the gateway log under the request id, never in the response.' },
  { code: -32010, name: 'UNAUTHENTICATED', httpStatus: 401, retryable: false, meaning: 'No valid credential: send `X-MCP-Key: mcp_live_...` or `Authorization: Bearer <JWT>` (or call from an address the localhost bypass trusts). Unknown, expired, revoked and malformed API keys all get one answer that never says whether the key exists; a refused bearer token is told what is wrong with it (expired, audience, signature, ...).' },
  { code: -32011, name: 'FORBIDDEN', httpStatus: 403, retryable: false, meaning: 'The caller is authenticated but its scopes do not allow this service, tool or endpoint. The error data names the scope needed.' },
  { code: -32012, name: 'RATE_LIMITED', httpStatus: 429, retryable: true, meaning: 'The caller made more calls than its rate limit allows (RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS, or the key\'s own limit), or its address failed authentication too often. Retry after `Retry-After` seconds (`data.retryAfter` on JSON-RPC).' },
  { code: -32013, name: 'STORE_UNAVAILABLE', httpStatus: 503, retryable: true, meaning: 'The gateway store (PostgreSQL at DATABASE_URL, or the embedded store) is unreachable, so an admin operation could not be done, an API key not seen recently could not be checked, or (with PIN_TOOL_DEFINITIONS=true) a tool could not be checked against its pinned definition. Keys seen recently keep working from the cache; retry later.' },
  { code: -32014, name: 'KEY_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'No API key has that prefix (admin API and CLI only; callers presenting a key never see this).' },
  { code: -32015, name: 'TOOL_DEFINITION_CHANGED', httpStatus: 409, retryable: false, meaning: 'The tool now announces a definition (description, schemas, annotations) that differs from the one pinned when the gateway first saw it, and PIN_TOOL_DEFINITIONS=true refuses such tools until an operator reviews the change (`mcpgw tools pins`) and approves it (`mcpgw tools approve <service> [tool...]` or `POST /admin/tool-pins/approve`). The error data gives both hashes.' },
  { code: -32016, name: 'IDEMPOTENCY_KEY_REUSED', httpStatus: 422, retryable: false, meaning: 'The `Idempotency-Key` (or `idempotencyKey` param, or MCP `_meta["mcpgw/idempotencyKey"]`) was already used by this caller for a different request (service, tool or arguments) within IDEMPOTENCY_TTL_MS. Use a new key for a new request.' },
  { code: -32017, name: 'IDEMPOTENCY_IN_FLIGHT', httpStatus: 409, retryable: true, meaning: 'A call with this caller\'s idempotency key is still running. Retry after `Retry-After` seconds to get its stored result.' },
  { code: -32018, name: 'IDEMPOTENCY_UNAVAILABLE', httpStatus: 503, retryable: true, meaning: 'The idempotency store (Redis at REDIS_URL) is unreachable, so a call carrying an idempotency key was refused rather than run without the guarantee. Calls without a key are not affected; retry later.' },
  { code: -32020, name: 'PAYLOAD_TOO_LARGE', httpStatus: 413, retryable: false, meaning: 'The request body exceeds BODY_LIMIT_BYTES.' },
  { code: -32021, name: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415, retryable: false, meaning: 'JSON endpoints accept only `Content-Type: application/json`.' },
  { code: -32030, name: 'SERVICE_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'No service of that name is registered. The error data lists the known services.' },
  { code: -32031, name: 'TOOL_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'The service has no tool or operation of that name. The error data lists its tools.' },
  { code: -32032, name: 'COMMAND_NOT_RECOGNIZED', httpStatus: 400, retryable: false, meaning: 'The slash command could not be parsed or matches none of the service\'s commands. The error data lists the valid usages.' },
  { code: -32033, name: 'ROUTE_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'No HTTP route at this method and path. See the endpoint list in the README.' },
  { code: -32034, name: 'SERVICE_LOCAL_ONLY', httpStatus: 404, retryable: false, meaning: 'The service is a local reference (`location: "local"` in the catalog): the agent runs it on its own machine and the gateway does not route calls to it. The message and `data.run` say how to run it locally; an operator can instead give it a command in LOCAL_SERVICES_FILE, and the gateway then runs it as a worker.' },
  { code: -32050, name: 'WORKER_UNAVAILABLE', httpStatus: 503, retryable: true, meaning: 'The service\'s worker process is starting or restarting. Retry after the `Retry-After` seconds.' },
  { code: -32051, name: 'CIRCUIT_OPEN', httpStatus: 503, retryable: true, meaning: 'The service\'s circuit breaker is open after repeated failures. Retry after the `Retry-After` seconds; the next call then probes the worker.' },
  { code: -32052, name: 'WORKER_BUSY', httpStatus: 503, retryable: true, meaning: 'The service already has its maximum of calls in flight and queued (WORKER_MAX_CONCURRENCY, WORKER_MAX_QUEUE).' },
  { code: -32053, name: 'WORKER_TIMEOUT', httpStatus: 504, retryable: true, meaning: 'The worker did not answer within the call timeout (DEFAULT_TIMEOUT_MS). The call was cancelled in the worker.' },
  { code: -32054, name: 'WORKER_CRASHED', httpStatus: 502, retryable: true, meaning: 'The worker process exited (or a remote worker\'s connection was lost) while the call was in flight. It is being restarted (reconnected); the call may or may not have taken effect upstream.' },
  { code: -32055, name: 'SERVICE_UNCONFIGURED', httpStatus: 503, retryable: false, meaning: 'The worker is running but lacks configuration. The error data names the variables to set.' },
  { code: -32056, name: 'TOOL_FAILED', httpStatus: 422, retryable: false, meaning: 'The tool ran and reported a failure (for example an SQL error or a rejected statement). The message says why.' },
  { code: -32057, name: 'UPSTREAM_ERROR', httpStatus: 502, retryable: true, meaning: 'The worker\'s upstream system failed or is unreachable. The message carries the upstream\'s reason.' },
  { code: -32058, name: 'SHUTTING_DOWN', httpStatus: 503, retryable: true, meaning: 'The gateway is shutting down and takes no new calls. Retry against another replica.' },
  { code: -32059, name: 'WORKER_PROTOCOL_ERROR', httpStatus: 502, retryable: true, meaning: 'The worker answered with something that is not a valid MCP response.' },
  { code: -32060, name: 'UPSTREAM_TIMEOUT', httpStatus: 504, retryable: true, meaning: 'The worker\'s upstream did not finish in time (for example a query cut off by DB_QUERY_TIMEOUT_MS).' },
  { code: -32061, name: 'REQUEST_CANCELLED', httpStatus: 499, retryable: false, meaning: 'The client went away or cancelled; the worker call was aborted. Only seen in logs and metrics.' },
  { code: -32062, name: 'JOB_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'No async job with that id is visible to the caller: it does not exist, was removed, or belongs to another agent (only its owner and `admin` callers see a job; the answer never says which).' },
  { code: -32063, name: 'QUEUE_UNAVAILABLE', httpStatus: 503, retryable: true, meaning: 'Async jobs need Redis: REDIS_URL is not set, or Redis is unreachable. Synchronous calls (mcp.execute) keep working; set REDIS_URL or retry when Redis is back. Also the answer of `GET /alerts/webhooks` (queued alert webhook deliveries) while Redis is unreachable.' },
  { code: -32070, name: 'ALERT_NOT_FOUND', httpStatus: 404, retryable: false, meaning: 'No alert has that id (alerts API). List alerts with `GET /alerts`.' },
  { code: -32071, name: 'ALERT_RESOLVED', httpStatus: 409, retryable: false, meaning: 'The alert was already resolved (its check found the condition cleared), so it cannot be acknowledged. The error data carries the alert; if the condition returns, a new alert opens.' },
] as const satisfies readonly {
  code: number;
  name: string;
  httpStatus: number;
  retryable: boolean;
  meaning: string;
}[];

export type ErrorName = (typeof table)[number]['name'];

/** Every error the gateway can return, in documentation order. */
export const ERROR_SPECS: readonly ErrorSpec[] = table;

const byName = new Map<ErrorName, ErrorSpec>(table.map((spec) => [spec.name, spec]));
const byCode = new Map<number, ErrorSpec>(table.map((spec) => [spec.code, spec]));

/** Looks up an error by its symbolic name. */
export function errorSpec(name: ErrorName): ErrorSpec {
  return byName.get(name)!;
}

/** Looks up an error by its JSON-RPC code; undefined for codes outside the table. */
export function errorSpecByCode(code: number): ErrorSpec | undefined {
  return byCode.get(code);
}

/** Structured, caller-safe details attached to an error (`error.data` on the wire). */
export type ErrorData = Record<string, unknown>;

/**
 * An error meant for the caller: its message is safe to return, and its code comes from the table.
 * Anything that is not a GatewayError is reported as INTERNAL_ERROR without its message.
 */
export class GatewayError extends Error {
  readonly spec: ErrorSpec;
  readonly data: ErrorData | undefined;
  /** Seconds after which a retry may succeed (sent as `Retry-After` and `data.retryAfter`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(name: ErrorName, message: string, options: { data?: ErrorData; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.spec = errorSpec(name);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.data =
      options.retryAfterSeconds === undefined ? options.data : { ...options.data, retryAfter: options.retryAfterSeconds };
  }

  get code(): number {
    return this.spec.code;
  }

  get httpStatus(): number {
    return this.spec.httpStatus;
  }
}

/** Type guard for errors that carry a table code. */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
