import { ToolError } from '@mcpgw/worker-kit';

/** The `error` member of an Odoo JSON-RPC response (integrations.md §1.3). */
export interface OdooErrorEnvelope {
  code?: unknown;
  message?: unknown;
  data?: { name?: unknown; message?: unknown; arguments?: unknown; debug?: unknown } | null;
}

/** Odoo's own code for an expired web session; 200 is every other server error. */
export const SESSION_EXPIRED_CODE = 100;

/**
 * A fault Odoo answered (HTTP 200 with an `error` member). Keeps Odoo's message but never its
 * `debug` traceback, which can show server paths, SQL and record values.
 */
export class OdooFault extends Error {
  /** Odoo's outer code: 100 session expired, 200 server error. */
  readonly code: number;
  /** Full exception name, e.g. `odoo.exceptions.AccessError`. */
  readonly faultName: string;
  /** The last segment of the name, e.g. `AccessError`. */
  readonly shortName: string;

  constructor(code: number, faultName: string, message: string) {
    super(message);
    this.name = 'OdooFault';
    this.code = code;
    this.faultName = faultName;
    this.shortName = faultName.split('.').pop() ?? faultName;
  }

  /** Reads the error envelope; `debug` is dropped here, so it can never reach a message or a log. */
  static fromEnvelope(error: OdooErrorEnvelope): OdooFault {
    const code = typeof error.code === 'number' ? error.code : 200;
    const data = error.data ?? {};
    const name = typeof data.name === 'string' && data.name !== '' ? data.name : 'odoo.exceptions.UnknownError';
    const args = Array.isArray(data.arguments) ? data.arguments : [];
    const message =
      (typeof data.message === 'string' && data.message) ||
      (typeof args[0] === 'string' && args[0]) ||
      (typeof error.message === 'string' && error.message) ||
      'no message';
    return new OdooFault(code, name, message);
  }

  get isSessionExpired(): boolean {
    return this.code === SESSION_EXPIRED_CODE || this.shortName === 'SessionExpiredException';
  }

  get isAccessDenied(): boolean {
    return this.shortName === 'AccessDenied';
  }

  /** A concurrent-update conflict: the same read may succeed on a second try. */
  get isRetryable(): boolean {
    return this.shortName === 'SerializationFailure' || this.shortName === 'TransactionRollbackError';
  }
}

export type TransportFailureReason = 'timeout' | 'aborted' | 'network' | 'http' | 'rate_limited' | 'bad_response';

/** A request that got no usable JSON-RPC answer: timeout, network error, HTTP status, or not JSON. */
export class TransportFailure extends Error {
  readonly reason: TransportFailureReason;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Network error code (ECONNREFUSED, ...) when there is one. */
  readonly errno: string | undefined;

