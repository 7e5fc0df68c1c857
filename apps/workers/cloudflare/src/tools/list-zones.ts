import { z } from 'zod';
import { cloudflareTool, limitArg, limitOf } from '../deps.js';

export const listZones = cloudflareTool({
  name: 'list_zones',
  title: 'List Cloudflare zones',
  description:
    'Zones (domains) of the account (GET /zones, filtered by CLOUDFLARE_ACCOUNT_ID), by name: id, name, status (active, pending, initializing, moved, deleted, deactivated), paused, type, plan and name servers. Follows result_info pages up to the limit; says the total and whether the list was cut.',
  input: z.object({
    name: z.string().trim().min(1).max(253).optional().describe('Only the zone with exactly this name, e.g. example.com'),
    status: z.enum(['active', 'pending', 'initializing', 'moved', 'deleted', 'deactivated']).optional().describe('Only zones in this status'),
    limit: limitArg,
  }),
  tokenCost: 600,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ name, status, limit }, { deps, signal }) => {
    const max = limitOf(deps, limit);
    const page = await deps.client.listZones({ ...(name ? { name: name.toLowerCase() } : {}), ...(status ? { status } : {}) }, max, signal);
    return {
      zones: page.items.map((z) => ({
        id: z['id'],
        name: z['name'],
        status: z['status'],
        paused: z['paused'] ?? false,
        type: z['type'] ?? null,
        plan: (z['plan'] as { name?: unknown } | undefined)?.name ?? null,
        nameServers: z['name_servers'] ?? [],
        createdOn: z['created_on'] ?? null,
        modifiedOn: z['modified_on'] ?? null,
      })),
      count: page.items.length,
      total: page.totalCount,
      truncated: page.truncated,
      pages: page.pages,
      limit: max,
    };
  },
});
