import { createHash } from 'node:crypto';
import type pg from 'pg';
import { obligationsFor, type HolidayCalendar, type Obligation, type TaxEntity } from '@mcpgw/bir-calendar';
import { addDays, daysBetween, isoDate, manilaDate, manilaInstant, monthStart } from './civil-date.js';
import { migrateOps } from './migrate-ops.js';
import { validateOpsSchemaName } from './ops-migrations.js';
import { REFERENCE_AGENCIES, type Agency } from './reference-agencies.js';
import { SeedRandom } from './seed-random.js';

/** Options of {@link seedOps}. */
export interface SeedOpsOptions {
  /** Schema of the tables; default `public`. */
  schema?: string;
  /** The reference instant every seeded date is relative to; default the current time. */
  now?: Date;
  /** Business units to load; default {@link REFERENCE_AGENCIES}. */
  agencies?: readonly Agency[];
  /** Non-working days the filing deadlines roll forward over; default the calendar's computed regular holidays. */
  calendar?: HolidayCalendar;
}

/** Rows loaded per table by {@link seedOps}. */
export interface SeedSummary {
  /** The Philippine calendar date (`YYYY-MM-DD`) the data is relative to. */
  today: string;
  agencies: number;
  monthEndTasks: number;
  backgroundJobs: number;
  errorLogs: number;
  complianceTracking: number;
  agencyMetrics: number;
}

type Row = Record<string, unknown>;

/** Fixed PRNG seed: the sample data differs only by `now` and the agency list. */
const SEED = 0x5eed_0b5;

/**
 * Loads realistic, deterministic sample data for the reference deployment: month-end tasks for the
 * previous and current month, a week of background jobs and error logs, a year of BIR filings and
 * issued 2307/2316 certificates (the obligations `@mcpgw/bir-calendar` computes for each agency:
 * most on time, a few late, a few missing), ATPs, TCCs and registrations (some expired, some
 * expiring soon), and 60 days of KPIs per agency. Dates are relative to `now`
 * (Philippine calendar). Applies the migrations first. Idempotent by truncate-and-reload: the six
 * tables are emptied (identities restarted) and reloaded in one transaction, so re-running gives
 * the same rows and never duplicates — and also drops rows written since (e.g. recorded filings).
 */
export async function seedOps(pool: pg.Pool, options: SeedOpsOptions = {}): Promise<SeedSummary> {
  const schema = validateOpsSchemaName(options.schema ?? 'public');
  const now = options.now ?? new Date();
  const agencies = options.agencies ?? REFERENCE_AGENCIES;
  await migrateOps(pool, { schema });
  const data = buildSeedData(now, agencies, options.calendar ? { calendar: options.calendar } : {});
  const s = `"${schema}"`;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [seedLockKey(schema)]);
    await client.query(
      `TRUNCATE ${s}.agency_metrics, ${s}.compliance_tracking, ${s}.error_logs, ${s}.background_jobs, ${s}.month_end_tasks, ${s}.agencies RESTART IDENTITY`,
    );
    await insertRows(client, s, 'agencies', data.agencies);
    await insertRows(client, s, 'month_end_tasks', data.monthEndTasks);
    await insertRows(client, s, 'background_jobs', data.backgroundJobs);
    await insertRows(client, s, 'error_logs', data.errorLogs);
    await insertRows(client, s, 'compliance_tracking', data.complianceTracking);
    await insertRows(client, s, 'agency_metrics', data.agencyMetrics);
    await client.query('COMMIT');
  } catch (error) {
    broken = !(await client.query('ROLLBACK').then(
      () => true,
      () => false,
    ));
    throw error;
  } finally {
    client.release(broken);
  }
  return {
    today: isoDate(manilaDate(now)),
    agencies: data.agencies.length,
    monthEndTasks: data.monthEndTasks.length,
    backgroundJobs: data.backgroundJobs.length,
    errorLogs: data.errorLogs.length,
    complianceTracking: data.complianceTracking.length,
    agencyMetrics: data.agencyMetrics.length,
  };
}