  constructor(reason: TransportFailureReason, message: string, details: { status?: number; retryAfterMs?: number; errno?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TransportFailure';
    this.reason = reason;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.errno = details.errno;
  }

  /** Timeouts, dropped connections, 429 and 5xx may pass on their own; other failures will not. */
  get isRetryable(): boolean {
    if (this.reason === 'timeout' || this.reason === 'network' || this.reason === 'rate_limited') return true;
    return this.reason === 'http' && this.status !== undefined && this.status >= 500;
  }
}

/** Raised when Odoo refuses the configured login and key (authenticate → false, or AccessDenied on a fresh uid). */
export class OdooAuthFailure extends ToolError {
  constructor(db: string, how: string) {
    super(
      'upstream',
      `Odoo refused the credentials for database "${db}" (${how}): check ODOO_USERNAME and ODOO_API_KEY (the key may be wrong, revoked or expired)`,
    );
  }
}

/** What the client was doing, for messages: `account.move.search_read`, `authenticate`. */
export interface FailureContext {
  what: string;
  attempts: number;
  timeoutMs: number;
  /** The Odoo server's origin (no path, no credentials), for "cannot reach" messages. */
  origin: string;
  db: string;
  /** Removed from every message, in case Odoo echoes it. */
  secret: string;
}

const MAX_MESSAGE = 500;

/**
 * Turns a fault or transport failure into the ToolError the caller sees: Odoo's message (not its
 * traceback), the kind that tells the gateway which error code to use, and never the API key.
 */
export function toToolError(error: unknown, ctx: FailureContext): ToolError {
  if (error instanceof ToolError) return error;
  const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  if (error instanceof TransportFailure) {
    switch (error.reason) {
      case 'aborted':
        return new ToolError('upstream_timeout', `${ctx.what} was cancelled before Odoo answered`, {}, { cause: error });
      case 'timeout':
        return new ToolError('upstream_timeout', `Odoo did not answer ${ctx.what} within ${ctx.timeoutMs} ms (ODOO_TIMEOUT_MS)${tries}`, {}, { cause: error });
      case 'rate_limited': {
        const retryAfter = error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1_000);
        const wait = retryAfter === undefined ? '' : `; Odoo asks to retry after ${retryAfter} s`;
        return new ToolError('upstream', `Odoo is rate-limiting requests (HTTP 429) to ${ctx.what}${tries}${wait}`, retryAfter === undefined ? {} : { retryAfter }, { cause: error });
      }
      case 'http':
        if (error.status === 404) {
          return new ToolError('upstream', `Odoo at ${ctx.origin} has no /jsonrpc endpoint (HTTP 404): check ODOO_URL`, {}, { cause: error });
        }
        return new ToolError('upstream', `Odoo answered HTTP ${error.status ?? '?'} to ${ctx.what}${tries}`, {}, { cause: error });
      case 'network':
        return new ToolError('upstream', `cannot reach Odoo at ${ctx.origin}${error.errno ? ` (${error.errno})` : ''}${tries}: check ODOO_URL and that the server is up`, {}, { cause: error });
      case 'bad_response':
        return new ToolError('upstream', `Odoo at ${ctx.origin} answered ${ctx.what} with something that is not a JSON-RPC response: check ODOO_URL`, {}, { cause: error });
    }
  }
  if (error instanceof OdooFault) {
    const message = clean(error.message, ctx.secret);
    const opts = { cause: error };
    switch (error.shortName) {
      case 'AccessDenied':
        return new OdooAuthFailure(ctx.db, `AccessDenied on ${ctx.what}`);
      case 'AccessError':
        return new ToolError('rejected', `Odoo denied access (AccessError): ${message}`, {}, opts);
      case 'UserError':
      case 'RedirectWarning':
        return new ToolError('rejected', `Odoo refused (UserError): ${message}`, {}, opts);
      case 'ValidationError':
        return new ToolError('rejected', `Odoo validation failed (ValidationError): ${message}`, {}, opts);
      case 'MissingError':
        return new ToolError('not_found', `Odoo record not found (MissingError): ${message}`, {}, opts);
      case 'KeyError':
        return new ToolError('not_found', `Odoo does not know ${message} (KeyError): check the model or field name`, {}, opts);
      case 'NotFound':
        return new ToolError('not_found', `Odoo: not found: ${message}`, {}, opts);
      case 'ValueError':
        return new ToolError('invalid_arguments', `Odoo rejected the arguments of ${ctx.what} (ValueError): ${message}`, {}, opts);
      case 'SerializationFailure':
      case 'TransactionRollbackError':
        return new ToolError('upstream', `Odoo reported a concurrent update (SerializationFailure) on ${ctx.what}${tries}; retry later`, {}, opts);
    }
    if (error.isSessionExpired) {
      return new ToolError('upstream', `Odoo reported the session expired on ${ctx.what}, and authenticating again did not help`, {}, opts);
    }
    return new ToolError('upstream', `Odoo failed on ${ctx.what} (${error.faultName}): ${message}`, {}, opts);
  }
  return new ToolError('upstream', `Odoo call ${ctx.what} failed unexpectedly`, {}, { cause: error });
}

/** One line, bounded, without the secret. */
function clean(text: string, secret: string): string {
  let out = secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}
