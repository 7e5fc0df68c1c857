import type pg from 'pg';
import { z } from 'zod';
import { requireDatabase, supabaseTool } from '../deps.js';
import { DirectDatabase } from '../direct-database.js';

/** Below this share of blocks found in shared buffers, a cache is worth a look. */
const CACHE_HIT_TARGET = 0.99;

const EXTENSION_SQL = `
SELECT n.nspname AS schema, e.extversion AS version
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_stat_statements'`;

/** pg_stat_statements columns were renamed in PostgreSQL 13 (total_time → total_exec_time). */
const statementsSql = (schema: string, pg13: boolean) => {
  const t = pg13 ? 'total_exec_time' : 'total_time';
  const m = pg13 ? 'mean_exec_time' : 'mean_time';
  const x = pg13 ? 'max_exec_time' : 'max_time';
  return `
SELECT queryid::text AS queryid, calls::bigint AS calls,
       round(${t}::numeric, 2)::float8 AS total_ms, round(${m}::numeric, 2)::float8 AS mean_ms, round(${x}::numeric, 2)::float8 AS max_ms,
       rows::bigint AS rows, shared_blks_hit::bigint AS blocks_hit, shared_blks_read::bigint AS blocks_read,
       left(query, 300) AS query
FROM "${schema.replace(/"/g, '""')}".pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY ${t} DESC
LIMIT $1`;
};

const CONNECTIONS_SQL = `
SELECT coalesce(state, 'background') AS state, count(*)::int AS count
FROM pg_stat_activity
WHERE datname = current_database()
GROUP BY 1
ORDER BY 2 DESC, 1`;

const LONG_RUNNING_SQL = `
SELECT pid, usename AS "user", application_name AS application, state,
       round((extract(epoch FROM now() - coalesce(xact_start, query_start)) * 1000)::numeric)::float8 AS duration_ms,
       wait_event_type, left(query, 300) AS query
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'
ORDER BY coalesce(xact_start, query_start) NULLS LAST
LIMIT $1`;

const CACHE_SQL = `
SELECT coalesce(sum(heap_blks_hit), 0)::bigint AS heap_hit, coalesce(sum(heap_blks_read), 0)::bigint AS heap_read,
       coalesce(sum(idx_blks_hit), 0)::bigint AS idx_hit, coalesce(sum(idx_blks_read), 0)::bigint AS idx_read
FROM pg_statio_user_tables`;

const TABLES_SQL = `
SELECT schemaname AS schema, relname AS name,
       pg_total_relation_size(relid)::bigint AS total_bytes, pg_relation_size(relid)::bigint AS table_bytes,
       pg_indexes_size(relid)::bigint AS index_bytes, pg_size_pretty(pg_total_relation_size(relid)) AS total_size,
       n_live_tup::bigint AS live_rows, n_dead_tup::bigint AS dead_rows,
       seq_scan::bigint AS seq_scans, idx_scan::bigint AS index_scans
FROM pg_stat_user_tables
ORDER BY pg_total_relation_size(relid) DESC, schemaname, relname
LIMIT $1`;

const BLOCKED_SQL = `
SELECT a.pid, a.usename AS "user", pg_blocking_pids(a.pid) AS blocked_by, a.wait_event_type, a.wait_event,
       round((extract(epoch FROM now() - a.query_start) * 1000)::numeric)::float8 AS waiting_ms,
       left(a.query, 300) AS query
FROM pg_stat_activity a
WHERE cardinality(pg_blocking_pids(a.pid)) > 0
ORDER BY a.query_start
LIMIT $1`;

const UNGRANTED_SQL = `SELECT count(*)::int AS count FROM pg_locks WHERE NOT granted`;

/** bigint columns arrive as strings; these are counts well inside a double. */
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * Query text from pg_stat_activity is the statement as sent, literals included: string literals
 * are masked so a password in `ALTER ROLE ... PASSWORD '...'` never reaches an agent.
 */
export function maskLiterals(query: string | null): string | null {
  if (query === null) return null;
  return query.replace(/'(?:[^']|'')*'?/g, "'…'").replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "'…'");
}

const ratio = (hit: number, read: number): number | null => (hit + read === 0 ? null : Math.round((hit / (hit + read)) * 10_000) / 10_000);

type Section<T> = ({ available: true } & T) | { available: false; reason: string };

async function section<T extends object>(client: pg.PoolClient, work: () => Promise<T>): Promise<Section<T>> {
  const outcome = await DirectDatabase.section(client, work);
  return outcome.ok ? { available: true, ...outcome.value } : { available: false, reason: outcome.error.message };
}

