import pg from 'pg';
import { ToolError, runSqlTransaction, type Logger } from '@mcpgw/worker-kit';

/** Extra time past statement_timeout before the worker gives up on the database answering at all. */
const DEADLINE_GRACE_MS = 2_000;

/** Network failures whose text could name hosts from the connection string: summarised by code. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

export interface DirectDatabaseOptions {
  /** SUPABASE_DB_URL; holds a password, so it never appears in a log line or an error. */
  connectionString: string;
  /** statement_timeout of every read, and the pool's connect timeout. */
  timeoutMs: number;
  log: Logger;
  /** Connections kept (monitoring reads are few and small). */
  poolMax?: number;
}

/**
 * A direct PostgreSQL connection to the Supabase database, for what PostgREST cannot show
 * (`pg_stat_*`, `pg_statio_*`, locks). Every read runs in a read-only transaction with a
 * statement timeout; cancelling the caller's signal drops the connection.
 */
export class DirectDatabase {
  private readonly pool: pg.Pool;

  constructor(private readonly options: DirectDatabaseOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 2,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: options.timeoutMs,
      application_name: 'mcp-gateway-supabase',
    });
    // An idle connection dropped by the server must not crash the worker.
    this.pool.on('error', (error) => options.log.warn({ err: { message: error.message } }, 'idle database connection failed'));
  }

  /** Runs `work` inside `BEGIN TRANSACTION READ ONLY` with statement_timeout, then rolls back. */
  read<T>(signal: AbortSignal | undefined, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const timeoutMs = this.options.timeoutMs;
    const cancelled = (): ToolError => new ToolError('upstream_timeout', 'the call was cancelled before the database answered');
    return runSqlTransaction(
      this.pool,
      {
        timeoutMs,
        graceMs: DEADLINE_GRACE_MS,
        readOnly: true,
        signal,
        errors: {
          cancelled,
          timedOut: () => new ToolError('upstream_timeout', `the database did not answer within ${timeoutMs} ms (SUPABASE_TIMEOUT_MS)`),
          failed: (error) => toDatabaseError(error, timeoutMs),
        },
      },
      work,
    );
  }

  /**
   * Runs one section of a report inside a savepoint, so a failing section (a missing extension, a
   * permission) is reported on its own and the transaction carries on with the next.
   */
  static async section<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ToolError; code: string }> {
    await client.query('SAVEPOINT section');
    try {
      const value = await work();
      await client.query('RELEASE SAVEPOINT section');
      return { ok: true, value };
    } catch (error) {
      // ROLLBACK TO keeps the savepoint; release it so nested and later sections pair up.
      await client.query('ROLLBACK TO SAVEPOINT section');
      await client.query('RELEASE SAVEPOINT section');
      return { ok: false, error: toDatabaseError(error, 0), code: String((error as { code?: unknown })?.code ?? '') };
    }
  }

  /** Round trip of `SELECT 1` and the server version. */
  async ping(signal?: AbortSignal): Promise<{ serverVersion: string | null }> {
    return this.read(signal, async (client) => {
      const result = await client.query<{ version: string | null }>("SELECT current_setting('server_version', true) AS version");
      return { serverVersion: result.rows[0]?.version ?? null };
    });
  }

  /** Connections in use and idle. */
  stats(): { name: string; size: number; idle: number; waiting: number } {
    return { name: 'supabase-db', size: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * A node-postgres error as a ToolError. PostgreSQL's own messages are safe (they name objects, not
 * credentials); network errors are summarised by code, since their text can name the host.
 */
export function toDatabaseError(error: unknown, timeoutMs: number): ToolError {
  if (error instanceof ToolError) return error;
  const e = (error ?? {}) as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = (e.message ?? 'unknown error').slice(0, 300);
  if (code === '57014') return new ToolError('upstream_timeout', `the database cancelled the query after ${timeoutMs} ms (SUPABASE_TIMEOUT_MS)`);
  if (code === '42501') return new ToolError('rejected', `permission denied: ${message}`);
  if (code === '42P01' || code === '42703' || code === '3F000' || code === '42883') return new ToolError('not_found', message);
  if (code === '28P01' || code === '28000') return new ToolError('unconfigured', `the database refused the credentials in SUPABASE_DB_URL (${code})`, { missing: ['SUPABASE_DB_URL'] });
  if (code === '3D000') return new ToolError('upstream', `the database named in SUPABASE_DB_URL does not exist (${code})`);
  if (code.startsWith('08') || CONNECTION_CODES.has(code)) return new ToolError('upstream', `cannot reach the database at SUPABASE_DB_URL (${code}); check that it is running`);
  if (/^[0-9A-Z]{5}$/.test(code)) return new ToolError('failed', `${message} (${code})`);
  if (/timeout/i.test(message)) return new ToolError('upstream', 'the database at SUPABASE_DB_URL did not accept a connection in time');
  return new ToolError('upstream', 'the database at SUPABASE_DB_URL failed (see the worker log)');
}
