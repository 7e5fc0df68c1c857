import { z } from 'zod';
import { githubTool, repoArg, repoPath, resolveRepo, shapeRun } from '../deps.js';

export const rerunWorkflow = githubTool({
  name: 'rerun_workflow',
  title: 'Re-run a GitHub Actions workflow run',
  description:
    'Re-runs a completed workflow run: only its failed jobs and their dependents (POST …/actions/runs/{run_id}/rerun-failed-jobs, the default) or every job (…/rerun). GitHub refuses while the run is still in progress. Answers with the run as it is now (queued, next attempt).',
  input: z.object({
    repo: repoArg,
    runId: z.number().int().min(1).describe('Workflow run id (list_workflow_runs gives it)'),
    failedOnly: z.boolean().default(true).describe('Re-run only the failed jobs; false re-runs every job'),
  }),
  tokenCost: 300,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ repo, runId, failedOnly }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const suffix = failedOnly ? 'rerun-failed-jobs' : 'rerun';
    await deps.client.request('POST', repoPath(target, `/actions/runs/${runId}/${suffix}`), {
      body: {},
      signal,
      what: `re-run ${failedOnly ? 'the failed jobs of ' : ''}workflow run ${runId} of ${target.fullName}`,
    });
    const { data } = await deps.client.request<Record<string, unknown>>('GET', repoPath(target, `/actions/runs/${runId}`), { signal, what: `read workflow run ${runId} of ${target.fullName}` });
    return { repo: target.fullName, runId, rerun: failedOnly ? 'failed_jobs' : 'all_jobs', requested: true, run: shapeRun(data) };
  },
});
