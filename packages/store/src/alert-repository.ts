import { storableText } from './audit-repository.js';
import type { Queryable } from './queryable.js';
import type { AlertRecord, AlertRepository, AlertStatus, RaisedAlert } from './store-types.js';

interface AlertRow {
  id: string;
  dedupe_key: string;
  check_name: string;
  service: string;
  tool: string;
  severity: string;
  message: string;
  status: AlertStatus;
  count: number;
  details: Record<string, unknown> | null;
  opened_at: Date;
  last_seen_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
}

const COLUMNS =
  'id::text AS id, dedupe_key, check_name, service, tool, severity, message, status, count, details, opened_at, last_seen_at, acknowledged_at, acknowledged_by, resolved_at';

/** The most item keys a check remembers between runs: bounds the row whatever a tool returns. */
export const MAX_SEEN_ITEMS = 5_000;

/**
 * Alerts in `<schema>.alerts` and check memory in `<schema>.check_state`. Every transition is one
 * statement guarded by the alert's status, so replicas (or a check run racing an acknowledgement)
 * settle in the database: at most one unresolved alert per key, and each transition happens once.
 */
export class SqlAlertRepository implements AlertRepository {
  private readonly table: string;
  private readonly stateTable: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.table = `"${schema}".alerts`;
    this.stateTable = `"${schema}".check_state`;
  }

  async raise(alert: RaisedAlert): Promise<{ alert: AlertRecord; opened: boolean }> {
    const details = alert.details === null ? null : JSON.stringify(alert.details, storableText);
    const result = await this.db.query<AlertRow & { inserted: boolean }>(
      `INSERT INTO ${this.table} AS a (dedupe_key, check_name, service, tool, severity, message, status, count, details, opened_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'open', 1, $7::jsonb, $8, $8)
       ON CONFLICT (dedupe_key) WHERE status <> 'resolved' DO UPDATE SET
         count = a.count + 1, last_seen_at = EXCLUDED.last_seen_at, message = EXCLUDED.message,
         severity = EXCLUDED.severity, details = EXCLUDED.details
       RETURNING ${COLUMNS}, (a.xmax = 0) AS inserted`,
      [alert.dedupeKey, alert.check, alert.service, alert.tool, alert.severity, storableText('', alert.message), details, alert.at],
    );
    const row = result.rows[0]!;
    return { alert: toRecord(row), opened: row.inserted };
  }

  async resolve(dedupeKey: string, at: Date): Promise<AlertRecord | undefined> {
    const result = await this.db.query<AlertRow>(
      `UPDATE ${this.table} SET status = 'resolved', resolved_at = $2 WHERE dedupe_key = $1 AND status <> 'resolved' RETURNING ${COLUMNS}`,
      [dedupeKey, at],
    );
    return result.rows[0] ? toRecord(result.rows[0]) : undefined;
  }

  async acknowledge(id: string, by: string, at: Date): Promise<{ alert: AlertRecord; changed: boolean } | undefined> {
    const result = await this.db.query<AlertRow>(
      `UPDATE ${this.table} SET status = 'acknowledged', acknowledged_at = $3, acknowledged_by = $2 WHERE id = $1::bigint AND status = 'open' RETURNING ${COLUMNS}`,
      [id, storableText('', by), at],
    );
    if (result.rows[0]) return { alert: toRecord(result.rows[0]), changed: true };
    const current = await this.get(id);
    return current ? { alert: current, changed: false } : undefined;
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const result = await this.db.query<AlertRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1::bigint`, [id]);
    return result.rows[0] ? toRecord(result.rows[0]) : undefined;
  }

  async list(query: { status?: AlertStatus; limit: number; before?: string }): Promise<AlertRecord[]> {
    const result = await this.db.query<AlertRow>(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR id < $2::bigint)
       ORDER BY id DESC LIMIT $3`,
      [query.status ?? null, query.before ?? null, query.limit],
    );
    return result.rows.map(toRecord);
  }

  async countOpen(): Promise<{ check: string; count: number }[]> {
    const result = await this.db.query<{ check_name: string; n: number }>(
      `SELECT check_name, count(*)::int AS n FROM ${this.table} WHERE status = 'open' GROUP BY check_name ORDER BY check_name`,
    );
    return result.rows.map((r) => ({ check: r.check_name, count: r.n }));
  }

  async seenItems(check: string): Promise<string[] | undefined> {
    const result = await this.db.query<{ seen: string[] }>(`SELECT seen FROM ${this.stateTable} WHERE check_name = $1`, [check]);
    return result.rows[0]?.seen;
  }

  async saveSeenItems(check: string, keys: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.stateTable} (check_name, seen, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (check_name) DO UPDATE SET seen = EXCLUDED.seen, updated_at = EXCLUDED.updated_at`,
      [check, JSON.stringify(keys.slice(0, MAX_SEEN_ITEMS), storableText)],
    );
  }
}

function toRecord(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    dedupeKey: row.dedupe_key,
    check: row.check_name,
    service: row.service,
    tool: row.tool,
    severity: row.severity,
    message: row.message,
    status: row.status,
    count: row.count,
    details: row.details,
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
  };
}
