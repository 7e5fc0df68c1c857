import { z } from 'zod';
import { n8nTool } from '../deps.js';
import { probeN8n } from '../n8n-probe.js';

export const n8nHealth = n8nTool({
  name: 'n8n_health',
  title: 'n8n health',
  description:
    'Probes n8n now with the cheapest authenticated request (GET /workflows?limit=1): is the instance answering, is the public API enabled, is N8N_API_KEY accepted, and how fast. status is ok, degraded (slow or rate-limited) or down, with a reason.',
  input: z.object({}),
  tokenCost: 150,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, { deps, signal }) => ({ origin: deps.client.origin, ...(await probeN8n(deps.client, signal)), checkedAt: new Date().toISOString() }),
});