function seedLockKey(schema: string): string {
  return createHash('sha256').update(`mcpgw:ops-seed:${schema}`).digest().readBigInt64BE(0).toString();
}

/** One statement per table: the rows travel as one JSON parameter, typed by the table's row type. */
async function insertRows(client: pg.PoolClient, s: string, table: string, rows: Row[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first)
    .map((c) => `"${c}"`)
    .join(', ');
  await client.query(`INSERT INTO ${s}.${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${s}.${table}, $1::json)`, [
    JSON.stringify(rows),
  ]);
}

interface SeedData {
  agencies: Row[];
  monthEndTasks: Row[];
  backgroundJobs: Row[];
  errorLogs: Row[];
  complianceTracking: Row[];
  agencyMetrics: Row[];
}

/** Builds every row in memory (pure: same `now`, agencies and calendar → same rows). */
export function buildSeedData(now: Date, agencies: readonly Agency[], options: { calendar?: HolidayCalendar } = {}): SeedData {
  const rnd = new SeedRandom(SEED);
  const clamp = (d: Date): Date => (d.getTime() > now.getTime() ? new Date(now.getTime() - 60_000) : d);
  const ctx: SeedContext = { now, today: manilaDate(now), rnd, clamp, calendar: options.calendar };
  return {
    agencies: agencies.map((a) => ({
      code: a.code,
      name: a.name,
      tin: a.tin,
      branch_code: a.branchCode,
      efps_group: a.efpsGroup,
      vat_registered: a.vatRegistered,
      has_employees: a.hasEmployees,
      taxpayer_class: a.taxpayerClass,
      fiscal_year_end_month: a.fiscalYearEndMonth,
    })),
    monthEndTasks: monthEndTasks(ctx, agencies),
    backgroundJobs: backgroundJobs(ctx, agencies),
    errorLogs: errorLogs(ctx, agencies),
    complianceTracking: compliance(ctx, agencies),
    agencyMetrics: metrics(ctx, agencies),
  };
}

interface SeedContext {
  now: Date;
  /** Philippine calendar date of `now`. */
  today: Date;
  rnd: SeedRandom;
  /** Keeps a generated instant in the past. */
  clamp: (d: Date) => Date;
  /** Non-working days for the filing deadlines; undefined: the calendar's default. */
  calendar: HolidayCalendar | undefined;
}

const OWNERS = ['Maria Santos', 'Jose Reyes', 'Ana Cruz', 'Paolo Garcia', 'Liza Mendoza', 'Ramon Bautista', 'Carmela Villanueva', 'Enrico Ramos'];

interface ChecklistItem {
  task: string;
  category: string;
  /** Due date as days from the first day of the following month (−1 = last day of the period). */
  dueOffset: number;
  applies?: (a: Agency) => boolean;
}

const CHECKLIST: readonly ChecklistItem[] = [
  { task: 'AP invoice cut-off', category: 'payables', dueOffset: -1 },
  { task: 'AR cut-off and billing run', category: 'receivables', dueOffset: -1 },
  { task: 'Bank reconciliation (all accounts)', category: 'reconciliation', dueOffset: 3 },
  { task: 'Fixed asset depreciation run', category: 'fixed_assets', dueOffset: 4 },
  { task: 'Payroll accrual and 1601-C preparation', category: 'payroll', dueOffset: 5, applies: (a) => a.hasEmployees },
  { task: 'Accruals and prepayments review', category: 'accruals', dueOffset: 5 },
  { task: 'Intercompany reconciliation', category: 'intercompany', dueOffset: 6 },
  { task: 'Expanded withholding tax summary (0619-E / QAP)', category: 'tax', dueOffset: 7 },
  { task: 'Output/input VAT reconciliation (SLSP)', category: 'tax', dueOffset: 8, applies: (a) => a.vatRegistered },
  { task: 'Trial balance review and sign-off', category: 'reporting', dueOffset: 9 },
  { task: 'Management reporting pack', category: 'reporting', dueOffset: 12 },
];

