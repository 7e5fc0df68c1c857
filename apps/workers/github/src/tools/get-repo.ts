import { z } from 'zod';
import { githubTool, repoArg, repoPath, resolveRepo, shapeRepo } from '../deps.js';

export const getRepo = githubTool({
  name: 'get_repo',
  title: 'GitHub repository',
  description: 'One repository (GET /repos/{owner}/{repo}): default branch, visibility, archived, open issues and pull requests, last push, and which merge methods it allows.',
  input: z.object({ repo: repoArg }),
  tokenCost: 200,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ repo }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const { data } = await deps.client.request<Record<string, unknown>>('GET', repoPath(target), { signal, what: `read repository ${target.fullName}` });
    const mergeMethods = (['merge', 'squash', 'rebase'] as const).filter((m) => data[`allow_${m === 'merge' ? 'merge_commit' : `${m}_merge`}`] !== false);
    return { ...shapeRepo(data), mergeMethods, createdAt: typeof data['created_at'] === 'string' ? data['created_at'] : null };
  },
});
