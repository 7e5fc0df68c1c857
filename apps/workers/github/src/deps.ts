import { ToolError, toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { REPO_PATTERN, type GithubConfig } from './config.js';
import type { GithubClient } from './github-client.js';

/** What every github tool receives. */
export interface GithubDeps {
  config: GithubConfig;
  client: GithubClient;
}

export const githubTool = toolDefiner<GithubDeps>();

/** A repository the tools act on. */
export interface RepoRef {
  owner: string;
  name: string;
  /** `owner/name`, as GitHub spells it in paths. */
  fullName: string;
}

/** The `repo` argument: `owner/name`, or a bare name in GITHUB_DEFAULT_REPO's owner; optional when that is set. */
export const repoArg = z
  .string()
  .trim()
  .regex(/^([A-Za-z0-9][A-Za-z0-9-]{0,38}\/)?[A-Za-z0-9._-]{1,100}$/, 'expected owner/name, e.g. acme/platform')
  .optional()
  .describe('Repository as owner/name (a bare name means the owner of GITHUB_DEFAULT_REPO); default GITHUB_DEFAULT_REPO');

/** Resolves the `repo` argument against GITHUB_DEFAULT_REPO, or says which to set. */
export function resolveRepo(config: GithubConfig, repo: string | undefined): RepoRef {
  if (repo === undefined || repo === '') {
    if (!config.defaultRepo) {
      throw new ToolError('invalid_arguments', 'no repository given: pass repo as owner/name (--repo=acme/platform), or set GITHUB_DEFAULT_REPO');
    }
    return ref(config.defaultRepo.owner, config.defaultRepo.name);
  }
  const full = REPO_PATTERN.exec(repo);
  if (full) return ref(full[1]!, full[2]!);
  if (!config.defaultRepo) throw new ToolError('invalid_arguments', `repo "${repo}" has no owner: pass owner/name, or set GITHUB_DEFAULT_REPO so a bare name means one of its owner's repositories`);
  return ref(config.defaultRepo.owner, repo);
}

function ref(owner: string, name: string): RepoRef {
  return { owner, name, fullName: `${owner}/${name}` };
}

/** `/repos/{owner}/{name}` with both parts encoded. */
export function repoPath(repo: RepoRef, suffix = ''): string {
  return `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}${suffix}`;
}

/** `limit` arguments: capped by GITHUB_MAX_ITEMS in the handler. */
export const limitArg = (defaultValue: number) =>
  z.number().int().min(1).max(10_000).default(defaultValue).describe(`At most this many items, read across pages (default ${defaultValue}; never more than GITHUB_MAX_ITEMS)`);

/** Issue and pull request numbers. */
export const numberArg = z.number().int().min(1).max(2_147_483_647);

/** An ISO 8601 moment or date, for `since`. */
export const sinceArg = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, 'expected YYYY-MM-DD or an ISO date-time such as 2026-03-01T08:00:00Z')
  .refine((v) => !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)), 'not a real date')
  .describe('Only items updated at or after this moment: YYYY-MM-DD (midnight UTC) or an ISO date-time');

/** `since` as GitHub wants it: a full ISO timestamp. */
export function toIsoTimestamp(value: string): string {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A comma list or an array of strings → trimmed, non-empty, unique. */
export function stringList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : value.split(',');
  return [...new Set(items.map((v) => v.trim()).filter(Boolean))];
}

/** Labels or assignees: a comma list (`bug,ops`) or a JSON array. */
export const stringListArg = z.union([z.string().max(1_000), z.array(z.string().min(1).max(100)).max(50)]);

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const login = (v: unknown): string | null => str((v as Json | null)?.['login']);

/** A repository, reduced to what an operator reads. */
export function shapeRepo(r: Json) {
  return {
    fullName: str(r['full_name']),
    private: r['private'] === true,
    archived: r['archived'] === true,
    fork: r['fork'] === true,
    description: str(r['description']),
    language: str(r['language']),
    defaultBranch: str(r['default_branch']),
    openIssues: typeof r['open_issues_count'] === 'number' ? r['open_issues_count'] : null,
    stars: typeof r['stargazers_count'] === 'number' ? r['stargazers_count'] : null,
    pushedAt: str(r['pushed_at']),
    url: str(r['html_url']),
  };
}

/** An issue (or a pull request seen through the issues API). */
export function shapeIssue(i: Json) {
  const pull = i['pull_request'] as Json | undefined;
  return {
    number: i['number'] as number,
    title: str(i['title']),
    state: str(i['state']),
    stateReason: str(i['state_reason']),
    isPullRequest: pull !== undefined,
    labels: Array.isArray(i['labels']) ? (i['labels'] as unknown[]).map((l) => (typeof l === 'string' ? l : str((l as Json)['name']))).filter((l): l is string => l !== null) : [],
    assignees: Array.isArray(i['assignees']) ? (i['assignees'] as unknown[]).map(login).filter((l): l is string => l !== null) : [],
    author: login(i['user']),
    comments: typeof i['comments'] === 'number' ? i['comments'] : 0,
    createdAt: str(i['created_at']),
    updatedAt: str(i['updated_at']),
    closedAt: str(i['closed_at']),
    url: str(i['html_url']),
  };
}

/** A pull request from the pulls API. */
export function shapePull(p: Json) {
  const head = (p['head'] ?? {}) as Json;
  const base = (p['base'] ?? {}) as Json;
  return {
    number: p['number'] as number,
    title: str(p['title']),
    state: str(p['state']),
    draft: p['draft'] === true,
    author: login(p['user']),
    head: str(head['ref']),
    headSha: str(head['sha']),
    base: str(base['ref']),
    mergedAt: str(p['merged_at']),
    requestedReviewers: Array.isArray(p['requested_reviewers']) ? (p['requested_reviewers'] as unknown[]).map(login).filter((l): l is string => l !== null) : [],
    labels: Array.isArray(p['labels']) ? (p['labels'] as Json[]).map((l) => str(l['name'])).filter((l): l is string => l !== null) : [],
    createdAt: str(p['created_at']),
    updatedAt: str(p['updated_at']),
    url: str(p['html_url']),
  };
}

/** A workflow run. */
export function shapeRun(r: Json) {
  return {
    id: r['id'] as number,
    name: str(r['name']),
    workflowId: typeof r['workflow_id'] === 'number' ? r['workflow_id'] : null,
    branch: str(r['head_branch']),
    headSha: str(r['head_sha']),
    event: str(r['event']),
    status: str(r['status']),
    conclusion: str(r['conclusion']),
    runNumber: typeof r['run_number'] === 'number' ? r['run_number'] : null,
    attempt: typeof r['run_attempt'] === 'number' ? r['run_attempt'] : null,
    actor: login(r['actor']),
    createdAt: str(r['created_at']),
    updatedAt: str(r['updated_at']),
    url: str(r['html_url']),
  };
}
