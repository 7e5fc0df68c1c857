import { ToolError } from '@mcpgw/worker-kit';

interface PgError {
  code?: string;
  message?: string;
  position?: string;
  hint?: string;
  detail?: string;
}

/** Connection-level failures: the database could not be reached or refused us. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/**
 * Turns a node-postgres error into a ToolError a caller can act on. PostgreSQL's own messages are
 * safe to show (they name tables and columns, not credentials); network errors are summarised,
 * since their text can include host names from the connection string.
 */
export function toToolError(error: unknown, database: string, timeoutMs: number): ToolError {
  if (error instanceof ToolError) return error;
  const e = (error ?? {}) as PgError;
  const code = e.code ?? '';
  const where = e.position ? ` (at character ${e.position})` : '';
  const hint = e.hint ? ` Hint: ${e.hint}` : '';
  const message = `${e.message ?? 'unknown error'}${where}.${hint}`;
  if (code === '57014') {
    return new ToolError('upstream_timeout', `query cancelled after ${timeoutMs} ms (DB_QUERY_TIMEOUT_MS); narrow it or add a LIMIT`);
  }
  if (code === '25006') return new ToolError('rejected', `the statement would write, and SQL access is read-only: ${message}`);
  if (code === '42501') return new ToolError('rejected', `permission denied: ${message}`);
  if (code === '42601' && /multiple commands/.test(e.message ?? '')) {
    return new ToolError('rejected', 'send exactly one statement per query (no ";"-separated batches)');
  }
  if (code === '42P01' || code === '42703' || code === '3F000' || code === '42883') return new ToolError('not_found', message);
  if (code === '28P01' || code === '28000') return new ToolError('upstream', `database ${database} refused the credentials (${code})`);
  if (code === '3D000') return new ToolError('upstream', `database ${database}: ${e.message ?? 'does not exist'}`);
  if (code.startsWith('08') || CONNECTION_CODES.has(code)) {
    return new ToolError('upstream', `cannot reach database ${database} (${code}); check that it is running`);
  }
  if (/^[0-9A-Z]{5}$/.test(code)) return new ToolError('failed', message);
  if (/timeout/i.test(e.message ?? '')) return new ToolError('upstream', `database ${database} did not accept a connection in time`);
  return new ToolError('upstream', `database ${database} failed: ${(e.message ?? 'unknown error').slice(0, 200)}`);
}
