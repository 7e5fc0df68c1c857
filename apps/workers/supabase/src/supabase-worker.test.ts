import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { MetaKeys, WorkerMethods, compileCommand, healthReportSchema, matchCommand, parseSlashCommand, serviceManifestSchema } from '@mcpgw/protocol';
import { startFakeSupabase, type FakeSupabase } from '@mcpgw/fakes';
import { migrateOps, seedOps, type SeedSummary } from '@mcpgw/ops-schema';
import { createTestDatabase, type TestDatabase } from '@mcpgw/test-support';
import type { EnvSource, PreparedWorker } from '@mcpgw/worker-kit';
import pg from 'pg';
import pino from 'pino';
import { supabaseWorker } from './supabase-worker.js';

/**
 * The supabase worker in-process (MCP over an in-memory transport) against the fake Supabase,
 * which serves the operational tables of a real PostgreSQL database loaded with the sample data;
 * check_database_performance reads that same database directly. Expected values come from SQL
 * over the database, not from the fake.
 */
let db: TestDatabase;
let fake: FakeSupabase;
let seed: SeedSummary;
const opened: { worker: PreparedWorker; client: Client }[] = [];
let main: Client;

async function connect(env: EnvSource): Promise<Client> {
  const worker = supabaseWorker.prepare(env, pino({ level: 'silent' }));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await worker.createServer().connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  opened.push({ worker, client });
  return client;
}

beforeAll(async () => {
  db = await createTestDatabase('mcpgw_supabase');
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    await migrateOps(pool, { schema: 'public' });
    seed = await seedOps(pool, { schema: 'public', now: new Date() });
  } finally {
    await pool.end();
  }
  fake = await startFakeSupabase({ databaseUrl: db.url });
  main = await connect({ SUPABASE_URL: fake.url, SUPABASE_SERVICE_ROLE_KEY: fake.secretKey, SUPABASE_DB_URL: db.url });
});

afterAll(async () => {
  for (const { worker, client } of opened) {
    await client.close();
    await worker.close();
  }
  await fake?.close();
  await db?.drop();
});

interface ToolAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  error: { kind: string; message: string; missing?: string[]; retryAfter?: number } | undefined;
  meta: Record<string, unknown> | undefined;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const meta = result._meta as Record<string, unknown> | undefined;
  return {
    data: result.structuredContent,
    error: result.isError ? ((meta?.[MetaKeys.error] as ToolAnswer['error']) ?? { kind: 'unknown', message: '' }) : undefined,
    meta,
  };
}

const tool = (name: string, args: Record<string, unknown> = {}) => call(main, name, args);

/** The period before the seed's current month, YYYY-MM. */
function previousMonth(today: string): string {
  const [y, m] = today.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

describe('supabase worker', () => {
  it('announces itself as live with its tools and commands', async () => {
    const manifest = await main.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest).toMatchObject({ name: 'supabase', mode: 'live', requiredEnv: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] });
    expect(manifest.tools.map((t) => t.name).sort()).toEqual([
      'check_database_performance',
      'get_agency_metrics',
      'get_month_end_status',
      'list_background_jobs',
      'list_error_logs',
      'supabase_health',
    ]);
    expect(manifest.notes).toBeUndefined();
  });

  it('maps slash commands onto the tools', async () => {
    const manifest = await main.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    const commands = manifest.commands.map((c) => compileCommand('supabase', c, manifest.tools.find((t) => t.name === c.tool)?.inputSchema));
    const schemaOf = (name: string) => manifest.tools.find((t) => t.name === name)?.inputSchema;
    const match = (line: string) => {
      const m = matchCommand(commands, parseSlashCommand(line), schemaOf);
      return { tool: m.command.tool, args: m.arguments };
    };
    expect(match('/mcp-supabase month-end ACME-MNL 2026-01')).toEqual({ tool: 'get_month_end_status', args: { agency: 'ACME-MNL', period: '2026-01' } });
    expect(match('/mcp-supabase month-end')).toEqual({ tool: 'get_month_end_status', args: {} });
    expect(match('/mcp-supabase metrics ACME-CEB --series=true')).toEqual({ tool: 'get_agency_metrics', args: { agency: 'ACME-CEB', series: true } });
    expect(match('/mcp-supabase jobs')).toEqual({ tool: 'list_background_jobs', args: {} });
    expect(match('/mcp-supabase errors warning --limit=5')).toEqual({ tool: 'list_error_logs', args: { level: 'warning', limit: 5 } });
    expect(match('/mcp-supabase db')).toEqual({ tool: 'check_database_performance', args: {} });
  });
});

