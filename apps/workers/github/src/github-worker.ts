import { createWorker } from '@mcpgw/worker-kit';
import { loadGithubConfig } from './config.js';
import type { GithubDeps } from './deps.js';
import { GithubClient } from './github-client.js';
import { probeGithub } from './github-probe.js';
import { commentIssue } from './tools/comment-issue.js';
import { createIssue } from './tools/create-issue.js';
import { createPr } from './tools/create-pr.js';
import { getPrStatus } from './tools/get-pr-status.js';
import { getRepo } from './tools/get-repo.js';
import { githubHealth } from './tools/github-health.js';
import { listChecks } from './tools/list-checks.js';
import { listIssues } from './tools/list-issues.js';
import { listPrs } from './tools/list-prs.js';
import { listRepos } from './tools/list-repos.js';
import { listWorkflowRuns } from './tools/list-workflow-runs.js';
import { mergePr } from './tools/merge-pr.js';
import { rerunWorkflow } from './tools/rerun-workflow.js';

/**
 * GitHub over its REST API, with a personal access token or as a GitHub App installation:
 * repositories, issues (list, filter, create, comment), pull requests (list, open, review and check
 * status, merge), GitHub Actions runs (list, failed, re-run) and checks.
 */
export const githubWorker = createWorker<GithubDeps>({
  name: 'github',
  version: '1.0.0',
  description:
    'GitHub (REST API, token or GitHub App): repositories, issues (list/filter/create/comment), pull requests (list, open, review and check status, merge with a method), Actions workflow runs (list, failed, re-run) and checks. merge_pr is destructive and needs confirm: true.',
  tools: [listRepos, getRepo, listIssues, createIssue, commentIssue, listPrs, createPr, getPrStatus, mergePr, listWorkflowRuns, rerunWorkflow, listChecks, githubHealth],
  commands: [
    { pattern: 'list-repos [<owner>]', tool: 'list_repos', description: 'Repositories of an organisation or user: /mcp-github list-repos acme' },
    { pattern: 'repo [<repo>]', tool: 'get_repo', description: 'One repository (default GITHUB_DEFAULT_REPO): /mcp-github repo acme/platform' },
    { pattern: 'list-issues [<repo>]', tool: 'list_issues', description: 'Open issues, filtered: /mcp-github list-issues --label=bug' },
    { pattern: 'create-issue <title> [<body>]', tool: 'create_issue', description: 'Open an issue: /mcp-github create-issue "Login times out" "Seen on ACME-MNL" --labels=bug' },
    { pattern: 'comment <number> <body...>', tool: 'comment_issue', description: 'Comment on an issue or pull request: /mcp-github comment 42 "Fixed in #123"' },
    { pattern: 'list-prs [<state>]', tool: 'list_prs', description: 'Pull requests (open by default): /mcp-github list-prs all --base=main' },
    { pattern: 'create-pr <title> [<body>]', tool: 'create_pr', description: 'Open a pull request from GITHUB_DEFAULT_HEAD (or --head=) into the default branch: /mcp-github create-pr "feat: Add feature" "Description here"' },
    { pattern: 'pr-status <number>', tool: 'get_pr_status', description: 'Reviews, checks and mergeability of a pull request: /mcp-github pr-status 123' },
    { pattern: 'merge-pr <number>', tool: 'merge_pr', description: 'Merge a pull request after checking it (destructive): /mcp-github merge-pr 123 --confirm=true --method=squash' },
    { pattern: 'list-runs [<status>]', tool: 'list_workflow_runs', description: 'Actions runs, by status or conclusion: /mcp-github list-runs in_progress --branch=main' },
    { pattern: 'failed-runs', tool: 'list_workflow_runs', description: 'Actions runs that failed, timed out or failed to start: /mcp-github failed-runs', defaults: { status: 'failed' } },
    { pattern: 'rerun <runId>', tool: 'rerun_workflow', description: 'Re-run the failed jobs of a run (--failed-only=false: every job): /mcp-github rerun 90000007' },
    { pattern: 'checks [<ref>]', tool: 'list_checks', description: 'Check runs and statuses of a branch, sha or pull request: /mcp-github checks main, /mcp-github checks --pr=123' },
    { pattern: 'health', tool: 'github_health', description: 'Credentials, latency and rate limit left.' },
  ],
  requiredEnv: ['GITHUB_TOKEN'],
  setup: (env, log) => {
    const loaded = loadGithubConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    const notes = [
      config.auth.kind === 'app' ? `GitHub App ${config.auth.appId}, installation ${config.auth.installationId}.` : undefined,
      config.defaultRepo ? `Default repository ${config.defaultRepo.owner}/${config.defaultRepo.name}.` : 'No GITHUB_DEFAULT_REPO: tools need repo.',
      config.sandbox ? 'Sandbox: a fake GitHub with sample repositories (acme/platform), not github.com.' : undefined,
    ].filter((n): n is string => n !== undefined);
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      notes: notes.join(' '),
      // Nothing to open: the client authenticates on first use, so the worker starts even while GitHub is down.
      deps: async () => ({
        config,
        client: new GithubClient({
          apiUrl: config.apiUrl,
          auth: config.auth,
          apiVersion: config.apiVersion,
          timeoutMs: config.timeoutMs,
          pageSize: config.pageSize,
          maxItems: config.maxItems,
          maxRetryWaitMs: config.maxRetryWaitMs,
          log,
        }),
      }),
    };
  },
  health: async (deps, signal) => {
    const probe = await probeGithub(deps, signal);
    return probe.reason === undefined ? { status: probe.status } : { status: probe.status, reason: probe.reason };
  },
});

export { githubEnvSchema, loadGithubConfig, type GithubConfig } from './config.js';
export { GithubClient } from './github-client.js';
