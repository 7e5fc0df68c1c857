import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Migration } from './migrations.js';

/**
 * The advisory-lock key for one schema's migrations: the same on every replica, different per
 * schema, so two gateways sharing a schema wait for each other and other schemas do not.
 */
export function migrationLockKey(schema: string): string {
  return createHash('sha256').update(`mcpgw:migrations:${schema}`).digest().readBigInt64BE(0).toString();
}

/**
 * Applies the migrations not yet recorded, all in one transaction behind a transaction-scoped
 * advisory lock: replicas that start together run them once, and a failure leaves nothing half
 * applied. Returns the versions applied now (empty when up to date).
 */
export async function runMigrations(pool: pg.Pool, schema: string, migrations: readonly Migration[]): Promise<number[]> {
  // Up to date: nothing to create, so a role without CREATE (the least-privilege grants) can start.
  if (await upToDate(pool, schema, migrations)) return [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const applied = await applyPending(client, schema, migrations);
    await client.query('COMMIT');
    client.release();
    return applied;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    // A connection whose transaction state is unknown must not go back to the pool.
    client.release(!rolledBack);
    throw error;
  }
}

async function upToDate(pool: pg.Pool, schema: string, migrations: readonly Migration[]): Promise<boolean> {
  const exists = await pool.query<{ table: string | null }>(`SELECT to_regclass($1) AS table`, [`"${schema}".schema_migrations`]);
  if (!exists.rows[0]?.table) return false;
  const done = await pool.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`);
  const recorded = new Set(done.rows.map((row) => row.version));
  return migrations.every((m) => recorded.has(m.version));
}

async function applyPending(client: pg.PoolClient, schema: string, migrations: readonly Migration[]): Promise<number[]> {
  const s = `"${schema}"`;
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(schema)]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const done = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
  const recorded = new Set(done.rows.map((row) => row.version));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (recorded.has(migration.version)) continue;
    await client.query(migration.sql(schema));
    await client.query(`INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`, [migration.version, migration.name]);
    applied.push(migration.version);
  }
  return applied;
}
