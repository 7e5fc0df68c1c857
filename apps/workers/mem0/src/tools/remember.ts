import { z } from 'zod';
import { describeScope, mem0Tool, resolveScope, scopeArgs } from '../deps.js';

export const remember = mem0Tool({
  name: 'remember',
  title: 'Remember',
  description:
    "Stores a fact as a memory (Mem0 add). Scoped to the calling agent (agent_id) unless agentId is given, plus userId / runId when given. With infer (default) Mem0 extracts the facts from the text and may update or remove a memory the new one contradicts; the answer lists each event (ADD, UPDATE, DELETE, NONE) with the memory's id.",
  input: z.object({
    text: z.string().trim().min(1).max(8_000).describe('What to remember, e.g. "User prefers TypeScript"'),
    ...scopeArgs,
    role: z.enum(['user', 'assistant']).default('user').describe('Who said it: user (a fact about the user) or assistant'),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Extra fields stored with the memory, e.g. {"source":"onboarding"}'),
    infer: z.boolean().default(true).describe('Let Mem0 extract facts (true) or store the text as it is (false)'),
  }),
  tokenCost: 150,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ text, userId, agentId, runId, role, metadata, infer }, ctx) => {
    const resolved = resolveScope({ userId, agentId, runId }, ctx.agent, 'write');
    const result = await ctx.deps.client.add(text, resolved.scope, { role, metadata, infer, signal: ctx.signal });
    const count = (event: string) => result.events.filter((e) => e.event === event).length;
    return {
      scope: describeScope(resolved),
      events: result.events,
      added: count('ADD'),
      updated: count('UPDATE'),
      deleted: count('DELETE'),
      unchanged: count('NONE'),
      queued: result.queued,
      ...(result.message ? { message: result.message } : {}),
    };
  },
});
