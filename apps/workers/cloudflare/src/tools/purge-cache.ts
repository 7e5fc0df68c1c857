import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { cloudflareTool, zoneArg, zoneOf } from '../deps.js';

const list = (what: string, item: z.ZodString) => z.array(item).min(1).max(30).optional().describe(`${what} (1–30 per call)`);

export const purgeCache = cloudflareTool({
  name: 'purge_cache',
  title: 'Purge the cache',
  description:
    'Purges a zone\'s cache (POST /zones/{zone_id}/purge_cache): everything, or only some files (full URLs), cache tags, hosts or URL prefixes — exactly one of these per call. Destructive (the next requests go to the origin): requires "confirm": true.',
  input: z.object({
    zone: zoneArg,
    everything: z.boolean().optional().describe('true: purge every cached file of the zone'),
    files: list('Full URLs to purge, e.g. https://example.com/app.css', z.string().url().max(2048)),
    tags: list('Cache-Tag values to purge', z.string().min(1).max(1024)),
    hosts: list('Host names whose files to purge, e.g. www.example.com', z.string().min(1).max(253)),
    prefixes: list('URL prefixes without scheme, e.g. www.example.com/images', z.string().min(1).max(2048)),
  }),
  tokenCost: 250,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ zone, everything, files, tags, hosts, prefixes }, { deps, signal }) => {
    const candidates: [string, unknown][] = [
      ['purge_everything', everything === true ? true : undefined],
      ['files', files],
      ['tags', tags],
      ['hosts', hosts],
      ['prefixes', prefixes],
    ];
    const chosen = candidates.filter(([, value]) => value !== undefined);
    if (chosen.length !== 1) {
      throw new ToolError('invalid_arguments', `give exactly one of everything: true, files, tags, hosts or prefixes (got ${chosen.length === 0 ? 'none' : chosen.map(([k]) => k.replace('purge_', '')).join(', ')})`);
    }
    const [kind, value] = chosen[0]!;
    const ref = await zoneOf(deps, zone, signal);
    await deps.client.purgeCache(ref, { [kind]: value }, signal);
    return {
      zone: ref,
      purged: kind === 'purge_everything' ? 'everything' : kind,
      ...(Array.isArray(value) ? { items: value.length } : {}),
    };
  },
});
