import pg from 'pg';
import type { PoolStats } from '@mcpgw/protocol';
import { agencyTaxEntity, type Agency } from '@mcpgw/ops-schema';
import { ToolError, runSqlTransaction, type HealthCheck, type Logger } from '@mcpgw/worker-kit';
import type { BirConfig } from './config.js';
import { toToolError } from './pg-errors.js';

/** A row of `agencies` (the ops schema's own type). */
export type AgencyRow = Agency;

/** A row of `compliance_tracking`. */
export interface TrackingRow {
  id: number;
  agencyCode: string;
  kind: 'filing' | 'atp' | 'certificate' | 'registration';
  formCode: string;
  periodStart: string | null;
  periodEnd: string | null;
  filedAt: Date | null;
  reference: string | null;
  amount: number | null;
  expiresOn: string | null;
  notes: string | null;
}

/** What record_bir_filing inserts. */
export interface NewFiling {
  agencyCode: string;
  kind: 'filing' | 'certificate';
  formCode: string;
  periodStart: string;
  periodEnd: string;
  filedAt: string;
  reference: string | null;
  amount: number | null;
  notes: string | null;
}

/** Dates stay `YYYY-MM-DD` text (pg would make local-midnight Dates of them: a time-zone bug). */
const DATE_OID = 1082;
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID ? (value: string) => value : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Extra time past statement_timeout before the worker stops waiting for the database. */
const DEADLINE_GRACE_MS = 2_000;

const TRACKING_COLUMNS = 'id, agency_code, kind, form_code, period_start, period_end, filed_at, reference, amount, expires_on, notes';

/**
 * The ops tables the worker reads (`agencies`, `compliance_tracking`) and the one write
 * (`record_bir_filing`). Every statement runs in a transaction with `statement_timeout`; reads are
 * read-only transactions.
 */
export class OpsStore {
  private readonly pool: pg.Pool;
  private readonly s: string;

