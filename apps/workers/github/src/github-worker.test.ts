import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SAMPLE_READY_PULL, startFakeGithub, type FakeGithub } from '@mcpgw/fakes';
import { MetaKeys } from '@mcpgw/protocol';
import { connectInMemory, type InMemoryConnection } from '@mcpgw/worker-kit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { githubWorker } from './github-worker.js';

/**
 * The github worker in-process (SDK client over an in-memory transport) against the fake GitHub:
 * each tool's answer, the annotations the gateway's `github:read` scope relies on, and the
 * confirmation the kit demands of merge_pr.
 */
const connect = (env: Record<string, string>): Promise<InMemoryConnection> => connectInMemory(githubWorker, env);

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  const meta = (result._meta ?? {}) as Record<string, unknown>;
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    data: result.structuredContent as any,
    error: result.isError ? ((meta[MetaKeys.error] as { kind: string; message: string; missing?: string[] }) ?? { kind: 'unknown', message: '' }) : undefined,
  };
}

let fake: FakeGithub;
let github: InMemoryConnection;

beforeAll(async () => {
  fake = await startFakeGithub();
  github = await connect({ GITHUB_API_URL: fake.url, GITHUB_TOKEN: fake.token, GITHUB_DEFAULT_REPO: fake.defaultRepo, GITHUB_PAGE_SIZE: '10', GITHUB_TIMEOUT_MS: '5000' });
});
afterAll(async () => {
  await github?.close();
  await fake?.close();
});