const BLOCKED_REASONS = [
  'Waiting for BDO bank statement (online banking export failing)',
  'Intercompany balance mismatch with ACME-MNL: PHP 48,210.55 unexplained',
  'Missing supplier invoices for PO-2291 and PO-2304',
  'Odoo period lock pending controller approval',
  'Payroll register not yet received from HR',
  'Depreciation schedule disagrees with fixed-asset register (3 assets)',
];

function monthEndTasks(ctx: SeedContext, agencies: readonly Agency[]): Row[] {
  const { rnd, today, clamp, now } = ctx;
  const rows: Row[] = [];
  for (const [index, agency] of agencies.entries()) {
    let forced = index !== 1 && index !== 3;
    for (const monthsBack of [1, 0]) {
      const period = monthStart(today, -monthsBack);
      const nextMonth = monthStart(period, 1);
      const createdAt = clamp(manilaInstant(addDays(period, -3), 8));
      for (const item of CHECKLIST) {
        if (item.applies && !item.applies(agency)) continue;
        const due = addDays(nextMonth, item.dueOffset);
        const pastDue = due.getTime() < today.getTime();
        let status: string;
        // Two units always have something overdue, so the overdue views are never empty.
        if (pastDue && monthsBack === 1 && !forced) {
          forced = true;
          status = index === 1 ? 'blocked' : 'in_progress';
        } else if (pastDue) {
          const r = rnd.next();
          status = r < 0.75 ? 'done' : r < 0.87 ? 'in_progress' : 'blocked';
        } else {
          const r = rnd.next();
          status = r < 0.55 ? 'pending' : r < 0.85 ? 'in_progress' : r < 0.93 ? 'done' : 'blocked';
        }
        let completedAt: Date | null = null;
        if (status === 'done') {
          completedAt = pastDue
            ? manilaInstant(addDays(due, rnd.chance(0.15) ? rnd.int(1, 3) : -rnd.int(0, 2)), rnd.int(9, 18), rnd.int(0, 59))
            : new Date(now.getTime() - rnd.int(1, 48) * 3_600_000);
          completedAt = clamp(completedAt.getTime() < createdAt.getTime() ? new Date(createdAt.getTime() + 3_600_000) : completedAt);
        }
        const updatedAt = completedAt ?? clamp(new Date(Math.max(createdAt.getTime(), now.getTime() - rnd.int(1, 72) * 3_600_000)));
        rows.push({
          agency_code: agency.code,
          period: isoDate(period),
          task: item.task,
          category: item.category,
          owner: status === 'pending' && rnd.chance(0.2) ? null : rnd.pick(OWNERS),
          status,
          due_date: isoDate(due),
          completed_at: completedAt?.toISOString() ?? null,
          blocked_reason: status === 'blocked' ? rnd.pick(BLOCKED_REASONS) : null,
          created_at: createdAt.toISOString(),
          updated_at: updatedAt.toISOString(),
        });
      }
    }
  }
  return rows;
}

interface JobKind {
  type: string;
  errors: readonly string[];
  payload: (rnd: SeedRandom, period: string) => Row;
  applies?: (a: Agency) => boolean;
}