  constructor(
    private readonly config: BirConfig,
    private readonly log: Logger,
  ) {
    this.s = `"${config.schema}"`;
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolMax,
      connectionTimeoutMillis: config.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'mcp-gateway-bir',
      types: typeParsers,
    });
    // An idle connection dropped by the server must not crash the worker.
    this.pool.on('error', (error) => this.log.warn({ err: { message: error.message } }, 'idle compliance database connection failed'));
  }

  /** Agencies by code (all when `codes` is undefined), ordered by code. */
  async agencies(signal: AbortSignal, code?: string): Promise<AgencyRow[]> {
    const result = await this.run(signal, true, (c) =>
      c.query(
        `SELECT code, name, tin, branch_code, efps_group, vat_registered, has_employees, taxpayer_class, fiscal_year_end_month
         FROM ${this.s}.agencies WHERE $1::text IS NULL OR code = $1 ORDER BY code`,
        [code ?? null],
      ),
    );
    return result.rows.map((r) => ({
      code: r.code,
      name: r.name,
      tin: r.tin,
      branchCode: r.branch_code,
      efpsGroup: r.efps_group,
      vatRegistered: r.vat_registered,
      hasEmployees: r.has_employees,
      taxpayerClass: r.taxpayer_class,
      fiscalYearEndMonth: r.fiscal_year_end_month,
    }));
  }

  /** Filings and certificates of these agencies whose period ends in [from, to]. */
  async filings(signal: AbortSignal, agencyCodes: string[], from: string, to: string): Promise<TrackingRow[]> {
    const result = await this.run(signal, true, (c) =>
      c.query(
        `SELECT ${TRACKING_COLUMNS} FROM ${this.s}.compliance_tracking
         WHERE kind IN ('filing', 'certificate') AND agency_code = ANY($1::text[]) AND period_end BETWEEN $2::date AND $3::date
         ORDER BY id`,
        [agencyCodes, from, to],
      ),
    );
    return result.rows.map(trackingRow);
  }

  /** ATPs, registrations and certificates with an expiry date, of these agencies. */
  async documents(signal: AbortSignal, agencyCodes: string[]): Promise<TrackingRow[]> {
    const result = await this.run(signal, true, (c) =>
      c.query(
        `SELECT ${TRACKING_COLUMNS} FROM ${this.s}.compliance_tracking
         WHERE agency_code = ANY($1::text[]) AND (kind IN ('atp', 'registration') OR (kind = 'certificate' AND expires_on IS NOT NULL))
         ORDER BY expires_on NULLS LAST, agency_code, form_code`,
        [agencyCodes],
      ),
    );
    return result.rows.map(trackingRow);
  }

  /**
   * Inserts one filing unless the agency already has one for that form and period (checked under
   * a transaction-scoped advisory lock on the key, so concurrent calls cannot both insert).
   * Returns the new row, or the existing one as `duplicate`.
   */
  async insertFiling(signal: AbortSignal, filing: NewFiling): Promise<{ inserted: TrackingRow } | { duplicate: TrackingRow }> {
    return this.run(signal, false, async (c) => {
      const key = `${filing.agencyCode}|${filing.formCode}|${filing.periodStart}|${filing.periodEnd}`;
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('mcpgw-bir-filing'), hashtext($1))`, [key]);
      const existing = await c.query(
        `SELECT ${TRACKING_COLUMNS} FROM ${this.s}.compliance_tracking
         WHERE agency_code = $1 AND kind IN ('filing', 'certificate')
           AND upper(regexp_replace(form_code, '[^A-Za-z0-9]', '', 'g')) = upper(regexp_replace($2, '[^A-Za-z0-9]', '', 'g'))
           AND period_start = $3::date AND period_end = $4::date
         LIMIT 1`,
        [filing.agencyCode, filing.formCode, filing.periodStart, filing.periodEnd],
      );
      if (existing.rows[0]) return { duplicate: trackingRow(existing.rows[0]) };
      const inserted = await c.query(
        `INSERT INTO ${this.s}.compliance_tracking (agency_code, kind, form_code, period_start, period_end, filed_at, reference, amount, notes)
         VALUES ($1, $2, $3, $4::date, $5::date, $6::timestamptz, $7, $8, $9)
         RETURNING ${TRACKING_COLUMNS}`,
        [filing.agencyCode, filing.kind, filing.formCode, filing.periodStart, filing.periodEnd, filing.filedAt, filing.reference, filing.amount, filing.notes],
      );
      return { inserted: trackingRow(inserted.rows[0]) };
    });
  }

  /** Reachable, and the two tables exist in the schema. */
  async health(signal: AbortSignal): Promise<HealthCheck> {
    try {
      const result = await this.run(signal, true, (c) =>
        c.query<{ agencies: string | null; tracking: string | null }>(
          `SELECT to_regclass($1) AS agencies, to_regclass($2) AS tracking`,
          [`${this.s}.agencies`, `${this.s}.compliance_tracking`],
        ),
      );
      const row = result.rows[0];
      const missing = [row?.agencies ? undefined : 'agencies', row?.tracking ? undefined : 'compliance_tracking'].filter(Boolean);
      if (missing.length > 0) {
        return {
          status: 'down',
          reason: `table ${missing.join(' and ')} not found in schema "${this.config.schema}"; apply the @mcpgw/ops-schema migrations`,
          pools: this.poolStats(),
        };
      }
      return { status: 'ok', pools: this.poolStats() };
    } catch (error) {
      return { status: 'down', reason: error instanceof ToolError ? error.message : 'compliance database unreachable', pools: this.poolStats() };
    }
  }

  poolStats(): PoolStats[] {
    return [{ name: 'compliance', size: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount }];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Runs `work` inside a transaction (read-only for reads) with `statement_timeout`; commits a
   * write, rolls back a read. Cancelling `signal` or passing the deadline discards the connection.
   */
  private run<T>(signal: AbortSignal, readOnly: boolean, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const timeoutMs = this.config.queryTimeoutMs;
    return runSqlTransaction(
      this.pool,
      {
        timeoutMs,
        graceMs: DEADLINE_GRACE_MS,
        readOnly,
        signal,
        errors: {
          cancelled: () => new ToolError('failed', 'the call was cancelled'),
          timedOut: () => new ToolError('upstream_timeout', `the compliance database did not answer within ${timeoutMs} ms (BIR_QUERY_TIMEOUT_MS)`),
          failed: (error) => toToolError(error, this.config.schema, timeoutMs),
        },
      },
      work,
    );
  }

}

function trackingRow(r: Record<string, unknown>): TrackingRow {
  return {
    id: Number(r['id']),
    agencyCode: r['agency_code'] as string,
    kind: r['kind'] as TrackingRow['kind'],
    formCode: r['form_code'] as string,
    periodStart: (r['period_start'] as string | null) ?? null,
    periodEnd: (r['period_end'] as string | null) ?? null,
    filedAt: (r['filed_at'] as Date | null) ?? null,
    reference: (r['reference'] as string | null) ?? null,
    amount: r['amount'] === null || r['amount'] === undefined ? null : Number(r['amount']),
    expiresOn: (r['expires_on'] as string | null) ?? null,
    notes: (r['notes'] as string | null) ?? null,
  };
}

/** The calendar's view of an agency (the same mapping the sample data is seeded with). */
export const taxEntity = agencyTaxEntity;