describe('get_month_end_status', () => {
  it('counts each agency\'s tasks by status, overdue and % complete, as the table says', async () => {
    const period = previousMonth(seed.today);
    const { data, error } = await tool('get_month_end_status', { period, asOf: seed.today });
    expect(error).toBeUndefined();
    const expected = await db.query<{ agency: string; total: number; done: number; in_progress: number; blocked: number; pending: number; overdue: number }>(
      `SELECT agency_code AS agency, count(*)::int AS total,
              count(*) FILTER (WHERE status = 'done')::int AS done, count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
              count(*) FILTER (WHERE status = 'blocked')::int AS blocked, count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status <> 'done' AND due_date < $2::date)::int AS overdue
       FROM month_end_tasks WHERE period = $1::date GROUP BY 1`,
      [`${period}-01`, seed.today],
    );
    expect(expected.rows).toHaveLength(8);
    expect(data).toMatchObject({ period, asOf: seed.today, truncated: false, totals: { agencies: 8 } });
    for (const row of expected.rows) {
      const agency = data.agencies.find((a: { agency: string }) => a.agency === row.agency);
      expect(agency).toMatchObject({
        total: row.total,
        done: row.done,
        inProgress: row.in_progress,
        blocked: row.blocked,
        pending: row.pending,
        overdue: row.overdue,
        percentComplete: Math.round((row.done / row.total) * 1000) / 10,
      });
      expect(agency.blockedTasks).toHaveLength(row.blocked);
      expect(agency.overdueTasks).toHaveLength(row.overdue);
    }
    // Worst first: the agencies with the most overdue tasks lead.
    const overdue = data.agencies.map((a: { overdue: number }) => a.overdue);
    expect(overdue).toEqual([...overdue].sort((a, b) => b - a));
    expect(data.totals.total).toBe(expected.rows.reduce((n, r) => n + r.total, 0));
  });

  it('gives each blocked task its reason and each overdue task its days overdue', async () => {
    const period = previousMonth(seed.today);
    const { data } = await tool('get_month_end_status', { agency: 'ACME-CEB', period, asOf: seed.today });
    const blocked = await db.query<{ task: string; blocked_reason: string }>(
      `SELECT task, blocked_reason FROM month_end_tasks WHERE agency_code = 'ACME-CEB' AND period = $1::date AND status = 'blocked' ORDER BY due_date, id`,
      [`${period}-01`],
    );
    expect(blocked.rows.length).toBeGreaterThan(0);
    expect(data.agencies).toHaveLength(1);
    expect(data.agencies[0].blockedTasks.map((t: { task: string; blockedReason: string }) => [t.task, t.blockedReason])).toEqual(
      blocked.rows.map((r) => [r.task, r.blocked_reason]),
    );
    for (const task of data.agencies[0].overdueTasks) {
      expect(task.dueDate < seed.today).toBe(true);
      expect(task.daysOverdue).toBe(Math.round((Date.parse(seed.today) - Date.parse(task.dueDate)) / 86_400_000));
    }
  });

  it('defaults to the current month, takes a lone period in the agency slot, and says when nothing matches', async () => {
    const current = await tool('get_month_end_status', { asOf: seed.today });
    expect(current.data.period).toBe(seed.today.slice(0, 7));
    expect(current.data.totals.agencies).toBe(8);

    const swapped = await tool('get_month_end_status', { agency: previousMonth(seed.today), asOf: seed.today });
    expect(swapped.data).toMatchObject({ period: previousMonth(seed.today), totals: { agencies: 8 } });
    expect(swapped.data.agency).toBeUndefined();

    const none = await tool('get_month_end_status', { agency: 'NOPE', period: '2020-01' });
    expect(none.data).toMatchObject({ agencies: [], note: 'no month-end tasks for NOPE in 2020-01' });
  });

  it('rejects a malformed period', async () => {
    expect((await tool('get_month_end_status', { period: '2026-13' })).error).toMatchObject({ kind: 'invalid_arguments' });
  });
});

