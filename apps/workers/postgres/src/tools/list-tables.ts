import { z } from 'zod';
import { databaseArg, postgresTool } from '../deps.js';

const LIST_TABLES_SQL = `
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END AS type,
       CASE WHEN c.relkind IN ('v') OR c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_estimate
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND ($1::text IS NULL OR n.nspname = $1)
ORDER BY 1, 2
LIMIT $2`;

export const listTables = postgresTool({
  name: 'list_tables',
  title: 'List tables',
  description:
    'Lists tables, views and materialized views of a database, schema-qualified, with the planner\'s row estimate (null when never analyzed).',
  input: z.object({
    database: databaseArg,
    schema: z.string().min(1).max(63).optional().describe('Only this schema'),
    limit: z.number().int().min(1).max(10_000).default(1_000).describe('At most this many tables'),
  }),
  tokenCost: 300,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ database, schema, limit }, { deps, signal }) =>
    deps.databases.read(database, signal, async (client) => {
      const result = await client.query<{ schema: string; name: string; type: string; row_estimate: string | null }>(LIST_TABLES_SQL, [
        schema ?? null,
        limit + 1,
      ]);
      const rows = result.rows.slice(0, limit);
      return {
        database,
        tables: rows.map((r) => ({
          schema: r.schema,
          name: r.name,
          qualifiedName: `${r.schema}.${r.name}`,
          type: r.type,
          rowEstimate: r.row_estimate === null ? null : Number(r.row_estimate),
        })),
        truncated: result.rows.length > limit,
      };
    }),
});