const AGENCY_JOBS: readonly JobKind[] = [
  {
    type: 'odoo_invoice_sync',
    errors: ['Odoo RPC timed out after 30s (account.move search_read, 5,000 records)', 'Odoo AccessError: You are not allowed to access Journal Entry (account.move) records'],
    payload: (rnd, period) => ({ model: 'account.move', period, batch_size: 500, since_id: rnd.int(10_000, 90_000) }),
  },
  {
    type: 'bank_statement_import',
    errors: ['BDO statement file rejected: checksum mismatch (CSV line 118)', 'Metrobank SFTP: connection reset by peer after 3 retries'],
    payload: (rnd) => ({ bank: rnd.pick(['BDO', 'BPI', 'Metrobank', 'Landbank']), account_suffix: String(rnd.int(1000, 9999)) }),
  },
  {
    type: 'bir_2307_generation',
    errors: ['Supplier TIN missing on 4 vendor bills; cannot generate 2307', 'PDF renderer exited with code 137 (out of memory)'],
    payload: (rnd, period) => ({ period, suppliers: rnd.int(12, 140) }),
  },
  {
    type: 'soa_email_dispatch',
    errors: ['SMTP 421 4.7.0 Try again later (rate limited by relay)', 'Invalid recipient address: ap@@client.example.ph'],
    payload: (rnd) => ({ customers: rnd.int(20, 300), template: 'soa-monthly-v3' }),
  },
  {
    type: 'payroll_export',
    errors: ['Payroll file from HRIS has 2 employees without TIN', 'Upload to bank payroll portal returned HTTP 503'],
    payload: (rnd, period) => ({ period, employees: rnd.int(15, 900), cutoff: rnd.pick(['15th', 'end-of-month']) }),
    applies: (a) => a.hasEmployees,
  },
  {
    type: 'slsp_export',
    errors: ['SLSP validation failed: 7 purchases without supplier TIN', 'RELIEF data entry module rejected file: invalid header'],
    payload: (_rnd, period) => ({ period, form: 'SLSP', quarter_end: period.endsWith('03') || period.endsWith('06') || period.endsWith('09') || period.endsWith('12') }),
    applies: (a) => a.vatRegistered,
  },
];

const GLOBAL_JOBS: readonly JobKind[] = [
  { type: 'fx_rate_refresh', errors: ['BSP reference-rate page changed layout; 0 rates parsed'], payload: () => ({ source: 'BSP', currencies: ['USD', 'EUR', 'JPY', 'SGD'] }) },
  { type: 'metrics_rollup', errors: ['canceling statement due to statement timeout (agency_metrics rollup)'], payload: (rnd) => ({ window_days: rnd.pick([1, 7]) }) },
  { type: 'supabase_backup_verify', errors: ['Restore test failed: pg_restore exited with code 1 (role "authenticator" does not exist)'], payload: () => ({ target: 'staging' }) },
];

function backgroundJobs(ctx: SeedContext, agencies: readonly Agency[]): Row[] {
  const { rnd, now, today, clamp } = ctx;
  const period = isoDate(monthStart(today, -1)).slice(0, 7);
  const rows: Row[] = [];
  const make = (agency: Agency | null, kind: JobKind, forceFailed: boolean): void => {
    const r = rnd.next();
    const status = forceFailed ? 'failed' : r < 0.72 ? 'succeeded' : r < 0.86 ? 'failed' : r < 0.91 ? 'running' : r < 0.96 ? 'queued' : 'cancelled';
    const maxAttempts = 5;
    let scheduled = new Date(now.getTime() - rnd.int(10, 7 * 24 * 60) * 60_000);
    let started: Date | null = new Date(scheduled.getTime() + rnd.int(0, 120) * 1000);
    let finished: Date | null = new Date(started.getTime() + rnd.int(5, 900) * 1000);
    let attempts = 1;
    let lastError: string | null = null;
    if (status === 'failed') {
      attempts = rnd.chance(0.7) ? maxAttempts : rnd.int(1, 2);
      lastError = rnd.pick(kind.errors);
      finished = new Date(finished.getTime() + attempts * 300_000);
    } else if (status === 'succeeded' && rnd.chance(0.15)) {
      attempts = 2;
    } else if (status === 'running') {
      scheduled = new Date(now.getTime() - rnd.int(2, 40) * 60_000);
      started = new Date(scheduled.getTime() + 5_000);
      finished = null;
    } else if (status === 'queued') {
      scheduled = new Date(now.getTime() + rnd.int(-10, 60) * 60_000);
      started = null;
      finished = null;
      attempts = 0;
    } else if (status === 'cancelled') {
      started = null;
      finished = new Date(scheduled.getTime() + rnd.int(1, 30) * 60_000);
      attempts = 0;
    }
    rows.push({
      agency_code: agency?.code ?? null,
      job_type: kind.type,
      status,
      attempts,
      max_attempts: maxAttempts,
      last_error: lastError,
      payload: kind.payload(rnd, period),
      scheduled_at: scheduled.toISOString(),
      started_at: started ? clamp(started).toISOString() : null,
      finished_at: finished ? clamp(finished).toISOString() : null,
      created_at: clamp(new Date(scheduled.getTime() - 60_000)).toISOString(),
    });
  };
  for (const [index, agency] of agencies.entries()) {
    const kinds = AGENCY_JOBS.filter((k) => !k.applies || k.applies(agency));
    for (let n = 0; n < 10; n += 1) make(agency, kinds[n % kinds.length] as JobKind, n === 0 && (index === 1 || index === 3));
  }
  for (let n = 0; n < 6; n += 1) make(null, GLOBAL_JOBS[n % GLOBAL_JOBS.length] as JobKind, n === 0);
  return rows;
}