describe('get_agency_metrics', () => {
  it('summarises each metric of an agency over the range, with its series', async () => {
    const from = new Date(Date.parse(seed.today) - 9 * 86_400_000).toISOString().slice(0, 10);
    const { data, error } = await tool('get_agency_metrics', { agency: 'ACME-MNL', from, to: seed.today, series: true });
    expect(error).toBeUndefined();
    const expected = await db.query<{ metric: string; unit: string | null; n: number; min: number; max: number; avg: number; latest: number; first: number }>(
      `SELECT metric, min(unit) AS unit, count(*)::int AS n, min(value)::float8 AS min, max(value)::float8 AS max, avg(value)::float8 AS avg,
              (array_agg(value ORDER BY metric_date DESC))[1]::float8 AS latest, (array_agg(value ORDER BY metric_date))[1]::float8 AS first
       FROM agency_metrics WHERE agency_code = 'ACME-MNL' AND metric_date BETWEEN $1::date AND $2::date GROUP BY metric ORDER BY metric`,
      [from, seed.today],
    );
    expect(expected.rows.length).toBeGreaterThan(1);
    expect(data).toMatchObject({ from, to: seed.today, agency: 'ACME-MNL', truncated: false });
    expect(data.agencies).toHaveLength(1);
    const metrics = data.agencies[0].metrics;
    expect(metrics.map((m: { metric: string }) => m.metric)).toEqual(expected.rows.map((r) => r.metric));
    for (const [i, row] of expected.rows.entries()) {
      expect(metrics[i]).toMatchObject({
        unit: row.unit,
        points: 10,
        min: row.min,
        max: row.max,
        latest: { date: seed.today, value: row.latest },
        change: Math.round((row.latest - row.first) * 10_000) / 10_000,
      });
      expect(metrics[i].avg).toBeCloseTo(row.avg, 3);
      expect(metrics[i].series).toHaveLength(10);
      expect(metrics[i].series[0].date).toBe(from);
    }
  });

  it('covers every agency over the last 30 days by default, one metric when asked', async () => {
    const all = await tool('get_agency_metrics', { to: seed.today });
    expect(all.data.agencies).toHaveLength(8);
    expect(all.data.from).toBe(new Date(Date.parse(seed.today) - 29 * 86_400_000).toISOString().slice(0, 10));
    const metric = all.data.agencies[0].metrics[0].metric as string;
    const one = await tool('get_agency_metrics', { metric, to: seed.today });
    for (const agency of one.data.agencies) expect(agency.metrics.map((m: { metric: string }) => m.metric)).toEqual([metric]);
    expect(one.data.agencies[0].metrics[0].points).toBe(30);
    expect((await tool('get_agency_metrics', { from: '2026-02-01', to: '2026-01-01' })).error).toMatchObject({ kind: 'invalid_arguments' });
  });
});

