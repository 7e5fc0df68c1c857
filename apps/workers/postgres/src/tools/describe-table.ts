import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { databaseArg, postgresTool } from '../deps.js';

const TABLE_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_estimate
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = $1`;

const COLUMNS_SQL = `
SELECT a.attnum AS position, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default,
       col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

const CONSTRAINTS_SQL = `
SELECT con.conname AS name, con.contype AS type, pg_get_constraintdef(con.oid) AS definition,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
       CASE WHEN con.confrelid = 0 THEN NULL ELSE con.confrelid::regclass::text END AS referenced_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS referenced_columns
FROM pg_constraint con
WHERE con.conrelid = $1
ORDER BY con.contype, con.conname`;

const INDEXES_SQL = `
SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, x.indisunique AS unique, x.indisprimary AS primary
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = $1
ORDER BY i.relname`;

const KINDS: Record<string, string> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table' };

export const describeTable = postgresTool({
  name: 'describe_table',
  title: 'Describe a table',
  description:
    'Columns (type, nullability, default), primary key, foreign keys, unique and check constraints, and indexes of a table or view. Accepts schema-qualified names (public.orders) and quoted identifiers.',
  input: z.object({
    database: databaseArg,
    table: z.string().min(1).max(200).describe('Table name, optionally schema-qualified'),
  }),
  tokenCost: 400,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ database, table }, { deps, signal }) =>
    deps.databases.read(database, signal, async (client) => {
      let oid: number | null;
      try {
        oid = (await client.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int AS oid', [table])).rows[0]?.oid ?? null;
      } catch {
        oid = null;
      }
      if (oid === null) {
        throw new ToolError('not_found', `no table or view "${table}" in database ${database}; list them with list_tables`);
      }
      const info = (await client.query(TABLE_SQL, [oid])).rows[0] as { schema: string; name: string; kind: string; comment: string | null; row_estimate: string | null };
      if (!KINDS[info.kind]) throw new ToolError('not_found', `"${table}" is not a table or view (it is an index or sequence)`);
      const columns = (await client.query(COLUMNS_SQL, [oid])).rows;
      const constraints = (await client.query(CONSTRAINTS_SQL, [oid])).rows as {
        name: string;
        type: string;
        definition: string;
        columns: string[];
        referenced_table: string | null;
        referenced_columns: string[];
      }[];
      const indexes = (await client.query(INDEXES_SQL, [oid])).rows;
      const primary = constraints.find((c) => c.type === 'p');
      return {
        database,
        table: {
          schema: info.schema,
          name: info.name,
          qualifiedName: `${info.schema}.${info.name}`,
          type: KINDS[info.kind],
          comment: info.comment,
          rowEstimate: info.row_estimate === null ? null : Number(info.row_estimate),
        },
        columns,
        primaryKey: primary ? primary.columns : [],
        foreignKeys: constraints
          .filter((c) => c.type === 'f')
          .map((c) => ({ name: c.name, columns: c.columns, references: { table: c.referenced_table, columns: c.referenced_columns } })),
        uniqueConstraints: constraints.filter((c) => c.type === 'u').map((c) => ({ name: c.name, columns: c.columns })),
        checkConstraints: constraints.filter((c) => c.type === 'c').map((c) => ({ name: c.name, definition: c.definition })),
        indexes,
      };
    }),
});
