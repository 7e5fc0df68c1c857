import { z } from 'zod';
import { cloudflareTool } from '../deps.js';

export const listWorkerScripts = cloudflareTool({
  name: 'list_worker_scripts',
  title: 'List Workers scripts',
  description:
    'Workers scripts of the account (GET /accounts/{account_id}/workers/scripts): name, handlers (fetch, scheduled, queue, …), usage model, compatibility date, created and modified times, newest change first.',
  input: z.object({}),
  tokenCost: 400,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, { deps, signal }) => {
    const scripts = await deps.client.listWorkerScripts(signal);
    const view = scripts
      .map((s) => ({
        name: s['id'],
        handlers: s['handlers'] ?? [],
        usageModel: s['usage_model'] ?? null,
        compatibilityDate: s['compatibility_date'] ?? null,
        createdOn: s['created_on'] ?? null,
        modifiedOn: s['modified_on'] ?? null,
      }))
      .sort((a, b) => String(b.modifiedOn ?? '').localeCompare(String(a.modifiedOn ?? '')));
    return { accountId: deps.client.accountId, scripts: view, count: view.length };
  },
});
