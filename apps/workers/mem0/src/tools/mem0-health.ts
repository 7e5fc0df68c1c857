import { z } from 'zod';
import { mem0Tool } from '../deps.js';
import { probeMem0 } from '../mem0-probe.js';

export const mem0Health = mem0Tool({
  name: 'mem0_health',
  title: 'Mem0 health',
  description:
    'Probes Mem0 now with the cheapest authenticated read (one page of one memory): whether it answers, whether MEM0_API_KEY is accepted, and how fast. status is ok, degraded (slow or rate-limited) or down, with a reason.',
  input: z.object({}),
  tokenCost: 100,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, { deps, signal }) => ({ kind: deps.client.kind, origin: deps.client.origin, ...(await probeMem0(deps.client, signal)), checkedAt: new Date().toISOString() }),
});
