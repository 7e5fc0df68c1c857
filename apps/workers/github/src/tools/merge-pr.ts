import { setTimeout as sleep } from 'node:timers/promises';
import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { githubTool, numberArg, repoArg, repoPath, resolveRepo, shapePull } from '../deps.js';
import { readCheckStatus, readReviews } from '../pull-status.js';

export const mergePr = githubTool({
  name: 'merge_pr',
  title: 'Merge a GitHub pull request',
  description:
    'Merges a pull request (PUT /repos/{owner}/{repo}/pulls/{number}/merge) with a method (merge, squash, rebase), after checking it: open, not a draft, no conflicts, no reviewer requesting changes, and (unless requireChecks is false) every check run and commit status on its head passed. The merge is pinned to the head commit that was checked, so a push in between makes GitHub refuse it. Destructive: needs confirm: true.',
  input: z.object({
    repo: repoArg,
    number: numberArg.describe('Pull request number'),
    method: z.enum(['merge', 'squash', 'rebase']).default('merge').describe('Merge method (the repository must allow it)'),
    requireChecks: z.boolean().default(true).describe('Refuse while a check failed or is still running'),
    commitTitle: z.string().max(256).optional().describe('Title of the merge or squash commit'),
    commitMessage: z.string().max(65_536).optional().describe('Message of the merge or squash commit'),
  }),
  tokenCost: 500,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  handler: async ({ repo, number, method, requireChecks, commitTitle, commitMessage }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const what = `${target.fullName}#${number}`;
    let data = (await deps.client.request<Record<string, unknown>>('GET', repoPath(target, `/pulls/${number}`), { signal, what: `read pull request ${what}` })).data;
    // GitHub computes mergeability in the background: null means "ask again shortly".
    for (let i = 0; i < 2 && data['mergeable'] === null && data['state'] === 'open'; i++) {
      await sleep(1_000, undefined, { signal }).catch(() => {
        throw new ToolError('upstream_timeout', `merging ${what} was cancelled before GitHub answered`);
      });
      data = (await deps.client.request<Record<string, unknown>>('GET', repoPath(target, `/pulls/${number}`), { signal, what: `read pull request ${what}` })).data;
    }
    const pull = shapePull(data);
    if (data['merged'] === true) throw new ToolError('rejected', `${what} is already merged`);
    if (pull.state !== 'open') throw new ToolError('rejected', `${what} is ${pull.state ?? 'not open'}: only open pull requests can be merged`);
    if (pull.draft) throw new ToolError('rejected', `${what} is a draft: mark it ready for review first`);
    if (data['mergeable'] === false) throw new ToolError('rejected', `${what} has conflicts with ${pull.base ?? 'its base'} (mergeable_state ${String(data['mergeable_state'] ?? 'dirty')}): resolve them first`);
    const [reviews, checks] = await Promise.all([
      readReviews(deps.client, target, number, pull.requestedReviewers, signal),
      readCheckStatus(deps.client, target, pull.headSha ?? pull.head ?? '', signal),
    ]);
    if (reviews.decision === 'CHANGES_REQUESTED') throw new ToolError('rejected', `${what}: ${reviews.changesRequestedBy.join(', ')} requested changes; not merged`);
    if (requireChecks && checks.state === 'failure') throw new ToolError('rejected', `${what} has failing checks (${checks.failing.join(', ')}); not merged. Pass requireChecks: false to merge anyway`);
    if (requireChecks && checks.state === 'pending') throw new ToolError('rejected', `${what} has checks still running (${checks.pending.join(', ')}); not merged. Try again when they finish, or pass requireChecks: false`);
    const merged = await deps.client.request<Record<string, unknown>>('PUT', repoPath(target, `/pulls/${number}/merge`), {
      body: {
        merge_method: method,
        ...(pull.headSha ? { sha: pull.headSha } : {}),
        ...(commitTitle === undefined ? {} : { commit_title: commitTitle }),
        ...(commitMessage === undefined ? {} : { commit_message: commitMessage }),
      },
      signal,
      what: `merge ${what} (${method})`,
    });
    return {
      repo: target.fullName,
      number,
      merged: merged.data['merged'] === true,
      method,
      sha: typeof merged.data['sha'] === 'string' ? merged.data['sha'] : null,
      message: typeof merged.data['message'] === 'string' ? merged.data['message'] : null,
      pull: { title: pull.title, head: pull.head, headSha: pull.headSha, base: pull.base, url: pull.url },
      checks: { state: checks.state, failing: checks.failing, pending: checks.pending },
      reviews: { decision: reviews.decision, approvedBy: reviews.approvedBy },
    };
  },
});
