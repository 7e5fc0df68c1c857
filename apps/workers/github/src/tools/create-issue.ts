import { z } from 'zod';
import { githubTool, repoArg, repoPath, resolveRepo, shapeIssue, stringList, stringListArg } from '../deps.js';

export const createIssue = githubTool({
  name: 'create_issue',
  title: 'Create a GitHub issue',
  description: 'Opens an issue (POST /repos/{owner}/{repo}/issues) with a title, an optional Markdown body, labels and assignees. Sent once, never retried after a timeout (it may have been created).',
  input: z.object({
    repo: repoArg,
    title: z.string().trim().min(1).max(256).describe('Issue title'),
    body: z.string().max(65_536).optional().describe('Markdown body'),
    labels: stringListArg.optional().describe('Labels: a comma list (bug,ops) or a JSON array'),
    assignees: stringListArg.optional().describe('Logins to assign: a comma list or a JSON array'),
  }),
  tokenCost: 300,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ repo, title, body, labels, assignees }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const payload = {
      title,
      ...(body === undefined ? {} : { body }),
      ...(labels === undefined ? {} : { labels: stringList(labels) }),
      ...(assignees === undefined ? {} : { assignees: stringList(assignees) }),
    };
    const { data } = await deps.client.request<Record<string, unknown>>('POST', repoPath(target, '/issues'), { body: payload, signal, what: `create an issue in ${target.fullName}` });
    return { repo: target.fullName, created: true, issue: shapeIssue(data) };
  },
});
