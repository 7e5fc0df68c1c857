import { z } from 'zod';
import { BRANCH_PATTERN } from '../config.js';
import { githubTool, limitArg, repoArg, repoPath, resolveRepo, shapePull } from '../deps.js';

export const listPrs = githubTool({
  name: 'list_prs',
  title: 'List GitHub pull requests',
  description: 'Pull requests of a repository (GET /repos/{owner}/{repo}/pulls) by state, base and head branch, newest first, read across pages. For reviews, checks and mergeability of one, use get_pr_status.',
  input: z.object({
    repo: repoArg,
    state: z.enum(['open', 'closed', 'all']).default('open').describe('Pull request state (closed includes merged)'),
    base: z.string().regex(BRANCH_PATTERN, 'expected a branch name').optional().describe('Only pull requests into this branch'),
    head: z.string().regex(BRANCH_PATTERN, 'expected a branch name').optional().describe('Only pull requests from this branch of the repository'),
    limit: limitArg(30),
  }),
  tokenCost: 700,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ repo, state, base, head, limit }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const page = await deps.client.paginate<Record<string, unknown>>(repoPath(target, '/pulls'), {
      query: { state, base, head: head === undefined ? undefined : `${target.owner}:${head}`, sort: 'created', direction: 'desc' },
      max: Math.min(limit, deps.config.maxItems),
      signal,
      what: `list pull requests of ${target.fullName}`,
    });
    const pulls = page.items.map(shapePull);
    return { repo: target.fullName, state, count: pulls.length, truncated: page.truncated, pages: page.pages, pulls };
  },
});
