import { z } from 'zod';
import { cursorArg, limitArg, n8nTool } from '../deps.js';
import { workflowSummary, type N8nWorkflow } from '../n8n-views.js';

export const listWorkflows = n8nTool({
  name: 'list_workflows',
  title: 'List n8n workflows',
  description:
    'Workflows of the n8n instance (GET /workflows), oldest first, filtered by active state, tags, name or project: id, name, active, tags, and how each starts (trigger nodes; for webhooks the method, path and production URL). Follows nextCursor pages up to `limit`; pass the returned nextCursor as `cursor` for more.',
  input: z.object({
    active: z.boolean().optional().describe('Only active (true) or inactive (false) workflows'),
    tags: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe('Only workflows with one of these tags: comma-separated tag names, e.g. ops,finance'),
    name: z.string().trim().min(1).max(200).optional().describe('Only workflows whose name contains this text'),
    projectId: z.string().trim().min(1).max(64).optional().describe('Only workflows of this project'),
    limit: limitArg(50),
    cursor: cursorArg.optional(),
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ active, tags, name, projectId, limit, cursor }, { deps, signal }) => {
    const max = Math.min(limit, deps.config.maxItems);
    const listed = await deps.client.collect<N8nWorkflow>(
      '/workflows',
      { active, tags, name, projectId, excludePinnedData: true },
      { max, pageSize: deps.config.pageSize, cursor, signal, what: 'list workflows', scope: 'workflow:list' },
    );
    return {
      workflows: listed.items.map((w) => workflowSummary(w, deps.client.webhookUrl)),
      count: listed.items.length,
      nextCursor: listed.nextCursor,
      pages: listed.pages,
    };
  },
});
