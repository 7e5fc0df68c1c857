import { z } from 'zod';
import { cloudflareTool, zoneArg, zoneOf } from '../deps.js';
import { recordIdArg } from './update-dns-record.js';

export const deleteDnsRecord = cloudflareTool({
  name: 'delete_dns_record',
  title: 'Delete a DNS record',
  description:
    'Deletes one DNS record (DELETE /zones/{zone_id}/dns_records/{id}). Destructive and immediate: requires "confirm": true. A record that does not exist (already deleted) is TOOL_FAILED not_found.',
  input: z.object({
    zone: zoneArg,
    recordId: recordIdArg,
  }),
  tokenCost: 250,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  handler: async ({ zone, recordId }, { deps, signal }) => {
    const ref = await zoneOf(deps, zone, signal);
    const result = await deps.client.deleteDnsRecord(ref, recordId, signal);
    return { zone: ref, deleted: true, recordId: result.id ?? recordId };
  },
});
