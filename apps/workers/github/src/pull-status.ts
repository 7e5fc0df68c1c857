import type { GithubClient } from './github-client.js';
import { repoPath, type RepoRef } from './deps.js';

/** Check-run conclusions that block a merge. `neutral` and `skipped` pass, as on GitHub. */
const FAILING_CONCLUSIONS = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure', 'stale']);

export interface CheckSummary {
  ref: string;
  sha: string | null;
  /** failure: something failed; pending: something still runs; success: all passed; none: no checks at all. */
  state: 'success' | 'failure' | 'pending' | 'none';
  failing: string[];
  pending: string[];
  checkRuns: { name: string | null; status: string | null; conclusion: string | null; app: string | null; completedAt: string | null; url: string | null }[];
  statuses: { context: string | null; state: string | null; description: string | null }[];
  truncated: boolean;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Check runs (Checks API) and legacy commit statuses of one ref, and the verdict a merge depends on. */
export async function readCheckStatus(client: GithubClient, repo: RepoRef, ref: string, signal: AbortSignal | undefined): Promise<CheckSummary> {
  const encoded = encodeURIComponent(ref);
  const [runs, combined] = await Promise.all([
    client.paginate<Json>(repoPath(repo, `/commits/${encoded}/check-runs`), { itemsKey: 'check_runs', max: 200, signal, what: `check runs of ${repo.fullName}@${ref}` }),
    client.request<Json>('GET', repoPath(repo, `/commits/${encoded}/status`), { signal, what: `commit status of ${repo.fullName}@${ref}` }),
  ]);
  const checkRuns = runs.items.map((r) => ({
    name: str(r['name']),
    status: str(r['status']),
    conclusion: str(r['conclusion']),
    app: str((r['app'] as Json | undefined)?.['slug']),
    completedAt: str(r['completed_at']),
    url: str(r['html_url']),
  }));
  const statuses = (Array.isArray(combined.data['statuses']) ? (combined.data['statuses'] as Json[]) : []).map((s) => ({
    context: str(s['context']),
    state: str(s['state']),
    description: str(s['description']),
  }));
  const failing = [
    ...checkRuns.filter((r) => r.status === 'completed' && FAILING_CONCLUSIONS.has(r.conclusion ?? '')).map((r) => `${r.name} (${r.conclusion})`),
    ...statuses.filter((s) => s.state === 'failure' || s.state === 'error').map((s) => `${s.context} (${s.state})`),
  ];
  const pending = [
    ...checkRuns.filter((r) => r.status !== 'completed').map((r) => `${r.name} (${r.status})`),
    ...statuses.filter((s) => s.state === 'pending').map((s) => `${s.context} (pending)`),
  ];
  const state = failing.length > 0 ? 'failure' : pending.length > 0 ? 'pending' : checkRuns.length + statuses.length === 0 ? 'none' : 'success';
  const sha = str(combined.data['sha']) ?? (runs.items[0] ? str(runs.items[0]['head_sha']) : null);
  return { ref, sha, state, failing, pending, checkRuns, statuses, truncated: runs.truncated };
}

export interface ReviewSummary {
  /** CHANGES_REQUESTED beats APPROVED; REVIEW_REQUIRED when reviewers are requested and none approved. */
  decision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | 'NONE';
  approvedBy: string[];
  changesRequestedBy: string[];
  requestedReviewers: string[];
  reviews: { user: string | null; state: string | null; submittedAt: string | null }[];
}

/** The reviews of a pull request and each reviewer's standing (their latest approving or blocking review). */
export async function readReviews(client: GithubClient, repo: RepoRef, number: number, requestedReviewers: string[], signal: AbortSignal | undefined): Promise<ReviewSummary> {
  const page = await client.paginate<Json>(repoPath(repo, `/pulls/${number}/reviews`), { max: 300, signal, what: `reviews of ${repo.fullName}#${number}` });
  const reviews = page.items.map((r) => ({ user: str((r['user'] as Json | undefined)?.['login']), state: str(r['state']), submittedAt: str(r['submitted_at']) }));
  const standing = new Map<string, string>();
  for (const review of reviews) {
    // Comments do not change a reviewer's standing; a dismissal clears it.
    if (review.user && (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED' || review.state === 'DISMISSED')) standing.set(review.user, review.state);
  }
  const approvedBy = [...standing].filter(([, s]) => s === 'APPROVED').map(([u]) => u);
  const changesRequestedBy = [...standing].filter(([, s]) => s === 'CHANGES_REQUESTED').map(([u]) => u);
  const decision =
    changesRequestedBy.length > 0 ? 'CHANGES_REQUESTED' : approvedBy.length > 0 ? 'APPROVED' : requestedReviewers.length > 0 ? 'REVIEW_REQUIRED' : 'NONE';
  return { decision, approvedBy, changesRequestedBy, requestedReviewers, reviews };
}
