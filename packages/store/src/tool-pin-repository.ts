import { storableText } from './audit-repository.js';
import type { Queryable } from './queryable.js';
import type { AnnouncedToolDefinition, ToolPinRecord, ToolPinRepository } from './store-types.js';

interface ToolPinRow {
  service: string;
  tool: string;
  hash: string;
  definition: Record<string, unknown>;
  pinned_at: Date;
  pending_hash: string | null;
  pending_definition: Record<string, unknown> | null;
  changed_at: Date | null;
}

const COLUMNS = 'service, tool, hash, definition, pinned_at, pending_hash, pending_definition, changed_at';

/**
 * Tool-definition pins in `<schema>.tool_pins`. Every method is one statement (observe: one write,
 * one read), so replicas racing on the same tool settle in the database: the first announcement
 * pins, a later different one becomes pending, never the other way round.
 */
export class SqlToolPinRepository implements ToolPinRepository {
  private readonly table: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.table = `"${schema}".tool_pins`;
  }

  async observe(service: string, tools: AnnouncedToolDefinition[]): Promise<{ records: ToolPinRecord[]; pinned: string[] }> {
    // One row per tool (the last announcement wins), or ON CONFLICT would touch a row twice.
    const unique = [...new Map(tools.map((t) => [t.tool, t])).values()];
    if (unique.length === 0) return { records: [], pinned: [] };
    // Writes only what changes: a new pin, a new pending change, or a change withdrawn. Unchanged
    // tools (every manifest of a healthy worker) are not rewritten.
    const written = await this.db.query<{ tool: string; inserted: boolean }>(
      `INSERT INTO ${this.table} AS p (service, tool, hash, definition)
       SELECT $1, a.tool, a.hash, a.definition FROM jsonb_to_recordset($2::jsonb) AS a(tool text, hash text, definition jsonb)
       ON CONFLICT (service, tool) DO UPDATE SET
         pending_hash = CASE WHEN p.hash = EXCLUDED.hash THEN NULL ELSE EXCLUDED.hash END,
         pending_definition = CASE WHEN p.hash = EXCLUDED.hash THEN NULL ELSE EXCLUDED.definition END,
         changed_at = CASE WHEN p.hash = EXCLUDED.hash THEN NULL ELSE now() END
       WHERE (p.hash = EXCLUDED.hash AND p.pending_hash IS NOT NULL)
          OR (p.hash <> EXCLUDED.hash AND p.pending_hash IS DISTINCT FROM EXCLUDED.hash)
       RETURNING p.tool, (p.xmax = 0) AS inserted`,
      [service, JSON.stringify(unique, storableText)],
    );
    const result = await this.db.query<ToolPinRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE service = $1 AND tool = ANY($2::text[]) ORDER BY tool`,
      [service, unique.map((t) => t.tool)],
    );
    return {
      records: result.rows.map(toRecord),
      pinned: written.rows.filter((r) => r.inserted).map((r) => r.tool).sort(),
    };
  }

  async list(filter: { service?: string } = {}): Promise<ToolPinRecord[]> {
    const result = await this.db.query<ToolPinRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE $1::text IS NULL OR service = $1 ORDER BY service, tool`,
      [filter.service ?? null],
    );
    return result.rows.map(toRecord);
  }

  async approve(service: string, tools?: string[]): Promise<ToolPinRecord[]> {
    const result = await this.db.query<ToolPinRow>(
      `UPDATE ${this.table}
       SET hash = pending_hash, definition = pending_definition, pinned_at = now(),
           pending_hash = NULL, pending_definition = NULL, changed_at = NULL
       WHERE service = $1 AND pending_hash IS NOT NULL AND ($2::text[] IS NULL OR tool = ANY($2::text[]))
       RETURNING ${COLUMNS}`,
      [service, tools ?? null],
    );
    return result.rows.map(toRecord).sort((a, b) => (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0));
  }
}

function toRecord(row: ToolPinRow): ToolPinRecord {
  return {
    service: row.service,
    tool: row.tool,
    hash: row.hash,
    definition: row.definition,
    pinnedAt: row.pinned_at,
    pendingHash: row.pending_hash,
    pendingDefinition: row.pending_definition,
    changedAt: row.changed_at,
  };
}
