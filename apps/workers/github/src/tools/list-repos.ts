import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { githubTool, limitArg, shapeRepo } from '../deps.js';

export const listRepos = githubTool({
  name: 'list_repos',
  title: 'List GitHub repositories',
  description:
    "Repositories of an organisation or user (GET /orgs/{owner}/repos, falling back to /users/{owner}/repos when the owner is a user), newest first, read across pages. Without an owner: the owner of GITHUB_DEFAULT_REPO, else every repository the credentials can reach (the token's user, or the App installation's repositories).",
  input: z.object({
    owner: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, 'expected an organisation or user login, e.g. acme').optional().describe('Organisation or user login; default the owner of GITHUB_DEFAULT_REPO'),
    type: z.enum(['all', 'public', 'private', 'forks', 'sources', 'member']).default('all').describe('Which repositories'),
    sort: z.enum(['created', 'updated', 'pushed', 'full_name']).default('pushed').describe('Order (newest first, except full_name A→Z)'),
    includeArchived: z.boolean().default(true).describe('Include archived repositories'),
    limit: limitArg(100),
  }),
  tokenCost: 600,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ owner, type, sort, includeArchived, limit }, { deps, signal }) => {
    const { client, config } = deps;
    const who = owner ?? config.defaultRepo?.owner;
    const query = { type, sort, direction: sort === 'full_name' ? 'asc' : 'desc' };
    const max = Math.min(limit, config.maxItems);
    let source: string;
    let page;
    if (who === undefined) {
      if (client.auth.kind === 'app') {
        source = '/installation/repositories';
        page = await client.paginate<Record<string, unknown>>(source, { itemsKey: 'repositories', max, signal, what: 'list the installation\'s repositories' });
      } else {
        source = '/user/repos';
        page = await client.paginate<Record<string, unknown>>(source, { query: { sort, direction: query.direction }, max, signal, what: "list the token user's repositories" });
      }
    } else {
      source = `/orgs/${encodeURIComponent(who)}/repos`;
      try {
        page = await client.paginate<Record<string, unknown>>(source, { query, max, signal, what: `list repositories of ${who}` });
      } catch (error) {
        if (!(error instanceof ToolError) || error.kind !== 'not_found') throw error;
        // Not an organisation: try the user of that name.
        source = `/users/${encodeURIComponent(who)}/repos`;
        const userType = type === 'private' || type === 'forks' || type === 'sources' || type === 'public' ? 'owner' : type;
        page = await client.paginate<Record<string, unknown>>(source, { query: { ...query, type: userType }, max, signal, what: `list repositories of ${who}` });
        if (userType !== type) page.items = page.items.filter((r) => matchesType(r, type));
      }
    }
    const repos = page.items.map(shapeRepo).filter((r) => includeArchived || !r.archived);
    return { owner: who ?? null, source, count: repos.length, truncated: page.truncated, pages: page.pages, repos };
  },
});

function matchesType(repo: Record<string, unknown>, type: string): boolean {
  if (type === 'private') return repo['private'] === true;
  if (type === 'public') return repo['private'] !== true;
  if (type === 'forks') return repo['fork'] === true;
  if (type === 'sources') return repo['fork'] !== true;
  return true;
}
