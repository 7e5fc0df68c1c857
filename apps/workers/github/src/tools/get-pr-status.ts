import { z } from 'zod';
import { githubTool, numberArg, repoArg, repoPath, resolveRepo, shapePull } from '../deps.js';
import { readCheckStatus, readReviews } from '../pull-status.js';

export const getPrStatus = githubTool({
  name: 'get_pr_status',
  title: 'GitHub pull request status',
  description:
    "Everything that decides whether a pull request can merge: state and draft, mergeability (mergeable, mergeable_state), the review decision (each reviewer's latest approving or blocking review, requested reviewers) and the checks on its head commit (check runs and commit statuses: failing, pending), plus a readyToMerge verdict with the reasons against.",
  input: z.object({ repo: repoArg, number: numberArg.describe('Pull request number') }),
  tokenCost: 700,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ repo, number }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const { data } = await deps.client.request<Record<string, unknown>>('GET', repoPath(target, `/pulls/${number}`), { signal, what: `read pull request ${target.fullName}#${number}` });
    const pull = shapePull(data);
    const [reviews, checks] = await Promise.all([
      readReviews(deps.client, target, number, pull.requestedReviewers, signal),
      pull.headSha ? readCheckStatus(deps.client, target, pull.headSha, signal) : Promise.resolve(null),
    ]);
    const mergeable = typeof data['mergeable'] === 'boolean' ? data['mergeable'] : null;
    const mergeableState = typeof data['mergeable_state'] === 'string' ? data['mergeable_state'] : null;
    const blockers = mergeBlockers(pull.state, data['merged'] === true, pull.draft, mergeable, reviews.decision, checks?.state ?? 'none', checks?.failing ?? [], checks?.pending ?? []);
    return { repo: target.fullName, pull: { ...pull, merged: data['merged'] === true, mergeable, mergeableState }, reviews, checks, readyToMerge: blockers.length === 0, blockers };
  },
});

/** Why a pull request should not be merged now; empty when nothing stands against it. */
export function mergeBlockers(
  state: string | null,
  merged: boolean,
  draft: boolean,
  mergeable: boolean | null,
  decision: string,
  checks: string,
  failing: string[],
  pending: string[],
): string[] {
  const blockers: string[] = [];
  if (merged) blockers.push('already merged');
  else if (state !== 'open') blockers.push(`it is ${state ?? 'not open'}`);
  if (draft) blockers.push('it is a draft');
  if (mergeable === false) blockers.push('it has merge conflicts with its base');
  if (decision === 'CHANGES_REQUESTED') blockers.push('a reviewer requested changes');
  if (checks === 'failure') blockers.push(`failing checks: ${failing.join(', ')}`);
  if (checks === 'pending') blockers.push(`checks still running: ${pending.join(', ')}`);
  return blockers;
}
