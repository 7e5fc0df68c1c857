import { storableText } from './audit-repository.js';
import type { Queryable } from './queryable.js';
import { StoreError } from './store-error.js';
import type { JobHistoryQuery, JobHistoryRecord, JobRepository } from './store-types.js';

interface JobRow {
  id: string;
  service: string;
  tool: string;
  agent: string;
  status: string;
  attempts: number;
  error_name: string | null;
  error_message: string | null;
  submitted_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  result: unknown;
}

const COLUMNS = 'id, service, tool, agent, status, attempts, error_name, error_message, submitted_at, started_at, finished_at, duration_ms, result';

/** Largest page `list` returns. */
export const MAX_JOB_PAGE = 500;

/**
 * Async job history in `<schema>.jobs`. Writes are upserts of the whole row as the gateway sees it
 * (submit, start, finish may arrive from different processes in any order): a row never moves
 * back from a finished status to an earlier one, so a late "active" write cannot undo "completed".
 */
export class SqlJobRepository implements JobRepository {
  private readonly table: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.table = `"${schema}".jobs`;
  }

  async upsert(record: JobHistoryRecord): Promise<void> {
    await this.upsertMany([record]);
  }

  /**
   * Several rows in one statement (at most one per job id: merge first). The same rules as
   * `upsert`, so a batch may mix new jobs and updates.
   */
  async upsertMany(records: readonly JobHistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((record) => ({
      id: record.id,
      service: record.service,
      tool: record.tool,
      agent: record.agent,
      status: record.status,
      attempts: record.attempts,
      error_name: record.errorName,
      error_message: record.errorMessage === null ? null : record.errorMessage.slice(0, 2_000),
      submitted_at: record.submittedAt,
      started_at: record.startedAt,
      finished_at: record.finishedAt,
      duration_ms: record.durationMs,
      result: record.result === null || record.result === undefined ? null : record.result,
    }));
    await this.db.query(
      `INSERT INTO ${this.table} AS j (${COLUMNS})
       SELECT r.id, r.service, r.tool, r.agent, r.status, r.attempts, r.error_name, r.error_message, r.submitted_at,
              r.started_at, r.finished_at, r.duration_ms, r.result
       FROM json_to_recordset($1::json) AS r(id text, service text, tool text, agent text, status text, attempts integer,
            error_name text, error_message text, submitted_at timestamptz, started_at timestamptz, finished_at timestamptz,
            duration_ms double precision, result jsonb)
       ON CONFLICT (id) DO UPDATE SET
         status = EXCLUDED.status,
         attempts = GREATEST(j.attempts, EXCLUDED.attempts),
         error_name = EXCLUDED.error_name,
         error_message = EXCLUDED.error_message,
         started_at = COALESCE(EXCLUDED.started_at, j.started_at),
         finished_at = EXCLUDED.finished_at,
         duration_ms = EXCLUDED.duration_ms,
         result = EXCLUDED.result
       WHERE j.status IN ('queued', 'active') OR EXCLUDED.status NOT IN ('queued', 'active')
          OR EXCLUDED.attempts > j.attempts`,
      [JSON.stringify(rows, storableText)],
    );
  }

  async get(id: string): Promise<JobHistoryRecord | undefined> {
    const result = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async list(q: JobHistoryQuery): Promise<{ rows: JobHistoryRecord[]; nextCursor: string | null }> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_JOB_PAGE) {
      throw new StoreError('invalid', `job page size must be an integer from 1 to ${MAX_JOB_PAGE}, got ${q.limit}`);
    }
    // The cursor is the last row's (submitted_at, id): newest first, stable under concurrent inserts.
    let before: { at: Date; id: string } | undefined;
    if (q.before !== undefined) {
      const sep = q.before.indexOf('|');
      const at = new Date(Number(q.before.slice(0, sep)));
      if (sep < 1 || Number.isNaN(at.getTime())) throw new StoreError('invalid', 'invalid job cursor: pass nextCursor from the previous page');
      before = { at, id: q.before.slice(sep + 1) };
    }
    const result = await this.db.query<JobRow>(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE ($1::text IS NULL OR agent = $1) AND ($2::text IS NULL OR service = $2) AND ($3::text IS NULL OR status = $3)
         AND ($4::timestamptz IS NULL OR (submitted_at, id) < ($4::timestamptz, $5::text))
       ORDER BY submitted_at DESC, id DESC LIMIT $6`,
      [q.agent ?? null, q.service ?? null, q.status ?? null, before?.at ?? null, before?.id ?? null, q.limit + 1],
    );
    const rows = result.rows.slice(0, q.limit).map(toRecord);
    const last = rows.at(-1);
    const nextCursor = result.rows.length > q.limit && last ? `${last.submittedAt.getTime()}|${last.id}` : null;
    return { rows, nextCursor };
  }
}

function toRecord(row: JobRow): JobHistoryRecord {
  return {
    id: row.id,
    service: row.service,
    tool: row.tool,
    agent: row.agent,
    status: row.status as JobHistoryRecord['status'],
    attempts: row.attempts,
    errorName: row.error_name,
    errorMessage: row.error_message,
    submittedAt: row.submitted_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    result: row.result ?? null,
  };
}
