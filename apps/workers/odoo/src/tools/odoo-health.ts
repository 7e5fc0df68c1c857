import { z } from 'zod';
import { odooTool } from '../deps.js';
import { probeOdoo } from '../odoo-probe.js';

export const odooHealth = odooTool({
  name: 'odoo_health',
  title: 'Odoo health',
  description:
    'Probes Odoo now: common.version (is the server answering, which version) and common.authenticate (are ODOO_USERNAME / ODOO_API_KEY accepted), with the latency of each. status is ok, degraded (slow or rate-limited) or down, with a reason.',
  input: z.object({}),
  tokenCost: 150,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, { deps, signal }) => {
    const probe = await probeOdoo(deps.client, signal);
    return { origin: deps.client.origin, db: deps.client.db, ...probe };
  },
});
