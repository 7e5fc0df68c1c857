import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@mcpgw/test-support';
import { BIR_RULES, HolidayCalendar, obligationStatus, resolveObligation, ruleApplies } from '@mcpgw/bir-calendar';
import { REFERENCE_AGENCIES } from './reference-agencies.js';
import { agencyTaxEntity, buildSeedData, seededObligations, seedOps, SEED_METRIC_DAYS, SEED_METRICS } from './seed-ops.js';

const NOW = new Date('2025-07-08T03:30:00Z'); // 11:30 in Manila, Tuesday 8 July 2025

describe('seedOps', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('mcpgw_ops_seed');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> => {
    const result = await pool.query<{ n: string }>(sql, params);
    return Number(result.rows[0]?.n);
  };

  it('loads the 8 reference agencies and the row counts it reports (migrating first)', async () => {
    const summary = await seedOps(pool, { now: NOW });
    expect(summary.today).toBe('2025-07-08');
    expect(summary.agencies).toBe(8);
    expect(summary.agencyMetrics).toBe(8 * SEED_METRIC_DAYS * SEED_METRICS.length);
    for (const [table, n] of [
      ['agencies', summary.agencies],
      ['month_end_tasks', summary.monthEndTasks],
      ['background_jobs', summary.backgroundJobs],
      ['error_logs', summary.errorLogs],
      ['compliance_tracking', summary.complianceTracking],
      ['agency_metrics', summary.agencyMetrics],
    ] as const) {
      expect(await count(`SELECT count(*) AS n FROM public.${table}`)).toBe(n);
      expect(n).toBeGreaterThan(0);
    }
    const tins = await pool.query<{ tin: string }>('SELECT tin FROM agencies');
    for (const { tin } of tins.rows) expect(tin).toMatch(/^\d{3}-\d{3}-\d{3}-\d{3}$/);
  });

  it('is idempotent: a second run leaves the same rows, not twice as many', async () => {
    const snapshot = async (): Promise<unknown[]> =>
      (await pool.query('SELECT agency_code, period, task, status, due_date FROM month_end_tasks ORDER BY id')).rows;
    const before = await snapshot();
    const second = await seedOps(pool, { now: NOW });
    expect(await count('SELECT count(*) AS n FROM agency_metrics')).toBe(second.agencyMetrics);
    expect(await count('SELECT count(*) AS n FROM compliance_tracking')).toBe(second.complianceTracking);
    expect(await snapshot()).toEqual(before);
    expect(await count('SELECT min(id) AS n FROM month_end_tasks')).toBe(1);
  });

  it('has month-end tasks for this and last month in every status, some overdue and some blocked with a reason', async () => {
    const periods = await pool.query<{ period: string }>(`SELECT DISTINCT to_char(period, 'YYYY-MM-DD') AS period FROM month_end_tasks ORDER BY 1`);
    expect(periods.rows.map((r) => r.period)).toEqual(['2025-06-01', '2025-07-01']);
    const statuses = await pool.query<{ status: string }>('SELECT DISTINCT status FROM month_end_tasks ORDER BY 1');
    expect(statuses.rows.map((r) => r.status)).toEqual(['blocked', 'done', 'in_progress', 'pending']);
    expect(await count(`SELECT count(*) AS n FROM month_end_tasks WHERE status <> 'done' AND due_date < '2025-07-08'`)).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM month_end_tasks WHERE status = 'blocked' AND blocked_reason IS NULL`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM month_end_tasks WHERE (status = 'done') <> (completed_at IS NOT NULL)`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM month_end_tasks WHERE completed_at > $1`, [NOW])).toBe(0);
  });

  it('has failed background jobs with their last error, within the last week', async () => {
    expect(await count(`SELECT count(*) AS n FROM background_jobs WHERE status = 'failed' AND last_error IS NOT NULL`)).toBeGreaterThanOrEqual(3);
    expect(await count(`SELECT count(*) AS n FROM background_jobs WHERE status = 'failed' AND last_error IS NULL`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM background_jobs WHERE status = 'succeeded'`)).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM background_jobs WHERE agency_code IS NULL`)).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM background_jobs WHERE created_at < $1::timestamptz - interval '8 days'`, [NOW])).toBe(0);
  });

  it('has error logs over the last 7 days at every level and several sources', async () => {
    const levels = await pool.query<{ level: string }>('SELECT DISTINCT level FROM error_logs ORDER BY 1');
    expect(levels.rows.map((r) => r.level)).toEqual(['critical', 'debug', 'error', 'info', 'warning']);
    expect(await count('SELECT count(DISTINCT source) AS n FROM error_logs')).toBeGreaterThanOrEqual(5);
    expect(await count(`SELECT count(*) AS n FROM error_logs WHERE occurred_at < $1::timestamptz - interval '7 days' OR occurred_at > $1`, [NOW])).toBe(0);
  });

  it('has filings (some late, some missing), and ATPs/certificates expired or expiring within 30 days', async () => {
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE kind = 'filing'`)).toBeGreaterThan(200);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE kind = 'filing' AND notes LIKE 'Filed after%'`)).toBeGreaterThan(0);
    // ACME-CDO has employees, so it owes a 1601-C for June 2025 (due 10 July) and May 2025 (due 10 June): May is missing.
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE agency_code = 'ACME-CDO' AND form_code = '1601-C' AND period_start = '2025-05-01'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE kind = 'atp' AND expires_on < '2025-07-08'`)).toBeGreaterThan(0);
    expect(
      await count(`SELECT count(*) AS n FROM compliance_tracking WHERE kind IN ('atp','certificate') AND expires_on BETWEEN '2025-07-08' AND '2025-08-07'`),
    ).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE kind = 'registration'`)).toBe(8);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE kind IN ('filing', 'certificate') AND filed_at > $1`, [NOW])).toBe(0);
  });

  it('seeds filings and certificates exactly for the obligations the BIR calendar computes', async () => {
    const { rows } = await pool.query<{ agency_code: string; kind: string; form_code: string; period_start: string; period_end: string; filed_at: Date; notes: string | null }>(
      `SELECT agency_code, kind, form_code, to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end, filed_at, notes
       FROM compliance_tracking WHERE kind IN ('filing', 'certificate') AND period_start IS NOT NULL ORDER BY id`,
    );
    const statuses = new Map<string, number>();
    for (const agency of REFERENCE_AGENCIES) {
      const obligations = seededObligations(agency, '2025-07-08');
      const mine = rows.filter((r) => r.agency_code === agency.code);
      // Every row is one obligation of the calendar, recorded with the calendar's kind and period.
      for (const row of mine) {
        const resolved = resolveObligation(agencyTaxEntity(agency), row.form_code, `${row.period_start}..${row.period_end}`);
        if (!resolved.ok) throw new Error(`${agency.code} ${row.form_code} ${row.period_start}: ${resolved.message}`);
        expect(resolved.obligation).toMatchObject({ periodStart: row.period_start, periodEnd: row.period_end });
        expect(row.kind).toBe(resolved.rule.trackingKind);
        expect(obligations).toContainEqual(resolved.obligation);
      }
      expect(new Set(mine.map((r) => `${r.form_code}|${r.period_start}`)).size).toBe(mine.length);
      for (const obligation of obligations) {
        const row = mine.find((r) => r.form_code === obligation.formCode && r.period_start === obligation.periodStart);
        const { status } = obligationStatus(obligation, row ? { filedAt: row.filed_at } : undefined, '2025-07-08');
        // On time means filed by the end of the computed due date in Manila; late rows say so.
        if (row) expect(status === 'filed_late').toBe(/after the deadline/.test(row.notes ?? ''));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      // Each applicable form, once past due, has been filed at least once in the year.
      const pastDueForms = new Set(obligations.filter((o) => o.dueDate < '2025-07-08').map((o) => o.formCode));
      expect(new Set(mine.map((r) => r.form_code))).toEqual(pastDueForms);
    }
    const filed = statuses.get('filed') ?? 0;
    const late = statuses.get('filed_late') ?? 0;
    const missing = statuses.get('overdue') ?? 0;
    // Mostly on time; a realistic few late and a few never filed.
    expect(late).toBeGreaterThan(0);
    expect(missing).toBeGreaterThan(0);
    expect(filed).toBeGreaterThan(5 * (late + missing));
    expect(late).toBeLessThan(filed / 5);
    expect(missing).toBeLessThan(filed / 10);
  });

  it('seeds no filing of a form that does not apply to the agency, and covers the annual returns and SLSP', async () => {
    for (const agency of REFERENCE_AGENCIES) {
      const forms = (await pool.query<{ form_code: string }>(`SELECT DISTINCT form_code FROM compliance_tracking WHERE agency_code = $1 AND period_start IS NOT NULL`, [agency.code])).rows.map((r) => r.form_code);
      for (const rule of BIR_RULES) {
        if (!ruleApplies(rule, agencyTaxEntity(agency)).applies) expect(forms).not.toContain(rule.formCode);
      }
      expect(forms).toEqual(expect.arrayContaining(['1702-RT', '1604-E', '1702Q', '1601-EQ', '0619-E', '2307']));
      if (agency.vatRegistered) expect(forms).toEqual(expect.arrayContaining(['2550Q', 'SLSP']));
      else expect(forms).toContain('2551Q');
      if (agency.hasEmployees) expect(forms).toEqual(expect.arrayContaining(['1601-C', '1604-C', '2316']));
    }
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE agency_code = 'ACME-ILO' AND form_code IN ('1601-C', '1604-C', '2316')`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE agency_code IN ('ACME-BCD', 'ACME-CDO') AND form_code IN ('2550Q', 'SLSP')`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE form_code IN ('0619-F', '1601-FQ', '1604-F', '2550M', '0605')`)).toBe(0);
    // 2307 and 2316 are certificates issued by the agency, not returns.
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE form_code IN ('2307', '2316') AND kind <> 'certificate'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM compliance_tracking WHERE form_code = '2307' AND reference NOT LIKE '2307 issued to % payees'`)).toBe(0);
  });

  it('uses the eFPS group and the weekend/holiday roll-forward for the deadlines', async () => {
    const mnl = REFERENCE_AGENCIES.find((a) => a.code === 'ACME-MNL')!;
    const cdo = REFERENCE_AGENCIES.find((a) => a.code === 'ACME-CDO')!;
    // eFPS group A: May 2025 1601-C due 15 June (a Sunday), rolled to Monday 16 June.
    expect(seededObligations(mnl, '2025-07-08').find((o) => o.formCode === '1601-C' && o.periodStart === '2025-05-01')).toMatchObject({ dueDate: '2025-06-16', rawDueDate: '2025-06-15', efpsApplied: 'A' });
    // eBIRForms: 1702Q for Q1 2025 due 30 May (a Friday); 1702-RT for 2024 due 15 April 2025.
    expect(seededObligations(cdo, '2025-07-08').find((o) => o.formCode === '1702Q' && o.periodStart === '2025-01-01')?.dueDate).toBe('2025-05-30');
    expect(seededObligations(cdo, '2025-07-08').find((o) => o.formCode === '1702-RT' && o.periodStart === '2024-01-01')?.dueDate).toBe('2025-04-15');
    // A declared non-working day moves deadlines, and the seed follows the calendar it is given.
    const calendar = new HolidayCalendar([{ date: '2025-06-16', name: 'Test holiday', kind: 'special_non_working' }]);
    const obligations = seededObligations(mnl, '2025-07-08', calendar);
    expect(obligations.find((o) => o.formCode === '1601-C' && o.periodStart === '2025-05-01')?.dueDate).toBe('2025-06-17');
    const rows = buildSeedData(NOW, [mnl], { calendar }).complianceTracking.filter((r) => r['kind'] === 'filing' && r['period_start'] !== null);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const obligation = obligations.find((o) => o.formCode === row['form_code'] && o.periodStart === row['period_start']);
      expect(obligation).toBeDefined();
      const { status } = obligationStatus(obligation!, { filedAt: row['filed_at'] as string }, '2025-07-08');
      expect(status).toBe(typeof row['notes'] === 'string' && row['notes'].startsWith('Filed after') ? 'filed_late' : 'filed');
    }
  });

  it('has 60 days of KPIs per agency ending today', async () => {
    const range = await pool.query<{ first: string; last: string }>(
      `SELECT to_char(min(metric_date), 'YYYY-MM-DD') AS first, to_char(max(metric_date), 'YYYY-MM-DD') AS last FROM agency_metrics`,
    );
    expect(range.rows[0]).toEqual({ first: '2025-05-10', last: '2025-07-08' });
    expect(await count(`SELECT count(*) AS n FROM agency_metrics WHERE metric = 'close_progress_pct' AND (value < 0 OR value > 100)`)).toBe(0);
  });

  it('is deterministic for the same now and differs only by dates for another now', () => {
    expect(buildSeedData(NOW, REFERENCE_AGENCIES)).toEqual(buildSeedData(NOW, REFERENCE_AGENCIES));
    const later = buildSeedData(new Date('2025-12-31T16:30:00Z'), REFERENCE_AGENCIES); // 1 Jan 2026 in Manila
    expect(later.agencies).toEqual(buildSeedData(NOW, REFERENCE_AGENCIES).agencies);
    expect(later.monthEndTasks.map((r) => r['period'])).toContain('2026-01-01');
  });

  it('seeds a separate schema with a custom agency list', async () => {
    const one = REFERENCE_AGENCIES.slice(0, 1);
    const summary = await seedOps(pool, { schema: 'ops_other', now: NOW, agencies: one });
    expect(summary.agencies).toBe(1);
    expect(await count('SELECT count(*) AS n FROM ops_other.agency_metrics')).toBe(SEED_METRIC_DAYS * SEED_METRICS.length);
    expect(await count('SELECT count(*) AS n FROM public.agencies')).toBe(8);
  });
});
