import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@mcpgw/test-support';
import { migrateOps } from './migrate-ops.js';
import { OPS_MIGRATIONS, OPS_TABLES } from './ops-migrations.js';

describe('migrateOps', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('mcpgw_ops');
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('creates the six tables on a fresh database and records the version', async () => {
    expect(await migrateOps(pool)).toEqual(OPS_MIGRATIONS.map((m) => m.version));
    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([...OPS_TABLES, 'ops_schema_migrations'].sort());
    const recorded = await pool.query<{ version: number; name: string }>('SELECT version, name FROM public.ops_schema_migrations');
    expect(recorded.rows).toEqual([{ version: 1, name: 'operational-tables' }]);
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await migrateOps(pool)).toEqual([]);
    expect(await migrateOps(pool)).toEqual([]);
  });

  it('creates the indexes for agency, time and status filters', async () => {
    const indexes = await pool.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        'month_end_tasks_agency_period_idx',
        'month_end_tasks_status_due_idx',
        'background_jobs_status_created_idx',
        'background_jobs_agency_created_idx',
        'error_logs_occurred_idx',
        'error_logs_level_occurred_idx',
        'error_logs_source_occurred_idx',
        'compliance_tracking_filing_key',
        'compliance_tracking_agency_kind_idx',
        'compliance_tracking_expires_idx',
        'compliance_tracking_form_period_end_idx',
        'agency_metrics_agency_date_idx',
      ]),
    );
  });

  it('applies once when two runs race on a fresh schema, and works through a single client', async () => {
    const results = await Promise.all([migrateOps(pool, { schema: 'ops_race' }), migrateOps(pool, { schema: 'ops_race' })]);
    expect(results.map((r) => r.length).sort()).toEqual([0, 1]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect(await migrateOps(client, { schema: 'ops_client' })).toEqual([1]);
      expect(await migrateOps(client, { schema: 'ops_client' })).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('rolls back a failing migration completely and rejects unsafe schema names', async () => {
    const broken = [...OPS_MIGRATIONS, { version: 2, name: 'broken', sql: (s: string) => `CREATE TABLE "${s}".half (id int); SELECT no_such_fn();` }];
    await expect(migrateOps(pool, { schema: 'ops_broken', migrations: broken })).rejects.toThrow(/no_such_fn/);
    const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('ops_broken.agencies')::text AS t`);
    expect(exists.rows[0]?.t).toBeNull();
    await expect(migrateOps(pool, { schema: 'x"; DROP TABLE agencies; --' })).rejects.toThrow(/invalid ops schema name/);
  });

  describe('constraints', () => {
    beforeAll(async () => {
      await pool.query(
        `INSERT INTO agencies (code, name, tin, efps_group, vat_registered, taxpayer_class) VALUES ('T-1', 'Test', '000-000-000-000', 'A', true, 'small')`,
      );
    });

    it.each([
      ['month_end_tasks', `INSERT INTO month_end_tasks (agency_code, period, task, category, status, due_date) VALUES ('T-1', '2025-01-01', 't', 'c', 'finished', '2025-02-05')`],
      ['background_jobs', `INSERT INTO background_jobs (job_type, status) VALUES ('x', 'exploded')`],
      ['error_logs', `INSERT INTO error_logs (level, source, message) VALUES ('fatal', 's', 'm')`],
      ['compliance_tracking', `INSERT INTO compliance_tracking (agency_code, kind, form_code) VALUES ('T-1', 'receipt', 'X')`],
      ['agencies efps', `INSERT INTO agencies (code, name, tin, efps_group, vat_registered, taxpayer_class) VALUES ('T-2', 'n', 't', 'F', true, 'small')`],
      ['agencies class', `INSERT INTO agencies (code, name, tin, vat_registered, taxpayer_class) VALUES ('T-3', 'n', 't', true, 'huge')`],
    ])('rejects a bad status/level/kind in %s (check violation)', async (_name, sql) => {
      await expect(pool.query(sql)).rejects.toMatchObject({ code: '23514' });
    });

    it('rejects rows for an unknown agency (foreign key)', async () => {
      await expect(
        pool.query(`INSERT INTO month_end_tasks (agency_code, period, task, category, status, due_date) VALUES ('NOPE', '2025-01-01', 't', 'c', 'done', '2025-02-05')`),
      ).rejects.toMatchObject({ code: '23503' });
    });

    it('allows one filing per agency, form and period, but any number of non-filing rows', async () => {
      const filing = `INSERT INTO compliance_tracking (agency_code, kind, form_code, period_start, period_end) VALUES ('T-1', $1, '1601-C', '2025-01-01', '2025-01-31')`;
      await pool.query(filing, ['filing']);
      await expect(pool.query(filing, ['filing'])).rejects.toMatchObject({ code: '23505' });
      await pool.query(filing, ['certificate']);
      await pool.query(filing, ['certificate']);
      const upsert = await pool.query(
        `INSERT INTO compliance_tracking (agency_code, kind, form_code, period_start, period_end, reference) VALUES ('T-1', 'filing', '1601-C', '2025-01-01', '2025-01-31', 'R2')
         ON CONFLICT (agency_code, form_code, period_start, period_end) WHERE kind = 'filing' DO UPDATE SET reference = EXCLUDED.reference RETURNING reference`,
      );
      expect(upsert.rows[0]).toEqual({ reference: 'R2' });
    });

    it('keeps one metric value per agency, day and metric', async () => {
      const sql = `INSERT INTO agency_metrics (agency_code, metric_date, metric, value) VALUES ('T-1', '2025-01-01', 'dso_days', 40)`;
      await pool.query(sql);
      await expect(pool.query(sql)).rejects.toMatchObject({ code: '23505' });
    });
  });
});
