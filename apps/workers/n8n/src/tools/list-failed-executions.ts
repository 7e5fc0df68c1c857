import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { n8nTool, workflowIdArg } from '../deps.js';
import type { N8nClient } from '../n8n-client.js';
import { executionError, executionSummary, type N8nExecution, type N8nWorkflow } from '../n8n-views.js';

/** Failed executions carry their run data: smaller pages keep each answer from n8n small. */
const FAILED_PAGE_SIZE = 25;

export const listFailedExecutions = n8nTool({
  name: 'list_failed_executions',
  title: 'Failed n8n executions',
  description:
    'What went wrong in n8n lately: executions with status error (and crashed, where the server can filter by it), newest first, each with its workflow\'s name, the node it failed in and the error message (no stack trace). Pages back until `since` or `limit`. On n8n 1.x, which cannot filter by crashed, only errors are listed (crashedListed: false).',
  input: z.object({
    workflowId: workflowIdArg.optional().describe('Only failures of this workflow'),
    since: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'use YYYY-MM-DD or an ISO date-time such as 2026-03-01T08:00:00Z')
      .refine((v) => !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)), 'not a real date')
      .optional()
      .describe('Only executions started at or after this moment (YYYY-MM-DD is midnight UTC); default the last 7 days'),
    limit: z.number().int().min(1).max(1_000).default(20).describe('At most this many executions (never more than N8N_MAX_ITEMS)'),
    includeCrashed: z.boolean().default(true).describe('Also list crashed executions (the worker process died)'),
  }),
  tokenCost: 1_000,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ workflowId, since, limit, includeCrashed }, { deps, signal }) => {
    const max = Math.min(limit, deps.config.maxItems);
    const from = since === undefined ? Date.now() - 7 * 86_400_000 : Date.parse(since.length === 10 ? `${since}T00:00:00Z` : since);
    const older = (item: unknown) => {
      const started = Date.parse(String((item as N8nExecution).startedAt ?? ''));
      return Number.isFinite(started) && started < from;
    };
    const read = (status: string) =>
      deps.client.collect<N8nExecution>(
        '/executions',
        { status, workflowId, includeData: true },
        { max, pageSize: Math.min(deps.config.pageSize, FAILED_PAGE_SIZE), signal, what: `list ${status} executions`, scope: 'execution:list', until: older },
      );
    const errors = await read('error');
    let crashed: N8nExecution[] = [];
    let crashedListed = includeCrashed;
    if (includeCrashed) {
      try {
        crashed = (await read('crashed')).items;
      } catch (error) {
        // n8n 1.x answers 400 for status=crashed: report errors alone.
        if (!(error instanceof ToolError && error.kind === 'invalid_arguments')) throw error;
        crashedListed = false;
      }
    }
    const merged = [...errors.items, ...crashed].sort((a, b) => String(b.startedAt ?? '').localeCompare(String(a.startedAt ?? ''))).slice(0, max);
    const names = await workflowNames(deps.client, [...new Set(merged.map((e) => String(e.workflowId)))], signal);
    return {
      since: new Date(from).toISOString(),
      statuses: crashedListed ? ['error', 'crashed'] : ['error'],
      crashedListed,
      count: merged.length,
      truncated: errors.nextCursor !== null || merged.length < errors.items.length + crashed.length,
      executions: merged.map((e) => ({
        ...executionSummary(e),
        workflowName: names.get(String(e.workflowId)) ?? null,
        lastNodeExecuted: e.data?.resultData?.lastNodeExecuted ?? null,
        error: executionError(e),
      })),
    };
  },
});

/** Workflow names by id, read in parallel; a workflow that cannot be read (deleted, no scope) has no name. */
async function workflowNames(client: N8nClient, ids: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        const workflow = await client.api<N8nWorkflow>('GET', `/workflows/${encodeURIComponent(id)}`, { signal, what: `get workflow ${id}`, idempotent: true });
        names.set(id, workflow.name);
      } catch (error) {
        if (!(error instanceof ToolError) || error.kind === 'upstream_timeout' || error.kind === 'unconfigured') throw error;
      }
    }),
  );
  return names;
}
