import { z } from 'zod';
import { n8nTool, workflowIdArg } from '../deps.js';
import { workflowDetail, type N8nWorkflow } from '../n8n-views.js';

export const getWorkflow = n8nTool({
  name: 'get_workflow',
  title: 'Get an n8n workflow',
  description:
    'One workflow (GET /workflows/{id}): name, active, tags, triggers (webhook method, path and production URL), nodes (name, type, version, disabled) and execution settings. Node parameters are not returned: they can hold credentials typed into a node.',
  input: z.object({ id: workflowIdArg }),
  tokenCost: 600,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ id }, { deps, signal }) => {
    const workflow = await deps.client.api<N8nWorkflow>('GET', `/workflows/${encodeURIComponent(id)}`, {
      signal,
      what: `get workflow ${id}`,
      idempotent: true,
      scope: 'workflow:read',
      notFound: `n8n has no workflow "${id}" (list_workflows shows the ids)`,
    });
    return workflowDetail(workflow, deps.client.webhookUrl);
  },
});
