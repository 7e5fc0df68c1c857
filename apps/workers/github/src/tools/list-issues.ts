import { z } from 'zod';
import { githubTool, limitArg, repoArg, repoPath, resolveRepo, shapeIssue, sinceArg, stringList, toIsoTimestamp } from '../deps.js';

export const listIssues = githubTool({
  name: 'list_issues',
  title: 'List GitHub issues',
  description:
    'Issues of a repository (GET /repos/{owner}/{repo}/issues), filtered by state, labels (all must match), assignee, author and last update, newest first, read across pages. GitHub lists pull requests among issues; they are left out unless includePulls is true.',
  input: z.object({
    repo: repoArg,
    state: z.enum(['open', 'closed', 'all']).default('open').describe('Issue state'),
    label: z.string().trim().max(500).optional().describe('Label, or comma-separated labels that must all be present: bug or bug,ops'),
    assignee: z.string().trim().max(100).optional().describe('Assignee login; none for unassigned, * for any'),
    author: z.string().trim().max(100).optional().describe('Login of who opened it'),
    since: sinceArg.optional(),
    sort: z.enum(['created', 'updated', 'comments']).default('created').describe('Order, newest (or most) first'),
    includePulls: z.boolean().default(false).describe('Also list pull requests (GitHub returns them from this endpoint)'),
    limit: limitArg(50),
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ repo, state, label, assignee, author, since, sort, includePulls, limit }, { deps, signal }) => {
    const target = resolveRepo(deps.config, repo);
    const labels = stringList(label);
    const page = await deps.client.paginate<Record<string, unknown>>(repoPath(target, '/issues'), {
      query: {
        state,
        labels: labels.length > 0 ? labels.join(',') : undefined,
        assignee,
        creator: author,
        since: since === undefined ? undefined : toIsoTimestamp(since),
        sort,
        direction: 'desc',
      },
      max: Math.min(limit, deps.config.maxItems),
      // Pull requests come back mixed in (they carry a pull_request member).
      ...(includePulls ? {} : { filter: (item: Record<string, unknown>) => item['pull_request'] === undefined }),
      signal,
      what: `list issues of ${target.fullName}`,
    });
    const issues = page.items.map(shapeIssue);
    return { repo: target.fullName, state, labels, count: issues.length, truncated: page.truncated, pages: page.pages, skippedPulls: page.skipped, issues };
  },
});
