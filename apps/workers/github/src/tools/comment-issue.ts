import { z } from 'zod';
import { githubTool, numberArg, repoArg, repoPath, resolveRepo } from '../deps.js';

export const commentIssue = githubTool({
  name: 'comment_issue',
  title: 'Comment on a GitHub issue or pull request',
  description: 'Adds a comment to an issue or a pull request (POST /repos/{owner}/{repo}/issues/{number}/comments; pull requests share the issue numbers). Sent once, never retried after a timeout.',
  input: z.object({
    repo: repoArg,
    number: numberArg.describe('Issue or pull request number'),
    body: z.string().trim().min(1).max(65_536).describe('Markdown comment'),
  }),
  tokenCost: 200,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ repo, number, body }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const { data } = await deps.client.request<Record<string, unknown>>('POST', repoPath(target, `/issues/${number}/comments`), {
      body: { body },
      signal,
      what: `comment on ${target.fullName}#${number}`,
    });
    return {
      repo: target.fullName,
      number,
      comment: {
        id: data['id'] as number,
        author: ((data['user'] as Record<string, unknown> | undefined)?.['login'] as string | undefined) ?? null,
        createdAt: (data['created_at'] as string | undefined) ?? null,
        url: (data['html_url'] as string | undefined) ?? null,
      },
    };
  },
});
