/**
 * Sample data of the fake GitHub: an organisation `acme` with a dozen repositories, one of them
 * (`acme/platform`) busy enough to page through — 120 issues and pull requests in one number space,
 * open pull requests in every review and check state (#123 approved, green and mergeable), workflow
 * runs with every status and conclusion, check runs and commit statuses — plus the token owner's own
 * repositories and another organisation's private repository the token cannot see (404, not 403).
 */
import { createHash } from 'node:crypto';

export interface GithubAccount {
  login: string;
  id: number;
  type: 'User' | 'Organization' | 'Bot';
}

export interface GithubComment {
  id: number;
  body: string;
  user: string;
  createdAt: string;
}

export interface GithubReview {
  id: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  submittedAt: string;
  commitId: string;
}

export interface GithubPullState {
  head: string;
  headSha: string;
  base: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  /** null: GitHub is still computing it. */
  mergeable: boolean | null;
  reviews: GithubReview[];
  requestedReviewers: string[];
}

export interface GithubIssueState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  labels: string[];
  assignees: string[];
  user: string;
  comments: GithubComment[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  pull: GithubPullState | null;
}

export interface GithubRunState {
  id: number;
  name: string;
  workflowId: number;
  path: string;
  headBranch: string;
  headSha: string;
  event: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  runNumber: number;
  runAttempt: number;
  actor: string;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
}

export interface GithubCheckRunState {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  app: string;
}

export interface GithubStatusState {
  id: number;
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  description: string;
  createdAt: string;
}

export interface GithubLabel {
  id: number;
  name: string;
  color: string;
  description: string;
}

export interface GithubRepoState {
  id: number;
  owner: GithubAccount;
  name: string;
  description: string | null;
  private: boolean;
  /** False: the sample token cannot see it (GitHub answers 404, never 403). */
  visible: boolean;
  archived: boolean;
  fork: boolean;
  language: string | null;
  stars: number;
  defaultBranch: string;
  /** Branch name → head sha. */
  branches: Map<string, string>;
  allowMergeCommit: boolean;
  allowSquashMerge: boolean;
  allowRebaseMerge: boolean;
  /** Check names branch protection requires on the default branch before a merge. */
  requiredChecks: string[];
  labels: GithubLabel[];
  collaborators: string[];
  issues: GithubIssueState[];
  runs: GithubRunState[];
  /** Commit sha → its check runs. */
  checkRuns: Map<string, GithubCheckRunState[]>;
  /** Commit sha → its legacy commit statuses. */
  statuses: Map<string, GithubStatusState[]>;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
}