const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;

interface LogSource {
  source: string;
  messages: Record<(typeof LEVELS)[number], readonly string[]>;
}

const LOG_SOURCES: readonly LogSource[] = [
  {
    source: 'odoo-sync',
    messages: {
      debug: ['Fetched 500 account.move records (page 3/9)'],
      info: ['Invoice sync finished: 1,248 records in 42s'],
      warning: ['Odoo responded slowly (8.2s) to search_read on account.move.line', 'Skipped 3 draft invoices without partner TIN'],
      error: ['Odoo RPC timed out after 30s (account.move search_read)', 'Odoo ValidationError: The journal entry is unbalanced'],
      critical: ['Odoo authentication failed for integration user (API key revoked?)'],
    },
  },
  {
    source: 'bank-import',
    messages: {
      debug: ['Parsed 312 statement lines'],
      info: ['Imported BPI statement for account ****4821'],
      warning: ['Duplicate statement line ignored (ref 20240611-0042)'],
      error: ['BDO statement file rejected: checksum mismatch', 'Metrobank SFTP connection reset by peer'],
      critical: ['Bank credentials expired for 2 accounts; imports halted'],
    },
  },
  {
    source: 'payroll',
    messages: {
      debug: ['Computed withholding tax for 212 employees'],
      info: ['Payroll export uploaded to bank portal'],
      warning: ['2 employees without TIN in payroll register'],
      error: ['Bank payroll portal returned HTTP 503'],
      critical: ['Payroll totals differ from HRIS by PHP 1,204,330.00; export blocked'],
    },
  },
  {
    source: 'bir-efps',
    messages: {
      debug: ['Prepared 1601-C XML for upload'],
      info: ['eFPS filing accepted; confirmation e-mail received'],
      warning: ['eFPS session expired; re-login required', 'eFPS portal slow to respond (15s)'],
      error: ['eFPS returned "System is currently unavailable" on 2550Q submission', 'Payment via LinkBiz failed: insufficient funds in settlement account'],
      critical: ['Filing deadline passed without confirmed submission (1601-C)'],
    },
  },
  {
    source: 'supabase-edge',
    messages: {
      debug: ['Function soa-render cold start 480ms'],
      info: ['Function soa-render deployed (version 14)'],
      warning: ['Function soa-render took 9.7s (limit 10s)'],
      error: ['Function soa-render: TypeError: Cannot read properties of undefined (reading "lines")'],
      critical: ['Function soa-render crashing on every request'],
    },
  },
  {
    source: 'scheduler',
    messages: {
      debug: ['Tick: 14 jobs due'],
      info: ['Queued month-end reminder e-mails for 8 agencies'],
      warning: ['Job queue depth 240 exceeds threshold 200'],
      error: ['Job bir_2307_generation exhausted 5 attempts'],
      critical: ['Scheduler lost its database connection; no jobs dispatched for 6 minutes'],
    },
  },
  {
    source: 'api',
    messages: {
      debug: ['GET /v1/agencies 200 12ms'],
      info: ['Client portal login from new device'],
      warning: ['Rate limit reached for client portal (120/min)'],
      error: ['POST /v1/uploads 500: upstream storage timeout'],
      critical: ['Unhandled exception in request pipeline; process restarted'],
    },
  },
];

