import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { githubTool, numberArg, repoArg, repoPath, resolveRepo } from '../deps.js';
import { readCheckStatus } from '../pull-status.js';

export const listChecks = githubTool({
  name: 'list_checks',
  title: 'GitHub checks of a commit',
  description:
    "Check runs (GET …/commits/{ref}/check-runs) and legacy commit statuses (…/commits/{ref}/status) of a branch, tag or commit sha — or of a pull request's head commit — with a verdict: success, failure (naming the failing checks), pending (naming the running ones) or none. Default: the repository's default branch.",
  input: z.object({
    repo: repoArg,
    ref: z.string().trim().regex(/^[A-Za-z0-9._/+-]{1,250}$/, 'expected a branch, tag or commit sha').optional().describe("Branch, tag or commit sha; default the repository's default branch"),
    pr: numberArg.optional().describe('A pull request number: its head commit (instead of ref)'),
  }),
  tokenCost: 500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ repo, ref, pr }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    if (ref !== undefined && pr !== undefined) throw new ToolError('invalid_arguments', 'pass ref or pr, not both');
    let resolved = ref;
    if (pr !== undefined) {
      const { data } = await deps.client.request<Record<string, unknown>>('GET', repoPath(target, `/pulls/${pr}`), { signal, what: `read pull request ${target.fullName}#${pr}` });
      resolved = String((data['head'] as Record<string, unknown> | undefined)?.['sha'] ?? '');
    }
    if (resolved === undefined || resolved === '') {
      const { data } = await deps.client.request<Record<string, unknown>>('GET', repoPath(target), { signal, what: `read the default branch of ${target.fullName}` });
      resolved = String(data['default_branch'] ?? 'main');
    }
    const summary = await readCheckStatus(deps.client, target, resolved, signal);
    return { repo: target.fullName, ...(pr === undefined ? {} : { pr }), ...summary };
  },
});
