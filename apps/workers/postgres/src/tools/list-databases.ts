import { z } from 'zod';
import { postgresTool } from '../deps.js';

export const listDatabases = postgresTool({
  name: 'list_databases',
  title: 'List databases',
  description: 'Lists the databases this worker can query, by the names to use in the other tools.',
  input: z.object({}),
  tokenCost: 50,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async (_args, { deps }) => ({
    databases: deps.databases.list().map((d) => ({ name: d.name, embedded: d.embedded })),
  }),
});