function errorLogs(ctx: SeedContext, agencies: readonly Agency[]): Row[] {
  const { rnd, now } = ctx;
  const rows: Row[] = [];
  for (let n = 0; n < 140; n += 1) {
    const r = rnd.next();
    // The first five cover every level; the rest follow a production-like mix.
    const level = n < LEVELS.length ? LEVELS[n]! : r < 0.1 ? 'debug' : r < 0.38 ? 'info' : r < 0.68 ? 'warning' : r < 0.95 ? 'error' : 'critical';
    const source = n < LOG_SOURCES.length ? LOG_SOURCES[n]! : rnd.pick(LOG_SOURCES);
    const agency = rnd.chance(0.8) && agencies.length > 0 ? rnd.pick(agencies) : null;
    const occurred = new Date(now.getTime() - rnd.int(1, 7 * 24 * 60 - 1) * 60_000 - rnd.int(0, 59) * 1000);
    const severe = level === 'error' || level === 'critical';
    rows.push({
      occurred_at: occurred.toISOString(),
      level,
      source: source.source,
      agency_code: agency?.code ?? null,
      message: rnd.pick(source.messages[level]),
      context: { request_id: `req_${rnd.int(0x100000, 0xffffff).toString(16)}`, host: rnd.pick(['ops-worker-1', 'ops-worker-2', 'edge']), ...(agency ? { agency: agency.code } : {}) },
      trace: severe
        ? `Error: ${source.source} failure\n    at ${source.source.replace('-', '_')}.run (/srv/app/jobs/${source.source}.ts:${rnd.int(20, 400)}:${rnd.int(3, 40)})\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)`
        : null,
    });
  }
  return rows;
}

/** How far back the seeded filing history reaches, by due date. */
export const SEED_FILING_HISTORY_DAYS = 365;

/** The calendar's view of an agency: the same mapping the bir worker applies to an `agencies` row. */
export function agencyTaxEntity(agency: Agency): TaxEntity {
  return {
    vatRegistered: agency.vatRegistered,
    hasEmployees: agency.hasEmployees,
    efpsGroup: agency.efpsGroup,
    taxpayerClass: agency.taxpayerClass,
    fiscalYearEndMonth: agency.fiscalYearEndMonth,
  };
}

/**
 * The obligations whose filings are seeded for an agency: every obligation of the BIR calendar
 * whose due date is at most {@link SEED_FILING_HISTORY_DAYS} days before `today` and whose period
 * has ended by `today` (so returns not yet due may already be filed early).
 */
export function seededObligations(agency: Agency, today: string, calendar?: HolidayCalendar): Obligation[] {
  const day = civil(today);
  return obligationsFor(agencyTaxEntity(agency), {
    from: isoDate(addDays(day, -SEED_FILING_HISTORY_DAYS)),
    to: isoDate(addDays(day, 200)),
    ...(calendar ? { calendar } : {}),
  }).filter((o) => o.periodEnd < today);
}

