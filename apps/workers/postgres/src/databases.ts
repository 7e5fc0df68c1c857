import pg from 'pg';
import type { PoolStats } from '@mcpgw/protocol';
import { ToolError, runSqlTransaction, type HealthCheck } from '@mcpgw/worker-kit';
import type { Logger } from '@mcpgw/worker-kit';
import type { DatabaseTarget, PostgresConfig } from './config.js';
import { DEMO_DATABASE } from './embedded/demo-seed.js';
import { DemoEngine } from './embedded/demo-engine.js';
import { toToolError } from './pg-errors.js';

/** A database the worker serves. */
export interface Database {
  readonly name: string;
  readonly embedded: boolean;
  pool: pg.Pool;
}

/**
 * Values returned as PostgreSQL prints them rather than as JavaScript objects: dates and times
 * (no time-zone surprises), intervals, and bytea (hex text instead of a Buffer dump).
 */
const RAW_TEXT_TYPES = new Set([17, 1082, 1083, 1114, 1184, 1186, 1266]);
export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    RAW_TEXT_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Extra time past statement_timeout before the worker gives up on the database answering at all. */
const DEADLINE_GRACE_MS = 2_000;

/**
 * The worker's databases: one pool each (or the embedded demo database), and the one way to run
 * SQL against them — `read()`, which wraps the work in a read-only transaction with a statement
 * timeout and a client-side deadline.
 */
export class DatabaseSet {
  private readonly databases = new Map<string, Database>();
  private readonly targets = new Map<string, DatabaseTarget>();

  private constructor(
    private readonly config: PostgresConfig,
    private readonly log: Logger,
    private readonly engine: DemoEngine | undefined,
  ) {}

  /** Opens pools for the configured databases, or starts the embedded demo database. */
  static async open(config: PostgresConfig, log: Logger): Promise<DatabaseSet> {
    if (config.databases.length === 0) {
      const engine = await DemoEngine.start(log, config.demoCacheDir);
      const set = new DatabaseSet(config, log, engine);
      set.databases.set(DEMO_DATABASE, {
        name: DEMO_DATABASE,
        embedded: true,
        pool: set.createPool({ host: '127.0.0.1', port: engine.port, user: 'postgres', database: 'postgres' }, 1),
      });
      engine.onRestart = (port) => set.replacePool(DEMO_DATABASE, { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' }, 1);
      return set;
    }
    const set = new DatabaseSet(config, log, undefined);
    for (const target of config.databases) {
      set.targets.set(target.name, target);
      set.databases.set(target.name, {
        name: target.name,
        embedded: false,
        pool: set.createPool({ connectionString: target.connectionString }, config.poolMax),
      });
    }
    return set;
  }

  get embedded(): boolean {
    return this.engine !== undefined;
  }

  list(): Database[] {
    return [...this.databases.values()];
  }

  /** The named database, or a not_found error listing the ones that exist. */
  get(name: string): Database {
    const database = this.databases.get(name);
    if (database) return database;
    throw new ToolError('not_found', `no database "${name}"; databases: ${[...this.databases.keys()].join(', ')}`);
  }

  /**
   * Runs `work` on a connection inside `BEGIN TRANSACTION READ ONLY` with `statement_timeout`,
   * then rolls back. Cancelling `signal` cancels the statement; a database that does not answer
   * within the timeout plus a grace period loses the connection (and, embedded, its engine).
   */
  read<T>(name: string, signal: AbortSignal, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const database = this.get(name);
    const timeoutMs = this.config.queryTimeoutMs;
    return runSqlTransaction(
      database.pool,
      {
        timeoutMs,
        graceMs: DEADLINE_GRACE_MS,
        readOnly: true,
        signal,
        // The statement is cancelled server-side; its error (57014) ends the transaction as usual.
        onAbort: (client) => void this.cancel(database, client),
        onRunaway: () => {
          this.log.warn({ database: name, timeoutMs }, 'statement ran past its deadline; discarding the connection');
          if (database.embedded && this.engine) void this.engine.restart('a statement ran past its deadline');
        },
        errors: {
          cancelled: () => new ToolError('upstream_timeout', `query cancelled (the call was cancelled or ran past ${timeoutMs} ms, DB_QUERY_TIMEOUT_MS)`),
          timedOut: () => new ToolError('upstream_timeout', `query cut off after ${timeoutMs} ms (DB_QUERY_TIMEOUT_MS); narrow it or add a LIMIT`),
          failed: (error) => toToolError(error, name, timeoutMs),
        },
      },
      work,
    );
  }


  poolStats(): PoolStats[] {
    return this.list().map((d) => ({ name: d.name, size: d.pool.totalCount, idle: d.pool.idleCount, waiting: d.pool.waitingCount }));
  }

  /** `SELECT 1` on every database: ok when all answer, degraded when some do, down when none. */
  async health(signal: AbortSignal): Promise<HealthCheck> {
    const results = await Promise.all(
      this.list().map(async (d) => {
        try {
          await this.read(d.name, signal, (client) => client.query('SELECT 1'));
          return undefined;
        } catch (error) {
          return `${d.name}: ${error instanceof ToolError ? error.message : 'unreachable'}`;
        }
      }),
    );
    const failures = results.filter((r): r is string => r !== undefined);
    const pools = this.poolStats();
    if (failures.length === 0) return { status: 'ok', pools };
    return { status: failures.length === results.length ? 'down' : 'degraded', reason: failures.join('; '), pools };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.list().map((d) => d.pool.end()));
    await this.engine?.stop();
  }

  private createPool(connection: pg.PoolConfig, max: number): pg.Pool {
    const pool = new pg.Pool({
      ...connection,
      max,
      idleTimeoutMillis: this.config.idleTimeoutMs,
      connectionTimeoutMillis: this.config.connectTimeoutMs,
      application_name: 'mcp-gateway-postgres',
      types: typeParsers,
    });
    // Defence in depth: even a statement outside our transaction wrapper is read-only.
    pool.on('connect', (client) => {
      client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY').catch(() => undefined);
    });
    // An idle connection dropped by the server must not crash the worker.
    pool.on('error', (error) => this.log.warn({ err: { message: error.message } }, 'idle database connection failed'));
    return pool;
  }

  private replacePool(name: string, connection: pg.PoolConfig, max: number): void {
    const database = this.databases.get(name);
    if (!database) return;
    const old = database.pool;
    database.pool = this.createPool(connection, max);
    void old.end().catch(() => undefined);
  }

  /** Asks the server to cancel the running statement (pg_cancel_backend from a fresh connection). */
  private async cancel(database: Database, client: pg.PoolClient): Promise<void> {
    const pid = (client as unknown as { processID?: number }).processID;
    const target = this.targets.get(database.name);
    if (!pid || !target) return;
    const canceller = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: this.config.connectTimeoutMs });
    canceller.on('error', () => undefined); // a connection lost mid-cancel: the catch below reports the failed query
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch (error) {
      this.log.warn({ database: database.name, err: { message: (error as Error).message } }, 'could not cancel a statement');
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }
}
