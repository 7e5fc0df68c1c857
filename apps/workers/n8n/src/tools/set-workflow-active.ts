import { z } from 'zod';
import { n8nTool, workflowIdArg } from '../deps.js';
import type { N8nClient } from '../n8n-client.js';
import { workflowSummary, type N8nWorkflow } from '../n8n-views.js';

/**
 * POST /workflows/{id}/activate or /deactivate (n8n 2.x keeps these as aliases of publish/unpublish).
 * Reads the workflow first so the answer can say whether anything changed.
 */
async function setActive(client: N8nClient, id: string, active: boolean, signal: AbortSignal) {
  const path = `/workflows/${encodeURIComponent(id)}`;
  const notFound = `n8n has no workflow "${id}" (list_workflows shows the ids)`;
  const before = await client.api<N8nWorkflow>('GET', path, { signal, what: `get workflow ${id}`, idempotent: true, scope: 'workflow:read', notFound });
  const verb = active ? 'activate' : 'deactivate';
  const after = await client.api<N8nWorkflow>('POST', `${path}/${verb}`, {
    signal,
    what: `${verb} workflow ${id} ("${before.name}")`,
    // Setting the same state twice is harmless: safe to repeat after a timeout.
    idempotent: true,
    scope: `workflow:${verb}`,
    notFound,
  });
  return { ...workflowSummary(after, client.webhookUrl), changed: before.active !== after.active, previouslyActive: before.active === true };
}

export const activateWorkflow = n8nTool({
  name: 'activate_workflow',
  title: 'Activate an n8n workflow',
  description:
    'Activates (publishes) a workflow: its triggers start and its production webhooks are registered. n8n refuses a workflow without a trigger node (400) and a webhook path another active workflow already uses (409); both come back with n8n\'s reason. Activating an active workflow changes nothing (changed: false).',
  input: z.object({ id: workflowIdArg }),
  tokenCost: 300,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: ({ id }, { deps, signal }) => setActive(deps.client, id, true, signal),
});

export const deactivateWorkflow = n8nTool({
  name: 'deactivate_workflow',
  title: 'Deactivate an n8n workflow',
  description:
    'Deactivates (unpublishes) a workflow: its schedules stop and its production webhooks answer 404 until it is activated again. Destructive for the processes that depend on it, so it needs "confirm": true. Deactivating an inactive workflow changes nothing (changed: false).',
  input: z.object({ id: workflowIdArg }),
  tokenCost: 300,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  handler: ({ id }, { deps, signal }) => setActive(deps.client, id, false, signal),
});
