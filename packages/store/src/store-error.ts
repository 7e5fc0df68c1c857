/** Why a store operation failed, in terms a caller can act on. */
export type StoreErrorCode = 'unavailable' | 'duplicate' | 'locked' | 'invalid' | 'permission';

/**
 * An error callers are meant to handle: `unavailable` (the database cannot be reached: spool or
 * serve from cache and retry), `duplicate` (a unique value is taken), `locked` (another process
 * owns the embedded data dir), `invalid` (a bad option or argument), `permission` (the database role
 * lacks a privilege the operation needs). Messages never carry credentials.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

/** Socket-level failures: nothing answered, or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOENT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EACCES',
]);

/**
 * SQLSTATEs meaning the server is there but will not serve us now: admin/crash shutdown, starting
 * up, too many connections, bad credentials, missing database. The store cannot be used until an
 * operator or a restart fixes them, which for callers is the same as unreachable.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '28000', '28P01', '3D000']);

/** node-postgres's own messages for connections that never came up or broke (they carry no code). */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /not queryable/i,
  /cannot use a pool after calling end/i,
  /connection (?:ended|closed)/i,
  /too many connections/i,
];

/** Whether a pg (or socket) error means the database cannot be reached or used right now. */
export function isUnavailableError(error: unknown): boolean {
  if (error instanceof StoreError) return error.code === 'unavailable';
  const { code, message } = (error ?? {}) as PgLikeError;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Maps an error from a query to what callers see: StoreError `unavailable` or `duplicate`, or the
 * original error (an SQL mistake is a bug, not a condition to handle). `redact` scrubs secrets.
 */
export function toStoreError(error: unknown, location: string, redact: (text: string) => string): unknown {
  if (error instanceof StoreError) return error;
  const { code, message } = (error ?? {}) as PgLikeError;
  const text = redact(typeof message === 'string' && message ? message : String(error));
  if (isUnavailableError(error)) {
    const suffix = typeof code === 'string' ? ` (${code})` : '';
    return new StoreError('unavailable', `the gateway store at ${location} is unavailable${suffix}: ${text}`);
  }
  if (code === '23505') return new StoreError('duplicate', text);
  if (code === '42501') {
    return new StoreError('permission', `the database role may not do this in the gateway store at ${location}: ${text} (see the grants in docs/security.md)`);
  }
  return error;
}
