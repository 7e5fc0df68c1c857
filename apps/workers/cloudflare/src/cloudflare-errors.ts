import { ToolError, parseRetryAfter } from '@mcpgw/worker-kit';

/** Which variable holds the token: named in every credential error. */
export const TOKEN_VARIABLE = 'CLOUDFLARE_API_TOKEN';

/** One entry of the v4 envelope's `errors`. */
export interface CloudflareMessage {
  code: number;
  message: string;
}

/**
 * Codes that mean "this token is not accepted" (integrations.md §5.2, §14.3): 10000 Authentication
 * error, 1000 Invalid API Token (verify), 6003/6103/6111 malformed auth headers, 9103/9106 unknown or
 * missing key. Everything else on a 403 is a permission (or account/zone) problem.
 */
const CREDENTIAL_CODES = new Set([10000, 1000, 6003, 6103, 6111, 9103, 9106]);

/** Cloudflare's codes for "no such object / route": 7003, 7000, 1001 (bad zone id), 1003, 81044 (no such record), 10003 (no such video). */
const NOT_FOUND_CODES = new Set([7000, 7003, 1001, 1003, 81044, 10003]);

/** A request that got no usable enveloped answer, or one whose envelope said `success: false`. */
export class CloudflareFailure extends Error {
  constructor(
    readonly reason: 'timeout' | 'aborted' | 'network' | 'status' | 'bad_response',
    message: string,
    readonly details: { status?: number; errors?: CloudflareMessage[]; retryAfterMs?: number; errno?: string; html?: boolean } = {},
  ) {
    super(message);
    this.name = 'CloudflareFailure';
  }

  /** 429 may pass after the wait; timeouts, dropped connections and 5xx may pass on their own. */
  get isRetryable(): boolean {
    if (this.reason === 'timeout' || this.reason === 'network') return true;
    const status = this.details.status;
    return this.reason === 'status' && status !== undefined && (status === 429 || status >= 500);
  }

  get isRateLimited(): boolean {
    return this.reason === 'status' && this.details.status === 429;
  }
}

export interface FailureContext {
  /** What was being done, e.g. `list zones`, `create DNS record in example.com`. */
  what: string;
  attempts: number;
  timeoutMs: number;
  /** The API's origin (no path, no credentials), for "cannot reach" messages. */
  origin: string;
  /** Removed from every message, in case anything echoes it. */
  secret: string;
}

/**
 * Turns a failure into the ToolError the caller sees: Cloudflare's own codes and messages (which
 * never carry the token), the kind that picks the gateway's error code, and the variable to fix.
 */
export function toToolError(error: unknown, ctx: FailureContext): ToolError {
  if (error instanceof ToolError) return error;
  if (!(error instanceof CloudflareFailure)) return new ToolError('upstream', `Cloudflare call (${ctx.what}) failed unexpectedly`, {}, { cause: error });
  const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  const opts = { cause: error };
  switch (error.reason) {
    case 'aborted':
      return new ToolError('upstream_timeout', `${ctx.what} was cancelled before Cloudflare answered`, {}, opts);
    case 'timeout':
      return new ToolError('upstream_timeout', `Cloudflare did not answer (${ctx.what}) in time (${ctx.timeoutMs} ms)${tries}`, {}, opts);
    case 'network':
      return new ToolError('upstream', `cannot reach the Cloudflare API at ${ctx.origin}${error.details.errno ? ` (${error.details.errno})` : ''}${tries}: check CLOUDFLARE_API_URL and the network`, {}, opts);
    case 'bad_response':
      return new ToolError('upstream', `Cloudflare answered ${ctx.what} with something that is not a v4 API response${error.details.status ? ` (HTTP ${error.details.status})` : ''}: check CLOUDFLARE_API_URL`, {}, opts);
    case 'status':
      break;
  }
  const status = error.details.status ?? 0;
  const errors = error.details.errors ?? [];
  const reason = describe(errors, ctx.secret);
  const codes = new Set(errors.map((e) => e.code));
  if ([...codes].some((c) => CREDENTIAL_CODES.has(c)) && (status === 400 || status === 401 || status === 403)) {
    // No `unauthorized` kind in the protocol: a configuration problem naming the variable (503, not retried).
    return new ToolError(
      'unconfigured',
      `Cloudflare refused the API token (HTTP ${status}${reason ? `: ${reason}` : ''}): check ${TOKEN_VARIABLE}; it may be wrong, expired or revoked`,
      { missing: [TOKEN_VARIABLE] },
      opts,
    );
  }
  if (status === 401 || status === 403) {
    return new ToolError(
      'rejected',
      `Cloudflare denied ${ctx.what} (HTTP ${status}${reason ? `: ${reason}` : ''}): the token lacks the permission, or CLOUDFLARE_ACCOUNT_ID / the zone is not one it may use`,
      {},
      opts,
    );
  }
  if (status === 429) {
    const retryAfter = error.details.retryAfterMs === undefined ? undefined : Math.ceil(error.details.retryAfterMs / 1_000);
    return new ToolError(
      'upstream',
      `Cloudflare is rate-limiting this token (HTTP 429) on ${ctx.what}${tries}${retryAfter === undefined ? '' : `; it asks to retry after ${retryAfter} s`} (1200 requests per 5 minutes per token; the whole window is blocked once exceeded)`,
      retryAfter === undefined ? {} : { retryAfter },
      opts,
    );
  }
  if (status >= 500) {
    const what = error.details.html ? `an HTML error page (HTTP ${status}, Cloudflare's edge)` : `HTTP ${status}${reason ? `: ${reason}` : ''}`;
    return new ToolError('upstream', `Cloudflare failed on ${ctx.what}${tries}: ${what}`, {}, opts);
  }
  if (status === 404 || [...codes].some((c) => NOT_FOUND_CODES.has(c))) {
    return new ToolError('not_found', `Cloudflare: not found (${ctx.what})${reason ? `: ${reason}` : ''}`, {}, opts);
  }
  return new ToolError('rejected', `Cloudflare refused ${ctx.what} (HTTP ${status})${reason ? `: ${reason}` : ''}`, {}, opts);
}

const MAX_MESSAGE = 500;

/** `81058 An identical record already exists.; 9005 ...`, bounded, without the secret. */
function describe(errors: CloudflareMessage[], secret: string): string {
  let text = errors.map((e) => `${e.code} ${e.message}`).join('; ');
  if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * The wait a 429 asks for, in ms: `retry-after` (seconds or an HTTP date), else the `t=` (seconds to
 * reset) of Cloudflare's `Ratelimit: "default";r=0;t=30` header; undefined when neither is readable.
 * Cloudflare blocks a token for the rest of its 5-minute window, so this can be minutes.
 */
export function cloudflareRetryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = /(?:^|;)\s*t=(\d+)/.exec(headers.get('ratelimit') ?? '')?.[1];
  return reset === undefined ? undefined : Number(reset) * 1_000;
}
