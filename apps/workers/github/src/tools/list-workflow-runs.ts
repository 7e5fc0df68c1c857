import { z } from 'zod';
import { BRANCH_PATTERN } from '../config.js';
import { githubTool, limitArg, repoArg, repoPath, resolveRepo, shapeRun } from '../deps.js';

/** Workflow run statuses, then conclusions: GitHub's `status` filter takes either. */
export const RUN_STATUSES = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'] as const;
export const RUN_CONCLUSIONS = ['success', 'failure', 'cancelled', 'skipped', 'timed_out', 'action_required', 'neutral', 'stale', 'startup_failure'] as const;
/** What `failed` means: the conclusions of runs that broke (not cancelled or skipped ones). */
export const FAILED_CONCLUSIONS = new Set(['failure', 'timed_out', 'startup_failure']);

export const listWorkflowRuns = githubTool({
  name: 'list_workflow_runs',
  title: 'List GitHub Actions workflow runs',
  description:
    'GitHub Actions runs of a repository (GET /repos/{owner}/{repo}/actions/runs), newest first, read across pages: by status or conclusion, branch, event, workflow name and creation date. status "failed" lists the runs that broke: conclusion failure, timed_out or startup_failure.',
  input: z.object({
    repo: repoArg,
    status: z.enum(['failed', ...RUN_STATUSES, ...RUN_CONCLUSIONS]).optional().describe('A status, a conclusion, or failed (failure, timed_out, startup_failure); all runs when omitted'),
    branch: z.string().regex(BRANCH_PATTERN, 'expected a branch name').optional().describe('Only runs of this branch'),
    event: z.string().regex(/^[a-z_]{1,50}$/, 'expected an event name such as push or pull_request').optional().describe('Only runs triggered by this event (push, pull_request, schedule, workflow_dispatch, ...)'),
    workflow: z.string().trim().min(1).max(200).optional().describe('Only runs of the workflow with this name (e.g. CI)'),
    since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional().describe('Only runs created on or after this date (UTC)'),
    limit: limitArg(30),
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ repo, status, branch, event, workflow, since, limit }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const filters: ((run: Record<string, unknown>) => boolean)[] = [];
    if (status === 'failed') filters.push((run) => FAILED_CONCLUSIONS.has(String(run['conclusion'])));
    if (workflow !== undefined) filters.push((run) => String(run['name']).toLowerCase() === workflow.toLowerCase());
    const page = await deps.client.paginate<Record<string, unknown>>(repoPath(target, '/actions/runs'), {
      query: { status: status === 'failed' ? 'completed' : status, branch, event, created: since === undefined ? undefined : `>=${since}` },
      itemsKey: 'workflow_runs',
      max: Math.min(limit, deps.config.maxItems),
      ...(filters.length > 0 ? { filter: (run: Record<string, unknown>) => filters.every((f) => f(run)) } : {}),
      signal,
      what: `list workflow runs of ${target.fullName}`,
    });
    const runs = page.items.map(shapeRun);
    return { repo: target.fullName, status: status ?? 'any', count: runs.length, totalCount: filters.length === 0 ? page.totalCount : null, truncated: page.truncated, pages: page.pages, runs };
  },
});