describe('tools', () => {
  it('annotates read tools readOnly and merge_pr destructive with a required confirm', async () => {
    const { tools } = await github.client.listTools();
    const readOnly = tools.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name).sort();
    expect(readOnly).toEqual(['get_pr_status', 'get_repo', 'github_health', 'list_checks', 'list_issues', 'list_prs', 'list_repos', 'list_workflow_runs']);
    const destructive = tools.filter((t) => t.annotations?.destructiveHint === true).map((t) => t.name);
    expect(destructive).toEqual(['merge_pr']);
    const merge = tools.find((t) => t.name === 'merge_pr')!;
    expect(merge.inputSchema.required).toContain('confirm');
  });

  it('list_repos reads an organisation across pages, and falls back to a user', async () => {
    const { data } = await call(github.client, 'list_repos', { owner: 'acme' });
    expect(data).toMatchObject({ owner: 'acme', source: '/orgs/acme/repos', count: 12, pages: 2, truncated: false });
    expect(data.repos[0]).toEqual(expect.objectContaining({ fullName: expect.stringMatching(/^acme\//), defaultBranch: expect.any(String), archived: expect.any(Boolean) }));
    const user = await call(github.client, 'list_repos', { owner: 'octo-agent' });
    expect(user.data).toMatchObject({ source: '/users/octo-agent/repos', count: 2 });
    const active = await call(github.client, 'list_repos', { owner: 'acme', includeArchived: false });
    expect(active.data.count).toBe(11);
  });

  it('get_repo defaults to GITHUB_DEFAULT_REPO and lists the allowed merge methods', async () => {
    const { data } = await call(github.client, 'get_repo');
    expect(data).toMatchObject({ fullName: 'acme/platform', defaultBranch: 'main', mergeMethods: ['merge', 'squash'] });
  });

  it('list_issues filters by label and leaves pull requests out', async () => {
    const { data } = await call(github.client, 'list_issues', { label: 'bug', state: 'all', limit: 500 });
    expect(data.count).toBeGreaterThan(20);
    expect(data.pages).toBeGreaterThanOrEqual(3);
    expect(data.issues.every((i: { labels: string[]; isPullRequest: boolean }) => i.labels.includes('bug') && !i.isPullRequest)).toBe(true);
    expect(data.skippedPulls).toBeGreaterThan(0);
    const withPulls = await call(github.client, 'list_issues', { label: 'bug', state: 'all', includePulls: true, limit: 500 });
    expect(withPulls.data.count).toBe(data.count + data.skippedPulls);
  });

  it('create_issue and comment_issue write, and a bad assignee is GitHub\'s 422', async () => {
    const created = await call(github.client, 'create_issue', { title: 'Disk almost full', body: 'on db-1', labels: 'ops,bug', assignees: ['alice'] });
    expect(created.data.issue).toMatchObject({ title: 'Disk almost full', labels: ['ops', 'bug'], assignees: ['alice'], state: 'open' });
    const comment = await call(github.client, 'comment_issue', { number: created.data.issue.number, body: 'Cleaned up' });
    expect(comment.data.comment).toMatchObject({ id: expect.any(Number), author: 'octo-agent' });
    const bad = await call(github.client, 'create_issue', { title: 'x', assignees: 'nobody-here' });
    expect(bad.error).toMatchObject({ kind: 'rejected', message: expect.stringContaining('HTTP 422') });
  });

  it('list_prs, get_pr_status and the verdicts of the sample pull requests', async () => {
    const { data } = await call(github.client, 'list_prs');
    const numbers = data.pulls.map((p: { number: number }) => p.number);
    expect(numbers).toEqual(expect.arrayContaining([121, 122, 123, 124, 125, 126]));
    expect(numbers[0]).toBe(126);
    const created = data.pulls.map((p: { createdAt: string }) => p.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const ready = await call(github.client, 'get_pr_status', { number: SAMPLE_READY_PULL });
    expect(ready.data).toMatchObject({ readyToMerge: true, blockers: [], reviews: { decision: 'APPROVED', approvedBy: ['alice'] }, checks: { state: 'success' }, pull: { mergeable: true } });
    const red = await call(github.client, 'get_pr_status', { number: 121 });
    expect(red.data.readyToMerge).toBe(false);
    expect(red.data.checks).toMatchObject({ state: 'failure', failing: ['test (failure)', 'e2e (timed_out)', 'ci/deploy-preview (failure)'] });
    const changes = await call(github.client, 'get_pr_status', { number: 124 });
    expect(changes.data.blockers).toEqual(['a reviewer requested changes']);
  });

  it('create_pr uses GITHUB_DEFAULT_HEAD or asks for head; base defaults to the default branch', async () => {
    const missing = await call(github.client, 'create_pr', { title: 'feat: Add feature' });
    expect(missing.error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringMatching(/--head=.*GITHUB_DEFAULT_HEAD/) });
    const created = await call(github.client, 'create_pr', { title: 'feat: Add feature', body: 'Description here', head: fake.featureBranch });
    expect(created.data).toMatchObject({ created: true, defaults: { head: false, base: true }, pull: { head: fake.featureBranch, base: 'main', state: 'open' } });
    const again = await call(github.client, 'create_pr', { title: 'feat: Add feature', head: fake.featureBranch });
    expect(again.error?.message).toMatch(/A pull request already exists/);
  });

  it('merge_pr refuses without confirm, refuses failing checks, and merges a green pull request', async () => {
    const unconfirmed = await call(github.client, 'merge_pr', { number: SAMPLE_READY_PULL });
    expect(unconfirmed.error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringContaining('"confirm": true') });
    const red = await call(github.client, 'merge_pr', { number: 121, confirm: true });
    expect(red.error).toMatchObject({ kind: 'rejected', message: expect.stringContaining('failing checks') });
    const draft = await call(github.client, 'merge_pr', { number: 125, confirm: true });
    expect(draft.error?.message).toMatch(/draft/);
    const rebase = await call(github.client, 'merge_pr', { number: SAMPLE_READY_PULL, method: 'rebase', confirm: true });
    expect(rebase.error?.message).toMatch(/Rebase merges are not allowed/);
    const merged = await call(github.client, 'merge_pr', { number: SAMPLE_READY_PULL, method: 'squash', confirm: true });
    expect(merged.data).toMatchObject({ merged: true, method: 'squash', sha: expect.stringMatching(/^[0-9a-f]{40}$/), checks: { state: 'success' } });
    const twice = await call(github.client, 'merge_pr', { number: SAMPLE_READY_PULL, confirm: true });
    expect(twice.error?.message).toMatch(/already merged/);
  });

  it('list_workflow_runs lists by status and the failed ones; rerun_workflow re-queues a failed run', async () => {
    const all = await call(github.client, 'list_workflow_runs', { limit: 100 });
    expect(all.data).toMatchObject({ count: 34, totalCount: 34, pages: 4 });
    const failed = await call(github.client, 'list_workflow_runs', { status: 'failed', limit: 100 });
    expect(failed.data.count).toBeGreaterThan(0);
    expect(new Set(failed.data.runs.map((r: { conclusion: string }) => r.conclusion))).toEqual(new Set(['failure', 'timed_out', 'startup_failure']));
    const inProgress = await call(github.client, 'list_workflow_runs', { status: 'in_progress' });
    expect(inProgress.data.runs.every((r: { status: string }) => r.status === 'in_progress')).toBe(true);
    const target = failed.data.runs.find((r: { conclusion: string }) => r.conclusion === 'failure');
    const rerun = await call(github.client, 'rerun_workflow', { runId: target.id });
    expect(rerun.data).toMatchObject({ rerun: 'failed_jobs', run: { status: 'queued', conclusion: null, attempt: 2 } });
    const busy = await call(github.client, 'rerun_workflow', { runId: target.id });
    expect(busy.error?.message).toMatch(/already running/);
  });

  it('list_checks reads a branch or a pull request\'s head', async () => {
    const main = await call(github.client, 'list_checks');
    expect(main.data).toMatchObject({ repo: 'acme/platform', ref: 'main', sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const green = await call(github.client, 'list_checks', { ref: 'fix/login-timeout' });
    expect(green.data).toMatchObject({ state: 'success', failing: [], pending: [] });
    expect(green.data.checkRuns.map((r: { name: string }) => r.name)).toEqual(['build', 'lint', 'test', 'codecov/patch']);
    const pending = await call(github.client, 'list_checks', { pr: 122 });
    expect(pending.data).toMatchObject({ pr: 122, state: 'pending', pending: ['test (in_progress)', 'ci/deploy-preview (pending)'] });
  });

  it('github_health reports the credentials accepted and the rate limit left', async () => {
    const { data } = await call(github.client, 'github_health');
    expect(data).toMatchObject({ status: 'ok', auth: 'token', apiVersionSelected: '2022-11-28', rateLimit: { limit: 5000 } });
    expect((await github.worker.health()).status).toBe('ok');
  });
});

describe('configuration', () => {
  it('is unconfigured without credentials, naming GITHUB_TOKEN', async () => {
    const bare = await connect({});
    const { error } = await call(bare.client, 'list_repos', { owner: 'acme' });
    expect(error).toMatchObject({ kind: 'unconfigured', missing: ['GITHUB_TOKEN'] });
    await bare.close();
  });

  it('needs a repository when GITHUB_DEFAULT_REPO is not set', async () => {
    const noDefault = await connect({ GITHUB_API_URL: fake.url, GITHUB_TOKEN: fake.token });
    const { error } = await call(noDefault.client, 'list_issues');
    expect(error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringContaining('GITHUB_DEFAULT_REPO') });
    await noDefault.close();
  });

  it('works as a GitHub App installation', async () => {
    const app = await connect({ GITHUB_API_URL: fake.url, GITHUB_APP_ID: fake.app.appId, GITHUB_INSTALLATION_ID: fake.app.installationId, GITHUB_PRIVATE_KEY: fake.app.privateKey });
    const repos = await call(app.client, 'list_repos');
    expect(repos.data).toMatchObject({ source: '/installation/repositories', count: 12 });
    const health = await call(app.client, 'github_health');
    expect(health.data).toMatchObject({ status: 'ok', auth: 'github_app', installationTokenExpiresAt: expect.any(String) });
    await app.close();
  });
});
