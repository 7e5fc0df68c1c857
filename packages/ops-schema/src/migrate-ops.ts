import { createHash } from 'node:crypto';
import type pg from 'pg';
import { OPS_MIGRATIONS, validateOpsSchemaName, type OpsMigration } from './ops-migrations.js';

/** Options of {@link migrateOps}. */
export interface MigrateOpsOptions {
  /** Schema that holds the tables; default `public` (the schema Supabase's PostgREST serves). */
  schema?: string;
  /** Migrations to apply; default {@link OPS_MIGRATIONS} (tests may pass a longer list). */
  migrations?: readonly OpsMigration[];
}

/**
 * The advisory-lock key for one schema's ops migrations: the same in every process, different per
 * schema (and from the gateway store's key), so concurrent runners on one schema wait for each other.
 */
export function opsMigrationLockKey(schema: string): string {
  return createHash('sha256').update(`mcpgw:ops-migrations:${schema}`).digest().readBigInt64BE(0).toString();
}

/**
 * Applies the operational-schema migrations not yet recorded, all in one transaction behind a
 * transaction-scoped advisory lock: concurrent runs apply them once, and a failure leaves nothing
 * half applied. Takes a pool (a connection is borrowed) or a connected client that is not inside a
 * transaction. Returns the versions applied now (empty when up to date).
 */
export async function migrateOps(db: pg.Pool | pg.ClientBase, options: MigrateOpsOptions = {}): Promise<number[]> {
  const schema = validateOpsSchemaName(options.schema ?? 'public');
  const migrations = options.migrations ?? OPS_MIGRATIONS;
  if (await upToDate(db, schema, migrations)) return [];
  if (!isPool(db)) return inTransaction(db, schema, migrations);
  const client = await db.connect();
  let broken = false;
  try {
    return await inTransaction(client, schema, migrations);
  } catch (error) {
    broken = (error as { rollbackFailed?: boolean }).rollbackFailed === true;
    throw error;
  } finally {
    // A connection whose transaction state is unknown must not go back to the pool.
    client.release(broken);
  }
}

function isPool(db: pg.Pool | pg.ClientBase): db is pg.Pool {
  return 'totalCount' in db && 'idleCount' in db;
}

async function inTransaction(client: pg.ClientBase, schema: string, migrations: readonly OpsMigration[]): Promise<number[]> {
  await client.query('BEGIN');
  try {
    const applied = await applyPending(client, schema, migrations);
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    if (!rolledBack && error !== null && typeof error === 'object') Object.assign(error, { rollbackFailed: true });
    throw error;
  }
}

async function upToDate(db: pg.Pool | pg.ClientBase, schema: string, migrations: readonly OpsMigration[]): Promise<boolean> {
  const exists = await db.query<{ table: string | null }>('SELECT to_regclass($1) AS table', [`"${schema}".ops_schema_migrations`]);
  if (!exists.rows[0]?.table) return false;
  const done = await db.query<{ version: number }>(`SELECT version FROM "${schema}".ops_schema_migrations`);
  const recorded = new Set(done.rows.map((row) => row.version));
  return migrations.every((m) => recorded.has(m.version));
}

async function applyPending(client: pg.ClientBase, schema: string, migrations: readonly OpsMigration[]): Promise<number[]> {
  const s = `"${schema}"`;
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [opsMigrationLockKey(schema)]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${s}.ops_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const done = await client.query<{ version: number }>(`SELECT version FROM ${s}.ops_schema_migrations`);
  const recorded = new Set(done.rows.map((row) => row.version));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (recorded.has(migration.version)) continue;
    await client.query(migration.sql(schema));
    await client.query(`INSERT INTO ${s}.ops_schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`, [migration.version, migration.name]);
    applied.push(migration.version);
  }
  return applied;
}
