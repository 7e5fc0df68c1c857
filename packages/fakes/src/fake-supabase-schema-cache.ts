import type pg from 'pg';
import type { TableInfo } from './fake-supabase-postgrest.js';

/**
 * The exposed schema's tables and columns, read from information_schema — PostgREST's "schema
 * cache". Reloaded when a request names a table it does not know (at most once a second), so tables
 * created after start appear without a restart.
 */
export class SchemaCache {
  #tables = new Map<string, TableInfo>();
  #loadedAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
  ) {}

  /** Reads the catalog now. */
  async load(): Promise<void> {
    const columns = await this.pool.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
        WHERE c.table_schema = $1
        ORDER BY c.table_name, c.ordinal_position`,
      [this.schema],
    );
    const keys = await this.pool.query<{ table_name: string; column_name: string }>(
      `SELECT kcu.table_name, kcu.column_name
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu
           ON kcu.constraint_name = tc.constraint_name AND kcu.constraint_schema = tc.constraint_schema AND kcu.table_name = tc.table_name
        WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = $1
        ORDER BY kcu.table_name, kcu.ordinal_position`,
      [this.schema],
    );
    const tables = new Map<string, { columns: Map<string, string>; primaryKey: string[] }>();
    for (const row of columns.rows) {
      const table = tables.get(row.table_name) ?? { columns: new Map<string, string>(), primaryKey: [] };
      table.columns.set(row.column_name, row.data_type);
      tables.set(row.table_name, table);
    }
    for (const row of keys.rows) tables.get(row.table_name)?.primaryKey.push(row.column_name);
    this.#tables = new Map([...tables].map(([name, t]) => [name, { schema: this.schema, name, columns: t.columns, primaryKey: t.primaryKey }]));
    this.#loadedAt = Date.now();
  }

  /** The table, or undefined when it does not exist even after a reload. */
  async table(name: string): Promise<TableInfo | undefined> {
    const known = this.#tables.get(name);
    if (known || Date.now() - this.#loadedAt < 1000) return known;
    await this.load();
    return this.#tables.get(name);
  }

  /** Every table, by name. */
  all(): TableInfo[] {
    return [...this.#tables.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
