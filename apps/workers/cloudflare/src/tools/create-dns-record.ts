import { z } from 'zod';
import { cloudflareTool, dnsRecordView, zoneArg, zoneOf } from '../deps.js';
import { DNS_TYPES, fullName } from './list-dns-records.js';

/** Fields shared by create and update. */
export const ttlArg = z
  .number()
  .int()
  .refine((ttl) => ttl === 1 || (ttl >= 60 && ttl <= 86_400), 'ttl is 1 (automatic) or 60..86400 seconds')
  .describe('Time to live in seconds: 1 = automatic, else 60..86400');

export const createDnsRecord = cloudflareTool({
  name: 'create_dns_record',
  title: 'Create a DNS record',
  description:
    'Creates a DNS record in a zone (POST /zones/{zone_id}/dns_records). Cloudflare refuses an identical record (81058), a CNAME next to other records of the same name (81053), invalid content for the type (9005) or a bad ttl (9021); those come back as TOOL_FAILED with Cloudflare\'s code. Not retried except after a 429, so a record is never created twice.',
  input: z.object({
    zone: zoneArg,
    type: z.enum(DNS_TYPES).describe('Record type'),
    name: z.string().trim().min(1).max(253).describe('Record name: www, @ (the zone itself) or a full name such as www.example.com'),
    content: z.string().min(1).max(4096).describe('IPv4 for A, IPv6 for AAAA, a host name for CNAME/MX/NS, text for TXT'),
    ttl: ttlArg.default(1),
    proxied: z.boolean().optional().describe('Through Cloudflare\'s proxy (A, AAAA and CNAME only); default false'),
    priority: z.number().int().min(0).max(65_535).optional().describe('MX priority (required for MX)'),
    comment: z.string().max(500).optional().describe('A note kept with the record'),
  }),
  tokenCost: 400,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ zone, type, name, content, ttl, proxied, priority, comment }, { deps, signal }) => {
    const ref = await zoneOf(deps, zone, signal);
    const body: Record<string, unknown> = { type, name: fullName(name, ref.name), content, ttl };
    if (proxied !== undefined) body['proxied'] = proxied;
    if (priority !== undefined) body['priority'] = priority;
    if (comment !== undefined) body['comment'] = comment;
    const record = await deps.client.createDnsRecord(ref, body, signal);
    return { zone: ref, created: true, record: dnsRecordView(record) };
  },
});