/** Everything the fake serves, keyed by lower-case `owner/name`. */
export interface GithubStore {
  accounts: Map<string, GithubAccount>;
  repos: Map<string, GithubRepoState>;
  /** The login the sample tokens belong to. */
  viewer: GithubAccount;
  nextId: () => number;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same sample data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 40-hex commit sha derived from a label. */
export function fakeSha(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

/** The repository the sample data is centred on (what GITHUB_DEFAULT_REPO is in sandbox mode). */
export const SAMPLE_DEFAULT_REPO = 'acme/platform';
/** A pushed branch of acme/platform without a pull request (what GITHUB_DEFAULT_HEAD is in sandbox mode). */
export const SAMPLE_FEATURE_BRANCH = 'feature/add-feature';
/** The open pull request of acme/platform that is approved, green and mergeable. */
export const SAMPLE_READY_PULL = 123;

const LABELS: readonly [string, string, string][] = [
  ['bug', 'd73a4a', "Something isn't working"],
  ['enhancement', 'a2eeef', 'New feature or request'],
  ['documentation', '0075ca', 'Improvements or additions to documentation'],
  ['ops', 'fbca04', 'Operations and infrastructure'],
  ['good first issue', '7057ff', 'Good for newcomers'],
  ['security', 'b60205', 'Security-relevant'],
];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'octo-agent'];
const ISSUE_TOPICS = [
  'Login times out behind the corporate proxy',
  'Month-end report misses the last day in UTC+8',
  'Add retry to the Odoo sync job',
  'Document the BIR deadline calendar',
  'Dashboard shows stale agency metrics',
  'Upgrade Node to 22 in CI',
  'Webhook signature check fails for large payloads',
  'Export to CSV drops non-ASCII names',
  'Rate limiter counts health checks',
  'Flaky test: jobs queue drains twice',
  'Rotate the Supabase service key',
  'Add dark mode to the status page',
];

/** Builds the sample store relative to `now`. */
export function seedFakeGithub(options: { now: Date; randomSeed?: number }): GithubStore {
  const random = seededRandom(options.randomSeed ?? 0x617b);
  const now = options.now.getTime();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  let id = 1_000;
  const nextId = () => ++id;
  const accounts = new Map<string, GithubAccount>();
  const account = (login: string, type: GithubAccount['type']) => {
    const a = { login, id: nextId(), type };
    accounts.set(login.toLowerCase(), a);
    return a;
  };
  const acme = account('acme', 'Organization');
  const viewer = account('octo-agent', 'User');
  const othercorp = account('othercorp', 'Organization');
  for (const person of PEOPLE) if (!accounts.has(person)) account(person, 'User');

  const repos = new Map<string, GithubRepoState>();
  const repo = (owner: GithubAccount, name: string, extra: Partial<GithubRepoState> = {}): GithubRepoState => {
    const defaultBranch = extra.defaultBranch ?? 'main';
    const created = Math.floor(200 + random() * 900) * DAY;
    const pushed = Math.floor(1 + random() * 72) * HOUR;
    const state: GithubRepoState = {
      id: nextId(),
      owner,
      name,
      description: null,
      private: false,
      visible: true,
      archived: false,
      fork: false,
      language: 'TypeScript',
      stars: Math.floor(random() * 300),
      defaultBranch,
      branches: new Map([[defaultBranch, fakeSha(`${owner.login}/${name}@${defaultBranch}`)]]),
      allowMergeCommit: true,
      allowSquashMerge: true,
      allowRebaseMerge: true,
      requiredChecks: [],
      labels: LABELS.map(([label, color, description]) => ({ id: nextId(), name: label, color, description })),
      collaborators: [...PEOPLE],
      issues: [],
      runs: [],
      checkRuns: new Map(),
      statuses: new Map(),
      createdAt: iso(created),
      updatedAt: iso(pushed),
      pushedAt: iso(pushed),
      ...extra,
    };
    repos.set(`${owner.login}/${name}`.toLowerCase(), state);
    return state;
  };

  const platform = repo(acme, 'platform', {
    description: 'Operations platform: gateway, workers and dashboards',
    requiredChecks: ['build', 'test'],
    allowRebaseMerge: false,
    stars: 412,
  });
  repo(acme, 'erp-addons', { description: 'Odoo modules for the agencies', language: 'Python', defaultBranch: '17.0' });
  repo(acme, 'website', { description: 'Public website', language: 'Astro' });
  repo(acme, 'infra', { description: 'Terraform and Ansible', private: true, language: 'HCL' });
  repo(acme, 'mobile-app', { description: 'Field agent app', language: 'Kotlin' });
  repo(acme, 'data-pipeline', { description: 'Nightly ETL to the warehouse', language: 'Python', private: true });
  repo(acme, 'design-system', { description: 'UI components' });
  repo(acme, 'docs', { description: 'Handbook and runbooks', language: 'MDX' });
  repo(acme, 'terraform-modules', { description: 'Shared Terraform modules', language: 'HCL' });
  repo(acme, 'billing-service', { description: 'Invoicing and payments', language: 'Go', private: true });
  repo(acme, 'legacy-portal', { description: 'Old client portal (read-only)', language: 'PHP', archived: true });
  repo(acme, 'status-page', { description: 'Fork of an open-source status page', fork: true });
  repo(viewer, 'dotfiles', { description: 'Shell and editor settings', language: 'Shell' });
  repo(viewer, 'notes', { description: null, language: null, private: true });
  repo(othercorp, 'secret-plans', { private: true, visible: false, description: 'Not visible to the sample token' });

  // acme/platform: branches, issues and pull requests in one number space, runs, checks, statuses.
  const mainSha = platform.branches.get('main')!;
  for (const branch of [SAMPLE_FEATURE_BRANCH, 'fix/login-timeout', 'feat/odoo-retry', 'docs/bir-calendar', 'chore/node-22', 'feat/dark-mode', 'release/2026.11']) {
    platform.branches.set(branch, fakeSha(`acme/platform@${branch}`));
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  for (let number = 1; number <= 120; number++) {
    const isPull = number % 4 === 0;
    const ageMs = (121 - number) * 0.8 * DAY + Math.floor(random() * 10) * HOUR;
    const closed = number < 90 ? random() < 0.75 : random() < 0.2;
    const labels = LABELS.map(([name]) => name).filter(() => random() < 0.22);
    if (number % 3 === 0 && !labels.includes('bug')) labels.push('bug');
    const topic = pick(ISSUE_TOPICS);
    const createdAt = iso(ageMs);
    const updatedAt = iso(Math.max(HOUR, ageMs - Math.floor(random() * 5) * DAY));
    const issue: GithubIssueState = {
      id: nextId(),
      number,
      title: isPull ? `${pick(['fix', 'feat', 'chore', 'docs'])}: ${topic.toLowerCase()}` : topic,
      body: random() < 0.8 ? `Seen on ${pick(['ACME-MNL', 'ACME-CEB', 'ACME-DVO'])}. Steps to reproduce are in the runbook.` : null,
      state: closed ? 'closed' : 'open',
      stateReason: closed ? (random() < 0.85 ? 'completed' : 'not_planned') : null,
      labels,
      assignees: random() < 0.6 ? [pick(PEOPLE)] : [],
      user: pick(PEOPLE),
      comments: [],
      createdAt,
      updatedAt,
      closedAt: closed ? updatedAt : null,
      pull: null,
    };
    if (isPull) {
      const head = `topic/${number}`;
      const headSha = fakeSha(`acme/platform#${number}`);
      platform.branches.set(head, headSha);
      const merged = closed && random() < 0.8;
      issue.pull = {
        head,
        headSha,
        base: 'main',
        draft: false,
        merged,
        mergedAt: merged ? updatedAt : null,
        mergeCommitSha: merged ? fakeSha(`merge#${number}`) : null,
        mergeable: closed ? null : true,
        reviews: merged ? [{ id: nextId(), user: 'alice', state: 'APPROVED', submittedAt: updatedAt, commitId: headSha }] : [],
        requestedReviewers: [],
      };
      issue.stateReason = null;
      checkSuite(platform, headSha, merged || !closed ? 'green' : 'red', updatedAt);
    }
    platform.issues.push(issue);
  }

  // Open pull requests #121-#126, one per state an operator must tell apart.
  const openPull = (
    number: number,
    title: string,
    head: string,
    checks: 'green' | 'red' | 'pending',
    extra: Partial<GithubPullState>,
    labels: string[] = [],
  ): void => {
    const headSha = platform.branches.get(head) ?? fakeSha(`acme/platform@${head}`);
    platform.branches.set(head, headSha);
    const createdAt = iso((127 - number) * 6 * HOUR);
    platform.issues.push({
      id: nextId(),
      number,
      title,
      body: `${title}\n\nChecklist:\n- [x] tests\n- [x] docs`,
      state: 'open',
      stateReason: null,
      labels,
      assignees: ['octo-agent'],
      user: pick(['alice', 'bob', 'carol']),
      comments: [],
      createdAt,
      updatedAt: createdAt,
      closedAt: null,
      pull: { head, headSha, base: 'main', draft: false, merged: false, mergedAt: null, mergeCommitSha: null, mergeable: true, reviews: [], requestedReviewers: [], ...extra },
    });
    checkSuite(platform, headSha, checks, createdAt);
  };
  const review = (user: string, state: GithubReview['state'], head: string, hoursAgo: number): GithubReview => ({
    id: nextId(),
    user,
    state,
    submittedAt: iso(hoursAgo * HOUR),
    commitId: platform.branches.get(head) ?? fakeSha(`acme/platform@${head}`),
  });
  openPull(121, 'feat: retry Odoo sync with back-off', 'feat/odoo-retry', 'red', { reviews: [review('alice', 'COMMENTED', 'feat/odoo-retry', 20)], requestedReviewers: ['bob'] }, ['enhancement']);
  openPull(122, 'docs: BIR deadline calendar', 'docs/bir-calendar', 'pending', { requestedReviewers: ['carol'] }, ['documentation']);
  openPull(
    SAMPLE_READY_PULL,
    'fix: login timeout behind the proxy',
    'fix/login-timeout',
    'green',
    { reviews: [review('bob', 'COMMENTED', 'fix/login-timeout', 30), review('alice', 'APPROVED', 'fix/login-timeout', 3)] },
    ['bug'],
  );
  openPull(124, 'chore: Node 22 in CI', 'chore/node-22', 'green', { reviews: [review('carol', 'CHANGES_REQUESTED', 'chore/node-22', 8)] }, ['ops']);
  openPull(125, 'feat: dark mode for the status page', 'feat/dark-mode', 'green', { draft: true });
  openPull(126, 'release: 2026.11', 'release/2026.11', 'green', { mergeable: false, reviews: [review('alice', 'APPROVED', 'release/2026.11', 2)] });
  checkSuite(platform, mainSha, 'green', iso(2 * HOUR));

  // Workflow runs: every status, and every conclusion of completed runs.
  const workflows = [
    { id: 7001, name: 'CI', path: '.github/workflows/ci.yml' },
    { id: 7002, name: 'Deploy', path: '.github/workflows/deploy.yml' },
    { id: 7003, name: 'Nightly', path: '.github/workflows/nightly.yml' },
  ];
  const outcomes: [GithubRunState['status'], string | null][] = [
    ['completed', 'success'],
    ['completed', 'failure'],
    ['completed', 'success'],
    ['completed', 'cancelled'],
    ['completed', 'skipped'],
    ['completed', 'success'],
    ['completed', 'timed_out'],
    ['completed', 'action_required'],
    ['completed', 'neutral'],
    ['completed', 'stale'],
    ['completed', 'startup_failure'],
    ['completed', 'failure'],
    ['queued', null],
    ['in_progress', null],
    ['waiting', null],
    ['requested', null],
    ['pending', null],
  ];
  const runBranches = ['main', 'fix/login-timeout', 'feat/odoo-retry', 'chore/node-22', 'main'];
  let runNumber = 400;
  for (let i = 0; i < 34; i++) {
    const [status, conclusion] = outcomes[i % outcomes.length]!;
    const workflow = workflows[i % workflows.length]!;
    const branch = runBranches[i % runBranches.length]!;
    const createdMsAgo = (34 - i) * 5 * HOUR;
    platform.runs.push({
      id: 90_000_000 + i * 7,
      name: workflow.name,
      workflowId: workflow.id,
      path: workflow.path,
      headBranch: branch,
      headSha: platform.branches.get(branch) ?? mainSha,
      event: workflow.name === 'Nightly' ? 'schedule' : branch === 'main' ? 'push' : 'pull_request',
      status,
      conclusion,
      runNumber: ++runNumber,
      runAttempt: 1,
      actor: pick(PEOPLE),
      createdAt: iso(createdMsAgo),
      updatedAt: iso(Math.max(0, createdMsAgo - 20 * 60_000)),
      runStartedAt: iso(createdMsAgo),
    });
  }
  platform.runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);

  function checkSuite(target: GithubRepoState, sha: string, outcome: 'green' | 'red' | 'pending', at: string): void {
    const startedAt = at;
    const done = (name: string, conclusion: string): GithubCheckRunState => ({ id: nextId(), name, status: 'completed', conclusion, startedAt, completedAt: startedAt, app: 'github-actions' });
    const runs: GithubCheckRunState[] = [done('build', 'success'), done('lint', 'success')];
    if (outcome === 'green') runs.push(done('test', 'success'), done('codecov/patch', 'neutral'));
    if (outcome === 'red') runs.push(done('test', 'failure'), done('e2e', 'timed_out'));
    if (outcome === 'pending') runs.push({ id: nextId(), name: 'test', status: 'in_progress', conclusion: null, startedAt, completedAt: null, app: 'github-actions' });
    target.checkRuns.set(sha, runs);
    target.statuses.set(sha, [
      {
        id: nextId(),
        context: 'ci/deploy-preview',
        state: outcome === 'green' ? 'success' : outcome === 'red' ? 'failure' : 'pending',
        description: outcome === 'green' ? 'Preview ready' : outcome === 'red' ? 'Preview failed' : 'Building preview',
        createdAt: at,
      },
    ]);
  }

  return { accounts, repos, viewer, nextId };
}
