import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { n8nTool, workflowIdArg } from '../deps.js';
import type { N8nClient } from '../n8n-client.js';
import { WEBHOOK_NODE, executionDetail, executionSummary, webhookMethods, webhookPath, type N8nExecution, type N8nWorkflow } from '../n8n-views.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

export const executeWorkflow = n8nTool({
  name: 'execute_workflow',
  title: 'Run an n8n workflow',
  description:
    'Runs a workflow with a JSON payload through its Webhook trigger: reads the workflow (GET /workflows/{id}), finds its enabled Webhook node, and calls the production URL <N8N_WEBHOOK_URL>/webhook/<path> (the payload is the JSON body, or the query string for GET/DELETE webhooks). n8n\'s public API has no "run workflow" endpoint, so a workflow without a Webhook trigger cannot be started this way (retry_execution re-runs a past execution through the API). The workflow must be active, unless test is true (the editor\'s test URL, only while it listens). Answers n8n\'s HTTP status and response, and the execution the call started (found in the execution list) when there is one.',
  input: z.object({
    workflowId: workflowIdArg,
    payload: z.record(z.string(), z.unknown()).default({}).describe('The JSON object the workflow receives, e.g. {"data": "payload"}'),
    method: z.enum(METHODS).optional().describe('The HTTP method, when the Webhook node listens to several (default: POST if it listens to POST, else its first)'),
    test: z.boolean().default(false).describe('Call the test URL (/webhook-test/…) instead: works only while the workflow is open in the editor and listening'),
    findExecution: z.boolean().default(true).describe('Look up the execution the call started (two more requests to the executions list)'),
  }),
  tokenCost: 700,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ workflowId, payload, method, test, findExecution }, { deps, signal }) => {
    const client = deps.client;
    const workflow = await client.api<N8nWorkflow>('GET', `/workflows/${encodeURIComponent(workflowId)}`, {
      signal,
      what: `get workflow ${workflowId}`,
      idempotent: true,
      scope: 'workflow:read',
      notFound: `n8n has no workflow "${workflowId}" (list_workflows shows the ids)`,
    });
    const label = `workflow ${workflowId} ("${workflow.name}")`;
    const hooks = (workflow.nodes ?? []).filter((n) => n.type === WEBHOOK_NODE && n.disabled !== true && webhookPath(n) !== undefined);
    if (hooks.length === 0) {
      throw new ToolError(
        'rejected',
        `${label} has no enabled Webhook trigger, and n8n's public API cannot start a workflow by id: add a Webhook trigger node to it, or re-run one of its past executions with retry_execution`,
      );
    }
    const node = (method ? hooks.find((n) => webhookMethods(n).includes(method)) : undefined) ?? hooks.find((n) => webhookMethods(n).includes('POST')) ?? hooks[0]!;
    const methods = webhookMethods(node);
    if (method && !methods.includes(method)) {
      throw new ToolError('invalid_arguments', `the Webhook trigger of ${label} listens to ${methods.join(', ')}, not ${method}`);
    }
    const httpMethod = method ?? (methods.includes('POST') ? 'POST' : methods[0]!);
    if (!test && !workflow.active) {
      throw new ToolError(
        'rejected',
        `${label} is inactive, so its production webhook is not registered: activate it first (activate_workflow, /mcp-n8n activate ${workflowId}), or pass test: true while the editor listens`,
      );
    }
    const path = webhookPath(node)!;
    const before = findExecution ? await newestExecutionId(client, workflowId, signal) : undefined;
    const answer = await client.webhook(httpMethod, path, payload, { test, signal, what: `the webhook of ${label}` });
    if (answer.status === 404) {
      const reason = typeof (answer.body as { message?: unknown })?.message === 'string' ? `: ${(answer.body as { message: string }).message}` : '';
      throw new ToolError('rejected', `n8n did not run ${label}: its ${test ? 'test' : 'production'} webhook ${httpMethod} ${path} is not registered${reason}`);
    }
    if (answer.status >= 400 && answer.status < 500) {
      throw new ToolError('rejected', `the webhook of ${label} refused the call (HTTP ${answer.status})${describe(answer.body)}`);
    }
    const execution = before === undefined ? null : await startedExecution(client, workflowId, before, signal);
    if (answer.status >= 500) {
      const detail = execution ? await executionFailure(client, execution.id, signal) : '';
      throw new ToolError(
        'failed',
        `${label} ran and failed (n8n answered HTTP ${answer.status}${describe(answer.body)})${execution ? `; execution ${execution.id}${detail} (/mcp-n8n get-execution ${execution.id})` : ''}`,
      );
    }
    return {
      workflowId: String(workflow.id),
      workflowName: workflow.name,
      via: test ? 'test webhook' : 'webhook',
      method: httpMethod,
      url: `${client.webhookUrl}/${test ? 'webhook-test' : 'webhook'}/${path}`,
      status: answer.status,
      response: answer.body,
      execution,
      ...(findExecution && execution === null ? { note: 'no new execution was found in the list (n8n may not save executions of this workflow, or the key lacks execution:list)' } : {}),
    };
  },
});

/** The newest execution id of the workflow before the call (null: none yet); undefined when the list cannot be read. */
async function newestExecutionId(client: N8nClient, workflowId: string, signal: AbortSignal): Promise<string | null | undefined> {
  try {
    const page = await client.page<N8nExecution>('/executions', { workflowId }, { limit: 1, signal, what: `list executions of workflow ${workflowId}`, scope: 'execution:list' });
    return page.data[0] === undefined ? null : String(page.data[0].id);
  } catch (error) {
    if (error instanceof ToolError && (error.kind === 'rejected' || error.kind === 'not_found')) return undefined;
    throw error;
  }
}

/** The execution the webhook started: the oldest of those newer than `before` (the list is newest first). */
async function startedExecution(client: N8nClient, workflowId: string, before: string | null, signal: AbortSignal) {
  try {
    const page = await client.page<N8nExecution>('/executions', { workflowId }, { limit: 10, signal, what: `list executions of workflow ${workflowId}`, scope: 'execution:list' });
    const newer: N8nExecution[] = [];
    for (const execution of page.data) {
      if (String(execution.id) === before) break;
      newer.push(execution);
    }
    const ours = newer.filter((e) => e.mode === undefined || e.mode === 'webhook').pop();
    return ours ? executionSummary(ours) : null;
  } catch (error) {
    if (error instanceof ToolError && error.kind !== 'upstream_timeout') return null;
    throw error;
  }
}

/** `: failed in node "X": message` for a failed execution, or '' when it cannot be read. */
async function executionFailure(client: N8nClient, id: string, signal: AbortSignal): Promise<string> {
  try {
    const execution = await client.api<N8nExecution>('GET', `/executions/${encodeURIComponent(id)}`, { query: { includeData: true }, signal, what: `get execution ${id}`, idempotent: true });
    const error = executionDetail(execution).error;
    return error ? ` failed${error.node ? ` in node "${error.node}"` : ''}: ${error.message}` : '';
  } catch {
    return '';
  }
}

function describe(body: unknown): string {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return `: ${(body as { message: string }).message}`;
  if (typeof body === 'string' && body.trim() !== '') return `: ${body.slice(0, 200)}`;
  return '';
}
