import type pg from 'pg';
import { SqlAlertRepository } from './alert-repository.js';
import { SqlAuditRepository } from './audit-repository.js';
import { SqlJobRepository } from './job-repository.js';
import { SqlKeyRepository } from './key-repository.js';
import { runMigrations } from './migration-runner.js';
import { MIGRATIONS } from './migrations.js';
import type { Queryable } from './queryable.js';
import { toStoreError } from './store-error.js';
import type { AlertRepository, AuditRepository, GatewayStore, JobRepository, KeyRepository, StoreEngine, StoreLogger, ToolPinRepository } from './store-types.js';
import { SqlToolPinRepository } from './tool-pin-repository.js';

/** What a SqlStore is built from: an open pool and how to describe and clean up after it. */
export interface SqlStoreOptions {
  engine: StoreEngine;
  location: string;
  pool: pg.Pool;
  schema: string;
  log: StoreLogger;
  /** Scrubs credentials from driver messages. */
  redact: (text: string) => string;
  /** Whether migrations must run before the first query (false when the caller opted out). */
  migrationsPending: boolean;
  /** Runs after the pool has ended (the embedded owner stops its engine here). */
  onClose?: () => Promise<void>;
}

/**
 * The store over a node-postgres pool, whichever engine is behind it. Driver errors come out as
 * StoreError (`unavailable`, `duplicate`) with credentials scrubbed; when migrations could not run
 * at open (lazy start), the first query or ping that reaches the database runs them.
 */
export class SqlStore implements GatewayStore {
  readonly keys: KeyRepository;
  readonly audit: AuditRepository;
  readonly toolPins: ToolPinRepository;
  readonly jobs: JobRepository;
  readonly alerts: AlertRepository;
  readonly engine: StoreEngine;
  readonly location: string;
  private readonly pool: pg.Pool;
  private migrationsPending: boolean;
  private migrating: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SqlStoreOptions) {
    this.engine = options.engine;
    this.location = options.location;
    this.pool = options.pool;
    this.migrationsPending = options.migrationsPending;
    const db: Queryable = { query: (text, params) => this.query(text, params) };
    this.keys = new SqlKeyRepository(db, options.schema);
    this.audit = new SqlAuditRepository(db, options.schema);
    this.toolPins = new SqlToolPinRepository(db, options.schema);
    this.jobs = new SqlJobRepository(db, options.schema);
    this.alerts = new SqlAlertRepository(db, options.schema);
    // An idle connection that breaks (server restart, network) must not crash the process.
    this.pool.on('error', (error: Error & { code?: string }) => {
      options.log.error(
        { engine: this.engine, location: this.location, code: error.code, error: options.redact(error.message) },
        'a gateway store connection failed while idle',
      );
    });
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    await this.ensureMigrated();
    try {
      return await this.pool.query<R>(text, params);
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async migrate(): Promise<number[]> {
    try {
      const applied = await runMigrations(this.pool, this.options.schema, MIGRATIONS);
      this.migrationsPending = false;
      if (applied.length > 0) {
        this.options.log.info({ engine: this.engine, location: this.location, schema: this.options.schema, applied }, 'gateway store migrated');
      }
      return applied;
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      throw this.mapError(error);
    }
    await this.ensureMigrated();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.pool.end();
      } finally {
        await this.options.onClose?.();
      }
    })();
    return this.closing;
  }

  /** Runs the migrations once, if they are still owed; concurrent callers share the attempt. */
  private async ensureMigrated(): Promise<void> {
    if (!this.migrationsPending) return;
    this.migrating ??= this.migrate()
      .then(() => undefined)
      .finally(() => {
        this.migrating = undefined;
      });
    await this.migrating;
  }

  private mapError(error: unknown): unknown {
    return toStoreError(error, this.location, this.options.redact);
  }
}
