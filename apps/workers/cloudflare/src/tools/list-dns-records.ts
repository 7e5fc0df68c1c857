import { z } from 'zod';
import { cloudflareTool, dnsRecordView, limitArg, limitOf, zoneArg, zoneOf } from '../deps.js';

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA', 'PTR'] as const;

export const listDnsRecords = cloudflareTool({
  name: 'list_dns_records',
  title: 'List DNS records',
  description:
    'DNS records of a zone (GET /zones/{zone_id}/dns_records), optionally by type, exact name or content: id, type, name, content, proxied, ttl (1 = automatic), priority (MX), comment, tags. The zone is a name or id (default CLOUDFLARE_ZONE). Follows result_info pages up to the limit.',
  input: z.object({
    zone: zoneArg,
    type: z.enum(DNS_TYPES).optional().describe('Only records of this type'),
    name: z.string().trim().min(1).max(253).optional().describe('Only records with exactly this name; a name without the zone (www) is completed (www.example.com)'),
    content: z.string().min(1).max(4096).optional().describe('Only records with exactly this content, e.g. an IP address'),
    limit: limitArg,
  }),
  tokenCost: 900,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ zone, type, name, content, limit }, { deps, signal }) => {
    const ref = await zoneOf(deps, zone, signal);
    const max = limitOf(deps, limit);
    const fqdn = name === undefined ? undefined : fullName(name, ref.name);
    const page = await deps.client.listDnsRecords(ref, { type, name: fqdn, content }, max, signal);
    return {
      zone: ref,
      records: page.items.map(dnsRecordView),
      count: page.items.length,
      total: page.totalCount,
      truncated: page.truncated,
      pages: page.pages,
      limit: max,
    };
  },
});

/** `www` → `www.example.com`; `@` → the zone; full names stay. */
export function fullName(name: string, zone: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  if (lower === '@' || lower === zone) return zone;
  return lower.endsWith(`.${zone}`) ? lower : `${lower}.${zone}`;
}
