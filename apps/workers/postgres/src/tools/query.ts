import { z } from 'zod';
import { databaseArg, postgresTool } from '../deps.js';
import { assertReadStatement } from '../read-only-guard.js';
import { runStatement, typeNames } from '../run-statement.js';

export const sqlParamsSchema = z
  .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .max(100)
  .default([])
  .describe('Values for $1, $2, ... placeholders');

export const query = postgresTool({
  name: 'query',
  title: 'Run a read-only query',
  description:
    'Runs one read-only SQL statement (SELECT, WITH, VALUES, TABLE, SHOW) with $n parameters, inside a read-only transaction with a statement timeout. Returns columns with their types, rows, rowCount and whether rows were cut at the row cap.',
  input: z.object({
    database: databaseArg,
    sql: z.string().min(1).max(100_000).describe('One SQL statement; no ";"-separated batches'),
    params: sqlParamsSchema,
    maxRows: z.number().int().min(1).optional().describe('Return at most this many rows (never more than DB_MAX_ROWS)'),
    rowMode: z.enum(['object', 'array']).default('object').describe('Rows as objects keyed by column, or as arrays in column order'),
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ database, sql, params, maxRows, rowMode }, { deps, signal }) => {
    assertReadStatement(sql);
    const limit = Math.min(maxRows ?? deps.config.maxRows, deps.config.maxRows);
    return deps.databases.read(database, signal, async (client) => {
      const result = await runStatement(client, sql, params, limit);
      const names = await typeNames(deps, database, client, result.fields.map((f) => f.dataTypeID));
      const keys = uniqueKeys(result.fields.map((f) => f.name));
      return {
        database,
        columns: result.fields.map((f, i) => ({ name: f.name, key: keys[i]!, type: names.get(f.dataTypeID) ?? `oid ${f.dataTypeID}` })),
        rows: rowMode === 'array' ? result.rows : result.rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, row[i]]))),
        rowCount: result.rows.length,
        truncated: result.truncated,
        maxRows: limit,
      };
    });
  },
});

/** Object keys for columns: duplicate names (select 1 as a, 2 as a) get _2, _3 suffixes. */
function uniqueKeys(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}