describe('list_background_jobs', () => {
  it('lists failed jobs newest first with the total', async () => {
    const { data, error } = await tool('list_background_jobs');
    expect(error).toBeUndefined();
    const expected = await db.query<{ id: string }>(`SELECT id FROM background_jobs WHERE status = 'failed' ORDER BY created_at DESC, id DESC`);
    expect(expected.rows.length).toBeGreaterThan(0);
    expect(data).toMatchObject({ status: 'failed', total: expected.rows.length, truncated: false });
    expect(data.jobs.map((j: { id: number }) => j.id)).toEqual(expected.rows.map((r) => Number(r.id)));
    for (const job of data.jobs) {
      expect(job).toMatchObject({ origin: 'supabase.background_jobs', status: 'failed', lastError: expect.any(String) });
      expect(job.attemptsExhausted).toBe(job.attempts >= job.maxAttempts);
      expect(job.payload).toBeUndefined();
    }
  });

  it('filters by status, agency and time, and cuts at the limit', async () => {
    const any = await tool('list_background_jobs', { status: 'any', limit: 5, includePayload: true });
    const count = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM background_jobs')).rows[0]!.n;
    expect(any.data).toMatchObject({ total: count, truncated: true });
    expect(any.data.jobs).toHaveLength(5);
    expect(any.data.jobs[0].payload).toEqual(expect.any(Object));

    const agency = await tool('list_background_jobs', { status: 'any', agency: 'ACME-CLK' });
    expect(agency.data.jobs.length).toBe((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM background_jobs WHERE agency_code = 'ACME-CLK'`)).rows[0]!.n);
    expect(agency.data.jobs.every((j: { agency: string }) => j.agency === 'ACME-CLK')).toBe(true);

    const since = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const recent = await tool('list_background_jobs', { status: 'any', since });
    const expected = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM background_jobs WHERE created_at >= $1', [since])).rows[0]!.n;
    expect(recent.data.total).toBe(expected);
    expect(recent.data.since).toBe(since);
  });
});

describe('list_error_logs', () => {
  it('lists error and critical entries of the last 24 hours by default', async () => {
    const { data, error } = await tool('list_error_logs', { limit: 1000 });
    expect(error).toBeUndefined();
    const expected = await db.query<{ id: string }>(
      `SELECT id FROM error_logs WHERE level IN ('error', 'critical') AND occurred_at >= $1 ORDER BY occurred_at DESC, id DESC`,
      [data.since],
    );
    expect(Date.now() - Date.parse(data.since)).toBeGreaterThanOrEqual(86_400_000);
    expect(data).toMatchObject({ minLevel: 'error', levels: ['error', 'critical'], total: expected.rows.length });
    expect(data.errors.map((e: { id: number }) => e.id)).toEqual(expected.rows.map((r) => Number(r.id)));
    for (const entry of data.errors) {
      expect(['error', 'critical']).toContain(entry.level);
      expect(entry.trace).toEqual(expect.stringMatching(/^Error: /));
    }
  });

  it('takes a lower level, a source, an agency and a message search', async () => {
    const since = new Date(Date.now() - 8 * 86_400_000).toISOString();
    const warning = await tool('list_error_logs', { level: 'warning', since, limit: 1000 });
    const expected = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM error_logs WHERE level IN ('warning','error','critical')`)).rows[0]!.n;
    expect(warning.data.total).toBe(expected);
    expect(new Set(warning.data.errors.map((e: { level: string }) => e.level))).toEqual(new Set(['warning', 'error', 'critical']));

    const source = await tool('list_error_logs', { level: 'debug', source: 'payroll', since });
    expect(source.data.errors.length).toBeGreaterThan(0);
    expect(source.data.errors.every((e: { source: string }) => e.source === 'payroll')).toBe(true);

    const search = await tool('list_error_logs', { level: 'debug', search: 'ODOO RPC', since });
    const matches = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM error_logs WHERE message ILIKE '%odoo rpc%'`)).rows[0]!.n;
    expect(matches).toBeGreaterThan(0);
    expect(search.data.total).toBe(matches);
  });
});

describe('check_database_performance', () => {
  it('reports connections, cache hit ratio, largest tables and locks from the database', async () => {
    const { data, error } = await tool('check_database_performance', { limit: 20 });
    expect(error).toBeUndefined();
    expect(data.database).toEqual({ name: db.name, serverVersion: expect.stringMatching(/^\d+/) });
    expect(data.connections).toMatchObject({ available: true, maxConnections: expect.any(Number) });
    expect(data.connections.byState.active).toBeGreaterThanOrEqual(1);
    expect(data.cacheHitRatio).toMatchObject({ available: true, target: 0.99 });
    expect(data.cacheHitRatio.heapBlocksHit + data.cacheHitRatio.heapBlocksRead).toBeGreaterThan(0);
    expect(data.largestTables.available).toBe(true);
    const names = data.largestTables.tables.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['agency_metrics', 'error_logs', 'month_end_tasks', 'background_jobs']));
    const sizes = data.largestTables.tables.map((t: { totalBytes: number }) => t.totalBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(data.locks).toEqual({ available: true, waitingLocks: 0, blockedSessions: [] });
  });

  it('says when pg_stat_statements is missing or not loaded, and still answers the other sections', async () => {
    const preload = (await db.query<{ p: string }>("SELECT current_setting('shared_preload_libraries') AS p")).rows[0]!.p;
    await db.query('DROP EXTENSION IF EXISTS pg_stat_statements');
    const missing = await tool('check_database_performance');
    expect(missing.data.slowQueries).toEqual({ available: false, reason: expect.stringMatching(/pg_stat_statements extension is not installed/) });
    expect(missing.data.connections.available).toBe(true);

    await db.query('CREATE EXTENSION pg_stat_statements');
    const installed = await tool('check_database_performance');
    if (preload.includes('pg_stat_statements')) {
      expect(installed.data.slowQueries).toMatchObject({ available: true, extensionSchema: 'public', queries: expect.any(Array) });
    } else {
      expect(installed.data.slowQueries).toEqual({ available: false, extensionSchema: 'public', reason: expect.stringMatching(/installed but not loaded/) });
    }
    expect(installed.data.largestTables.available).toBe(true);
  });

  it('answers unconfigured, naming SUPABASE_DB_URL, without a database URL', async () => {
    const client = await connect({ SUPABASE_URL: fake.url, SUPABASE_SERVICE_ROLE_KEY: fake.secretKey });
    const manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest.notes).toMatch(/SUPABASE_DB_URL is not set/);
    expect((await call(client, 'check_database_performance')).error).toMatchObject({ kind: 'unconfigured', missing: ['SUPABASE_DB_URL'] });
    expect((await call(client, 'list_background_jobs')).error).toBeUndefined();
  });
});

describe('supabase_health', () => {
  it('times the Data API and the database', async () => {
    const { data } = await tool('supabase_health');
    expect(data).toMatchObject({
      status: 'ok',
      rest: { configured: true, status: 'ok', latencyMs: expect.any(Number) },
      database: { configured: true, status: 'ok', latencyMs: expect.any(Number), serverVersion: expect.stringMatching(/^\d+/) },
    });
    const health = await main.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health).toMatchObject({ status: 'ok', pools: [{ name: 'supabase-db' }] });
  });
});

describe('upstream faults', () => {
  it('reports a revoked key (authFail) as a key problem, without the key', async () => {
    fake.knobs = { authFail: true };
    try {
      const { error } = await tool('list_background_jobs');
      expect(error).toMatchObject({ kind: 'unconfigured', missing: ['SUPABASE_SERVICE_ROLE_KEY'] });
      expect(error!.message).toMatch(/^Supabase refused the key \(HTTP 401: Invalid API key.*check SUPABASE_SERVICE_ROLE_KEY/);
      expect(error!.message).not.toContain(fake.secretKey);
      const health = await main.request({ method: WorkerMethods.health }, healthReportSchema);
      expect(health).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/^Data API: Supabase refused the key/) });
    } finally {
      fake.knobs = {};
    }
  });

  it('reports a wrong key the same way, and never retries it', async () => {
    const wrongKey = `sb_secret_${'x'.repeat(32)}`;
    const client = await connect({ SUPABASE_URL: fake.url, SUPABASE_SERVICE_ROLE_KEY: wrongKey });
    const before = fake.requests;
    const { error } = await call(client, 'get_month_end_status');
    expect(error).toMatchObject({ kind: 'unconfigured', missing: ['SUPABASE_SERVICE_ROLE_KEY'] });
    expect(error!.message).not.toContain(wrongKey);
    expect(fake.requests - before).toBe(1);
    expect((await call(client, 'supabase_health')).data).toMatchObject({ status: 'down', rest: { status: 'down' }, database: { configured: false } });
  });

  it('waits out a 429 burst (Retry-After) and then answers', async () => {
    const before = fake.requests;
    fake.knobs = { rateLimit429: { burst: 2, retryAfterSec: 1 } };
    try {
      const { data, error } = await tool('list_background_jobs', { status: 'any', limit: 3 });
      expect(error).toBeUndefined();
      expect(data.jobs).toHaveLength(3);
      expect(fake.requests - before).toBe(3);
    } finally {
      fake.knobs = {};
    }
  });

  it('retries 5xx three times, then reports the upstream failure', async () => {
    const before = fake.requests;
    fake.knobs = { errorRate: 1 };
    try {
      const { error } = await tool('list_background_jobs');
      expect(error?.kind).toMatch(/^upstream/);
      expect(error!.message).toMatch(/^Supabase (failed \(HTTP 503\)|cancelled the query)/);
      expect(fake.requests - before).toBe(4);
    } finally {
      fake.knobs = {};
    }
    expect((await tool('list_background_jobs')).error).toBeUndefined();
  });

  it('recovers from an intermittent 5xx without the caller noticing', async () => {
    fake.knobs = { errorRate: 0.5 };
    try {
      const { data, error } = await tool('get_month_end_status', { asOf: seed.today });
      expect(error).toBeUndefined();
      expect(data.totals.agencies).toBe(8);
    } finally {
      fake.knobs = {};
    }
  });
});

describe('paging', () => {
  it('reads more rows than one response holds, page after Range page', async () => {
    // A second fake over the same database, capping responses at 250 rows (db-max-rows).
    const capped = await startFakeSupabase({ databaseUrl: db.url, maxRows: 250 });
    try {
      const client = await connect({ SUPABASE_URL: capped.url, SUPABASE_SERVICE_ROLE_KEY: capped.secretKey });
      const before = capped.requests;
      const paged = await call(client, 'get_agency_metrics', { to: seed.today, series: true });
      const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM agency_metrics WHERE metric_date BETWEEN $1::date AND $2::date', [paged.data.from, seed.today])).rows[0]!.n;
      expect(rows).toBeGreaterThan(250);
      expect(capped.requests - before).toBe(Math.ceil(rows / 250));
      const whole = await tool('get_agency_metrics', { to: seed.today, series: true });
      expect(paged.data).toEqual(whole.data);
      const points = paged.data.agencies.flatMap((a: { metrics: { series: unknown[] }[] }) => a.metrics.flatMap((m) => m.series));
      expect(points).toHaveLength(rows);
    } finally {
      await capped.close();
    }
  });

  it('stops at SUPABASE_MAX_ROWS and says so', async () => {
    const client = await connect({ SUPABASE_URL: fake.url, SUPABASE_SERVICE_ROLE_KEY: fake.secretKey, SUPABASE_MAX_ROWS: '100', SUPABASE_PAGE_SIZE: '40' });
    const before = fake.requests;
    const { data } = await call(client, 'get_agency_metrics', { to: seed.today });
    expect(fake.requests - before).toBe(3);
    expect(data).toMatchObject({ truncated: true, note: expect.stringMatching(/^only the first 100 of \d+ data points were read \(SUPABASE_MAX_ROWS\)/) });
  });
});

describe('configuration states', () => {
  it('is unconfigured without credentials, naming them on every call', async () => {
    const client = await connect({});
    const health = await client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health).toMatchObject({ status: 'unconfigured', missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] });
    expect((await call(client, 'get_month_end_status')).error).toMatchObject({ kind: 'unconfigured', missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] });
  });

  it('marks sandbox answers', async () => {
    const client = await connect({ SUPABASE_URL: fake.url, SUPABASE_SERVICE_ROLE_KEY: fake.secretKey, SUPABASE_DB_URL: db.url, SUPABASE_SANDBOX: 'true' });
    const manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest.mode).toBe('sandbox');
    const { meta, error } = await call(client, 'supabase_health');
    expect(error).toBeUndefined();
    expect(meta?.[MetaKeys.metadata]).toEqual({ sandbox: true });
  });

  it('serves database performance alone with only SUPABASE_DB_URL', async () => {
    const client = await connect({ SUPABASE_DB_URL: db.url });
    expect((await call(client, 'check_database_performance', { limit: 1 })).data.connections.available).toBe(true);
    expect((await call(client, 'list_error_logs')).error).toMatchObject({ kind: 'unconfigured', missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] });
  });
});