/** A `YYYY-MM-DD` date as a civil date (00:00 UTC of that day). */
function civil(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

/** Amount range per form as fractions of the agency's scale; forms absent here carry no amount. */
const AMOUNT_FACTORS: Readonly<Record<string, readonly [number, number]>> = {
  '1601-C': [0.05, 0.15],
  '0619-E': [0.02, 0.06],
  '0619-F': [0.01, 0.03],
  '1601-EQ': [0.03, 0.08],
  '1601-FQ': [0.01, 0.04],
  '2550M': [0.05, 0.2],
  '2550Q': [0.2, 0.6],
  '2551Q': [0.03, 0.08],
  '1702Q': [0.2, 0.6],
  '1702-RT': [0.4, 1.2],
  '2307': [0.01, 0.05],
  '2316': [0.5, 1.5],
};

/** Share of past-due obligations never filed (monthly and quarterly ones only), and filed late. */
const MISSING_RATE = 0.03;
const LATE_RATE = 0.08;
/** Share of obligations not yet due that are already filed. */
const EARLY_RATE = 0.35;

const ATP_EXPIRY_DAYS = [180, -12, 14, 25, 400, -45, 90, 7];
const TCC_EXPIRY_DAYS = [300, 45, -5, 28, 150, 400, -90, 20];

function compliance(ctx: SeedContext, agencies: readonly Agency[]): Row[] {
  const { rnd, today, clamp, calendar } = ctx;
  const todayIso = isoDate(today);
  const rows: Row[] = [];
  const base = { kind: 'filing', filed_at: null, reference: null, amount: null, expires_on: null, notes: null };
  for (const [index, agency] of agencies.entries()) {
    const scale = { large: 2_000_000, medium: 600_000, small: 150_000, micro: 25_000 }[agency.taxpayerClass];
    const list = seededObligations(agency, todayIso, calendar);
    const pastDue = list.filter((o) => o.dueDate < todayIso && o.trackingKind === 'filing');
    // Fixed gaps so the compliance views always have a missing and a late filing to show.
    const forcedMissing = index === 6 ? (pastDue.filter((o) => o.formCode === '1601-C').at(-1) ?? pastDue.at(-1)) : undefined;
    const forcedLate = index === 5 ? pastDue.filter((o) => daysBetween(civil(o.dueDate), today) > 8).at(-1) : undefined;
    for (const o of list) {
      const due = civil(o.dueDate);
      const end = civil(o.periodEnd);
      const overdueDays = daysBetween(due, today);
      const r = rnd.next();
      let filedDay: Date | null = null;
      let late = false;
      if (o === forcedMissing) filedDay = null;
      else if (overdueDays >= 2 && (o === forcedLate || (r >= MISSING_RATE && r < MISSING_RATE + LATE_RATE))) {
        filedDay = addDays(due, rnd.int(1, Math.min(30, overdueDays - 1)));
        late = true;
      } else if (overdueDays > 0 && r < MISSING_RATE && o.frequency !== 'annual') filedDay = null;
      else if (overdueDays > 0) {
        // On time: on the due date or up to a few days before it, after the period ended.
        const room = end < due ? daysBetween(end, due) - 1 : 6;
        filedDay = addDays(due, -rnd.int(0, Math.max(0, Math.min(6, room))));
      } else if (r < EARLY_RATE && daysBetween(end, today) >= 2) {
        // Not yet due: some are filed early, always before today.
        filedDay = addDays(end, rnd.int(1, Math.min(daysBetween(end, today) - 1, 10)));
      }
      if (!filedDay) continue;
      const filedAt = clamp(manilaInstant(filedDay, rnd.int(9, 20), rnd.int(0, 59)));
      const factors = AMOUNT_FACTORS[o.formCode];
      rows.push({
        ...base,
        kind: o.trackingKind,
        agency_code: agency.code,
        form_code: o.formCode,
        period_start: o.periodStart,
        period_end: o.periodEnd,
        filed_at: filedAt.toISOString(),
        reference: filingReference(rnd, agency, o, filedDay),
        amount: factors ? rnd.float(scale * factors[0], scale * factors[1]) : null,
        notes: filingNotes(o, late),
      });
    }
    const cert = { ...base, agency_code: agency.code, filed_at: null, period_start: null, period_end: null };
    rows.push({
      ...cert,
      kind: 'registration',
      form_code: 'COR',
      reference: `OCN ${rnd.int(1_000_000_000, 9_999_999_999)} (BIR Form 2303)`,
      filed_at: manilaInstant(new Date(Date.UTC(2015 + (index % 6), index % 12, 10 + index)), 10).toISOString(),
      notes: `RDO ${rnd.pick(['047', '050', '081', '113A', '074', '077', '098', '001'])}; ${agency.vatRegistered ? 'VAT' : 'percentage tax'}`,
    });
    const atpDays = ATP_EXPIRY_DAYS[index % ATP_EXPIRY_DAYS.length] ?? 180;
    rows.push({
      ...cert,
      kind: 'atp',
      form_code: 'ATP',
      reference: `ATP ${rnd.int(10_000, 99_999)}${rnd.int(100_000_000, 999_999_999)}`,
      filed_at: clamp(manilaInstant(addDays(today, atpDays - 5 * 365), 10)).toISOString(),
      expires_on: isoDate(addDays(today, atpDays)),
      notes: `Sales invoices ${String(index * 50_000 + 1).padStart(6, '0')}-${String((index + 1) * 50_000).padStart(6, '0')}`,
    });
    const tccDays = TCC_EXPIRY_DAYS[index % TCC_EXPIRY_DAYS.length] ?? 300;
    rows.push({
      ...cert,
      kind: 'certificate',
      form_code: 'TCC',
      reference: `TCC-${today.getUTCFullYear()}-${rnd.int(10_000, 99_999)}`,
      filed_at: clamp(manilaInstant(addDays(today, tccDays - 365), 11)).toISOString(),
      expires_on: isoDate(addDays(today, tccDays)),
      notes: 'Tax clearance for government bidding (one-year validity)',
    });
  }
  return rows;
}

/** eFPS or eBIRForms confirmation numbers; SLSP goes by eSubmission; certificates say how many were issued. */
function filingReference(rnd: SeedRandom, agency: Agency, o: Obligation, filedDay: Date): string {
  if (o.formCode === '2307') return `2307 issued to ${rnd.int(12, 140)} payees`;
  if (o.formCode === '2316') return `2316 issued to ${rnd.int(15, 900)} employees`;
  if (o.formCode === 'SLSP') return `eSubmission ${isoDate(filedDay).replaceAll('-', '')}-${rnd.int(10_000, 99_999)}`;
  return agency.efpsGroup ? `eFPS-${isoDate(filedDay).replaceAll('-', '')}-${rnd.int(100000, 999999)}` : `eBIR-${rnd.int(1_000_000_000, 9_999_999_999)}`;
}

function filingNotes(o: Obligation, late: boolean): string | null {
  if (o.trackingKind === 'certificate') {
    const to = o.formCode === '2316' ? 'employees' : 'payees';
    return late ? `Issued to ${to} after the deadline` : null;
  }
  if (!late) return null;
  return o.penaltyBasis === 'tax' ? 'Filed after the deadline; penalty paid with the return' : 'Filed after the deadline; compromise penalty paid';
}

interface MetricDef {
  metric: string;
  unit: string;
}

/** The daily KPIs loaded per agency. */
export const SEED_METRICS: readonly MetricDef[] = [
  { metric: 'invoices_processed', unit: 'count' },
  { metric: 'ap_backlog', unit: 'count' },
  { metric: 'close_progress_pct', unit: 'percent' },
  { metric: 'dso_days', unit: 'days' },
];

/** Days of metrics loaded, ending today. */
export const SEED_METRIC_DAYS = 60;

function metrics(ctx: SeedContext, agencies: readonly Agency[]): Row[] {
  const { rnd, today } = ctx;
  const rows: Row[] = [];
  for (const [index, agency] of agencies.entries()) {
    const scale = { large: 1, medium: 0.5, small: 0.25, micro: 0.1 }[agency.taxpayerClass];
    let backlog = Math.round(120 * scale) + rnd.int(0, 20);
    let dso = 38 + index * 4 + rnd.float(0, 3);
    for (let back = SEED_METRIC_DAYS - 1; back >= 0; back -= 1) {
      const day = addDays(today, -back);
      const date = isoDate(day);
      const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
      const dom = day.getUTCDate();
      const invoices = Math.round((weekend ? 0.08 : 1) * 400 * scale * rnd.float(0.75, 1.25));
      backlog = Math.max(0, backlog + Math.round((dom >= 25 ? 6 : dom <= 5 ? -8 : rnd.int(-4, 4)) * scale * 2) + rnd.int(-2, 2));
      dso = Math.min(95, Math.max(25, dso + rnd.float(-0.8, 0.8)));
      // Closing the previous month runs over the first ~12 days; the lagging unit stalls.
      const cap = index === 1 ? 85 : 100;
      const progress = Math.min(cap, dom >= 13 ? 100 : Math.round((dom / 12) * 100 * rnd.float(0.85, 1.05)));
      const values = [invoices, backlog, progress, Math.round(dso * 10) / 10];
      SEED_METRICS.forEach((m, i) => rows.push({ agency_code: agency.code, metric_date: date, metric: m.metric, value: values[i], unit: m.unit }));
    }
  }
  return rows;
}
