import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { cloudflareTool, dnsRecordView, zoneArg, zoneOf } from '../deps.js';
import { ttlArg } from './create-dns-record.js';
import { DNS_TYPES, fullName } from './list-dns-records.js';

export const recordIdArg = z.string().trim().regex(/^[0-9a-f]{32}$/, 'expected the record id: 32 hex characters, as list_dns_records returns it').describe('The record\'s id (from list_dns_records)');

export const updateDnsRecord = cloudflareTool({
  name: 'update_dns_record',
  title: 'Update a DNS record',
  description:
    'Changes the given fields of one DNS record (PATCH /zones/{zone_id}/dns_records/{id}); fields not given stay as they are. Sending the same change twice leaves the same record. Returns the record after the change.',
  input: z.object({
    zone: zoneArg,
    recordId: recordIdArg,
    type: z.enum(DNS_TYPES).optional().describe('New type'),
    name: z.string().trim().min(1).max(253).optional().describe('New name (www, @ or a full name)'),
    content: z.string().min(1).max(4096).optional().describe('New content'),
    ttl: ttlArg.optional(),
    proxied: z.boolean().optional().describe('Through the proxy or not (A, AAAA, CNAME)'),
    priority: z.number().int().min(0).max(65_535).optional().describe('New MX priority'),
    comment: z.string().max(500).nullable().optional().describe('New comment; null removes it'),
  }),
  tokenCost: 400,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async ({ zone, recordId, name, ...changes }, { deps, signal }) => {
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (name === undefined && Object.keys(body).length === 0) {
      throw new ToolError('invalid_arguments', 'nothing to change: give at least one of type, name, content, ttl, proxied, priority, comment');
    }
    const ref = await zoneOf(deps, zone, signal);
    if (name !== undefined) body['name'] = fullName(name, ref.name);
    const record = await deps.client.updateDnsRecord(ref, recordId, body, signal);
    return { zone: ref, updated: true, record: dnsRecordView(record) };
  },
});
