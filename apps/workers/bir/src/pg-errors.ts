import { ToolError } from '@mcpgw/worker-kit';

/** Connection-level failures: the database could not be reached or refused us. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/**
 * Turns a node-postgres error into a ToolError a caller can act on. Network error texts can name
 * hosts from the connection string, so they are summarised, never repeated.
 */
export function toToolError(error: unknown, schema: string, timeoutMs: number): ToolError {
  if (error instanceof ToolError) return error;
  const e = (error ?? {}) as { code?: string; message?: string };
  const code = e.code ?? '';
  if (code === '57014') return new ToolError('upstream_timeout', `the compliance database did not answer within ${timeoutMs} ms (BIR_QUERY_TIMEOUT_MS)`);
  if (code === '42P01' || code === '3F000') {
    return new ToolError('upstream', `the ops tables are missing in schema "${schema}"; apply the @mcpgw/ops-schema migrations (BIR_DATABASE_SCHEMA)`);
  }
  if (code === '28P01' || code === '28000') return new ToolError('upstream', `the compliance database refused the credentials (${code}); check BIR_DATABASE_URL`);
  if (code === '3D000') return new ToolError('upstream', 'the compliance database in BIR_DATABASE_URL does not exist');
  if (code.startsWith('08') || CONNECTION_CODES.has(code) || code === '57P01') {
    return new ToolError('upstream', `cannot reach the compliance database (${code}); check that it is running`);
  }
  if (/^[0-9A-Z]{5}$/.test(code)) return new ToolError('failed', `the compliance database failed: ${(e.message ?? 'unknown error').slice(0, 200)} (${code})`);
  if (/timeout/i.test(e.message ?? '')) return new ToolError('upstream', 'the compliance database did not accept a connection in time');
  return new ToolError('upstream', 'the compliance database failed; see the worker log');
}