async function slowQueries(client: pg.PoolClient, limit: number) {
  const extension = (await client.query<{ schema: string; version: string }>(EXTENSION_SQL)).rows[0];
  if (!extension) {
    return {
      available: false as const,
      reason: 'the pg_stat_statements extension is not installed in this database (on Supabase: Database > Extensions; elsewhere CREATE EXTENSION pg_stat_statements with it in shared_preload_libraries)',
    };
  }
  const versionNum = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
  const outcome = await DirectDatabase.section(client, async () => (await client.query(statementsSql(extension.schema, versionNum >= 130_000), [limit])).rows);
  if (!outcome.ok) {
    const reason =
      outcome.code === '55000'
        ? 'pg_stat_statements is installed but not loaded (add it to shared_preload_libraries and restart)'
        : `pg_stat_statements could not be read: ${outcome.error.message}`;
    return { available: false as const, extensionSchema: extension.schema, reason };
  }
  return {
    available: true as const,
    extensionSchema: extension.schema,
    extensionVersion: extension.version,
    orderedBy: 'total execution time',
    queries: outcome.value.map((r) => ({
      queryId: r.queryid as string,
      calls: num(r.calls),
      totalMs: num(r.total_ms),
      meanMs: num(r.mean_ms),
      maxMs: num(r.max_ms),
      rows: num(r.rows),
      cacheHitRatio: ratio(Number(r.blocks_hit), Number(r.blocks_read)),
      query: r.query as string,
    })),
  };
}

export const checkDatabasePerformance = supabaseTool({
  name: 'check_database_performance',
  title: 'Database performance',
  description:
    'Performance of the Supabase Postgres database over SUPABASE_DB_URL: slowest statements by total time (pg_stat_statements, when installed; otherwise says so), connections by state and the longest-running ones, table and index cache hit ratios (pg_statio_user_tables), largest tables, and sessions blocked by locks. Each section reports `available: false` with a reason instead of failing the whole report.',
  input: z.object({
    limit: z.number().int().min(1).max(50).default(10).describe('Rows per list (statements, long-running sessions, tables, blocked sessions)'),
  }),
  tokenCost: 1_500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ limit }, { deps, signal }) => {
    const database = requireDatabase(deps);
    return database.read(signal, async (client) => {
      const server = (await client.query<{ version: string; database: string; max_connections: string }>(
        "SELECT current_setting('server_version') AS version, current_database() AS database, current_setting('max_connections') AS max_connections",
      )).rows[0]!;
      const statements = await DirectDatabase.section(client, () => slowQueries(client, limit));
      const connections = await section(client, async () => {
        const byState = (await client.query<{ state: string; count: number }>(CONNECTIONS_SQL)).rows;
        const longest = (await client.query(LONG_RUNNING_SQL, [limit])).rows;
        return {
          total: byState.reduce((sum, r) => sum + r.count, 0),
          maxConnections: Number(server.max_connections),
          byState: Object.fromEntries(byState.map((r) => [r.state, r.count])),
          longestRunning: longest.map((r) => ({
            pid: r.pid as number,
            user: r.user as string | null,
            application: r.application as string | null,
            state: r.state as string,
            durationMs: num(r.duration_ms),
            waitEventType: r.wait_event_type as string | null,
            query: maskLiterals(r.query as string | null),
          })),
        };
      });
      const cache = await section(client, async () => {
        const r = (await client.query(CACHE_SQL)).rows[0] as Record<string, string>;
        const table = ratio(Number(r['heap_hit']), Number(r['heap_read']));
        const index = ratio(Number(r['idx_hit']), Number(r['idx_read']));
        return {
          tableHitRatio: table,
          indexHitRatio: index,
          heapBlocksHit: Number(r['heap_hit']),
          heapBlocksRead: Number(r['heap_read']),
          indexBlocksHit: Number(r['idx_hit']),
          indexBlocksRead: Number(r['idx_read']),
          target: CACHE_HIT_TARGET,
          belowTarget: table === null ? null : table < CACHE_HIT_TARGET || (index !== null && index < CACHE_HIT_TARGET),
        };
      });
      const tables = await section(client, async () => ({
        tables: (await client.query(TABLES_SQL, [limit])).rows.map((r) => ({
          schema: r.schema as string,
          name: r.name as string,
          totalBytes: num(r.total_bytes),
          tableBytes: num(r.table_bytes),
          indexBytes: num(r.index_bytes),
          totalSize: r.total_size as string,
          liveRows: num(r.live_rows),
          deadRows: num(r.dead_rows),
          seqScans: num(r.seq_scans),
          indexScans: num(r.index_scans),
        })),
      }));
      const locks = await section(client, async () => {
        const blocked = (await client.query(BLOCKED_SQL, [limit])).rows;
        const waiting = (await client.query<{ count: number }>(UNGRANTED_SQL)).rows[0]?.count ?? 0;
        return {
          waitingLocks: waiting,
          blockedSessions: blocked.map((r) => ({
            pid: r.pid as number,
            user: r.user as string | null,
            blockedBy: (r.blocked_by as number[]) ?? [],
            waitEventType: r.wait_event_type as string | null,
            waitEvent: r.wait_event as string | null,
            waitingMs: num(r.waiting_ms),
            query: maskLiterals(r.query as string | null),
          })),
        };
      });
      return {
        database: { name: server.database, serverVersion: server.version },
        slowQueries: statements.ok ? statements.value : { available: false, reason: statements.error.message },
        connections,
        cacheHitRatio: cache,
        largestTables: tables,
        locks,
      };
    });
  },
});
