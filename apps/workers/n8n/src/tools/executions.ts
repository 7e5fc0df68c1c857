import { z } from 'zod';
import { EXECUTION_STATUSES, cursorArg, executionIdArg, limitArg, n8nTool, workflowIdArg } from '../deps.js';
import { executionDetail, executionSummary, type N8nExecution } from '../n8n-views.js';

export const listExecutions = n8nTool({
  name: 'list_executions',
  title: 'List n8n executions',
  description:
    'Executions (GET /executions), newest first, filtered by status, workflow or project: id, workflowId, status, mode, start, stop and duration, retry links. Follows nextCursor pages up to `limit`; pass the returned nextCursor as `cursor` for more. n8n 1.x accepts only error, success and waiting as a status filter (it answers 400 for the others, quoted in the error).',
  input: z.object({
    status: z.enum(EXECUTION_STATUSES).optional().describe('Only executions in this status'),
    workflowId: workflowIdArg.optional().describe('Only executions of this workflow'),
    projectId: z.string().trim().min(1).max(64).optional().describe('Only executions of workflows in this project'),
    limit: limitArg(20),
    cursor: cursorArg.optional(),
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ status, workflowId, projectId, limit, cursor }, { deps, signal }) => {
    const listed = await deps.client.collect<N8nExecution>(
      '/executions',
      { status, workflowId, projectId, includeData: false },
      { max: Math.min(limit, deps.config.maxItems), pageSize: deps.config.pageSize, cursor, signal, what: 'list executions', scope: 'execution:list' },
    );
    return { executions: listed.items.map(executionSummary), count: listed.items.length, nextCursor: listed.nextCursor, pages: listed.pages };
  },
});

export const getExecution = n8nTool({
  name: 'get_execution',
  title: 'Get an n8n execution',
  description:
    'One execution (GET /executions/{id}?includeData=true): status, mode, timing, retry links, the node it stopped at, its error (message, description, node; no stack trace), each node\'s runs, items and time, and the first items the last node produced (bounded).',
  input: z.object({
    id: executionIdArg,
    includeData: z.boolean().default(true).describe('Read the run data (error, nodes, output); false returns the summary only'),
  }),
  tokenCost: 900,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ id, includeData }, { deps, signal }) => {
    const execution = await deps.client.api<N8nExecution>('GET', `/executions/${encodeURIComponent(id)}`, {
      query: { includeData },
      signal,
      what: `get execution ${id}`,
      idempotent: true,
      scope: 'execution:read',
      notFound: `n8n has no execution "${id}" (list_executions shows the ids; n8n prunes old executions)`,
    });
    return includeData ? executionDetail(execution) : executionSummary(execution);
  },
});

export const retryExecution = n8nTool({
  name: 'retry_execution',
  title: 'Retry an n8n execution',
  description:
    'Runs a failed, crashed or canceled execution again through the API (POST /executions/{id}/retry) with its original input: with the workflow as it was then, or as it is now (loadWorkflow: true, after a fix). Answers the new execution. n8n refuses to retry a successful or unfinished execution (409, quoted in the error).',
  input: z.object({
    id: executionIdArg,
    loadWorkflow: z.boolean().default(false).describe('Use the current version of the workflow instead of the one the execution ran'),
  }),
  tokenCost: 400,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ id, loadWorkflow }, { deps, signal }) => {
    const execution = await deps.client.api<N8nExecution>('POST', `/executions/${encodeURIComponent(id)}/retry`, {
      body: { loadWorkflow },
      signal,
      what: `retry execution ${id}`,
      idempotent: false,
      scope: 'execution:retry',
      notFound: `n8n has no execution "${id}" (list_executions shows the ids)`,
    });
    return { retryOf: id, loadWorkflow, execution: executionSummary(execution) };
  },
});
