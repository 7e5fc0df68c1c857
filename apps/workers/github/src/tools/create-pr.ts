import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { BRANCH_PATTERN } from '../config.js';
import { githubTool, repoArg, repoPath, resolveRepo, shapePull } from '../deps.js';

export const createPr = githubTool({
  name: 'create_pr',
  title: 'Open a GitHub pull request',
  description:
    "Opens a pull request (POST /repos/{owner}/{repo}/pulls) from head into base. head defaults to GITHUB_DEFAULT_HEAD (the worker cannot see the caller's checkout: pass the current branch as head); base defaults to the repository's default branch. Sent once, never retried after a timeout.",
  input: z.object({
    title: z.string().trim().min(1).max(256).describe('Pull request title, e.g. "feat: Add feature"'),
    body: z.string().max(65_536).optional().describe('Markdown description'),
    repo: repoArg,
    head: z.string().regex(BRANCH_PATTERN, 'expected a branch name').optional().describe('Branch with the changes (the current branch); default GITHUB_DEFAULT_HEAD'),
    base: z.string().regex(BRANCH_PATTERN, 'expected a branch name').optional().describe("Branch to merge into; default the repository's default branch"),
    draft: z.boolean().default(false).describe('Open as a draft'),
  }),
  tokenCost: 400,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ title, body, repo, head, base, draft }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const from = head ?? deps.config.defaultHead;
    if (from === undefined) {
      throw new ToolError('invalid_arguments', 'create_pr needs the branch with the changes: pass head (--head=<current branch>), or set GITHUB_DEFAULT_HEAD');
    }
    let into = base;
    if (into === undefined) {
      const { data } = await deps.client.request<Record<string, unknown>>('GET', repoPath(target), { signal, what: `read the default branch of ${target.fullName}` });
      if (typeof data['default_branch'] !== 'string') throw new ToolError('upstream', `GitHub did not say which branch is the default of ${target.fullName}; pass base`);
      into = data['default_branch'];
    }
    if (from === into) throw new ToolError('invalid_arguments', `head and base are both "${from}": a pull request needs a different branch with the changes (pass --head=<branch>)`);
    const { data } = await deps.client.request<Record<string, unknown>>('POST', repoPath(target, '/pulls'), {
      body: { title, head: from, base: into, draft, ...(body === undefined ? {} : { body }) },
      signal,
      what: `open a pull request from ${from} into ${into} in ${target.fullName}`,
    });
    return { repo: target.fullName, created: true, defaults: { head: head === undefined, base: base === undefined }, pull: shapePull(data) };
  },
});
