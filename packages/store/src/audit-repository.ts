import type { Queryable } from './queryable.js';
import type { AuditOutcome, AuditQuery, AuditRepository, AuditRow, AuthMethod, StoredAuditRow } from './store-types.js';
import { StoreError } from './store-error.js';

interface AuditLogRow {
  id: string;
  at: Date;
  request_id: string;
  agent: string | null;
  auth_method: string;
  service: string | null;
  tool: string | null;
  outcome: string;
  error_code: number | null;
  error_name: string | null;
  duration_ms: number;
  peer: string | null;
  endpoint: string;
}

/** The largest page `query` returns. */
export const MAX_AUDIT_PAGE = 1000;

const COLUMNS = 'at, request_id, agent, auth_method, service, tool, outcome, error_code, error_name, duration_ms, peer, endpoint';

/** The append-only audit log in `<schema>.audit_log`. */
export class SqlAuditRepository implements AuditRepository {
  private readonly table: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.table = `"${schema}".audit_log`;
  }

  async append(rows: AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement whatever the batch size. The rows travel as one JSON document (one native
    // JSON.stringify) rather than twelve arrays pg would escape element by element in JavaScript.
    await this.db.query(
      `INSERT INTO ${this.table} (${COLUMNS})
       SELECT r.at, r."requestId", r.agent, r."authMethod", r.service, r.tool, r.outcome, r."errorCode", r."errorName", r."durationMs", r.peer, r.endpoint
       FROM json_to_recordset($1::json) AS r(at timestamptz, "requestId" text, agent text, "authMethod" text, service text, tool text, outcome text,
                                              "errorCode" integer, "errorName" text, "durationMs" double precision, peer text, endpoint text)`,
      [JSON.stringify(rows, storableText)],
    );
  }

  async query(q: AuditQuery): Promise<{ rows: StoredAuditRow[]; nextCursor: string | null }> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_AUDIT_PAGE) {
      throw new StoreError('invalid', `audit page size must be an integer from 1 to ${MAX_AUDIT_PAGE}, got ${q.limit}`);
    }
    if (q.before !== undefined && !/^[0-9]{1,19}$/.test(q.before)) {
      throw new StoreError('invalid', `invalid audit cursor ${JSON.stringify(q.before.slice(0, 40))}`);
    }
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown): void => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (q.agent !== undefined) add((p) => `agent = ${p}`, q.agent);
    if (q.service !== undefined) add((p) => `service = ${p}`, q.service);
    if (q.outcome !== undefined) add((p) => `outcome = ${p}`, q.outcome);
    if (q.since !== undefined) add((p) => `at >= ${p}::timestamptz`, q.since);
    if (q.before !== undefined) add((p) => `id < ${p}::bigint`, q.before);
    // One row more than asked says whether another page exists.
    params.push(q.limit + 1);
    const result = await this.db.query<AuditLogRow>(
      `SELECT id, ${COLUMNS} FROM ${this.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const rows = result.rows.slice(0, q.limit).map(toStored);
    const nextCursor = result.rows.length > q.limit ? (rows[rows.length - 1]?.id ?? null) : null;
    return { rows, nextCursor };
  }
}

/**
 * Strings as PostgreSQL text can hold them. Service and tool names come from callers; a NUL character
 * or a lone surrogate would make the whole batch fail again and again, so they are dropped or replaced.
 */
export function storableText(_key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

function toStored(row: AuditLogRow): StoredAuditRow {
  return {
    id: row.id,
    at: row.at,
    requestId: row.request_id,
    agent: row.agent,
    authMethod: row.auth_method as AuthMethod,
    service: row.service,
    tool: row.tool,
    outcome: row.outcome as AuditOutcome,
    errorCode: row.error_code,
    errorName: row.error_name,
    durationMs: row.duration_ms,
    peer: row.peer,
    endpoint: row.endpoint,
  };
}
