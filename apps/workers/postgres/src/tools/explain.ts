import { z } from 'zod';
import { databaseArg, postgresTool } from '../deps.js';
import { assertExplainable } from '../read-only-guard.js';
import { runStatement } from '../run-statement.js';
import { sqlParamsSchema } from './query.js';

export const explain = postgresTool({
  name: 'explain',
  title: 'Explain a query plan',
  description:
    'Shows the planner\'s plan for one statement without running it (EXPLAIN, never ANALYZE), as JSON or as the familiar text tree.',
  input: z.object({
    database: databaseArg,
    sql: z.string().min(1).max(100_000).describe('One SQL statement'),
    params: sqlParamsSchema,
    format: z.enum(['json', 'text']).default('json'),
  }),
  tokenCost: 500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ database, sql, params, format }, { deps, signal }) => {
    assertExplainable(sql);
    return deps.databases.read(database, signal, async (client) => {
      // Parameters of a statement that is only planned: the generic plan needs their types, which
      // PostgreSQL infers from the values' text, so pass them as given.
      const result = await runStatement(client, `EXPLAIN (FORMAT ${format === 'json' ? 'JSON' : 'TEXT'}) ${sql}`, params, 10_000);
      const plan = format === 'json' ? result.rows[0]?.[0] : result.rows.map((r) => String(r[0])).join('\n');
      return { database, format, plan };
    });
  },
});
