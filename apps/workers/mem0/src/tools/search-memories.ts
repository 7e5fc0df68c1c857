import { z } from 'zod';
import { describeScope, mem0Tool, memoryView, resolveScope, scopeArgs } from '../deps.js';

export const searchMemories = mem0Tool({
  name: 'search_memories',
  title: 'Search memories',
  description:
    "The memories most relevant to a query, best first, each with its score (0-1 on the platform). Searches the calling agent's memories unless userId, agentId or runId is given (then exactly those, ANDed).",
  input: z.object({
    query: z.string().trim().min(1).max(2_000).describe('What to look for, e.g. "programming preferences"'),
    ...scopeArgs,
    limit: z.number().int().min(1).max(100).default(10).describe('At most this many memories (Mem0 top_k)'),
    threshold: z.number().min(0).max(1).optional().describe('Only memories scoring at least this (0-1)'),
  }),
  tokenCost: 600,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ query, userId, agentId, runId, limit, threshold }, ctx) => {
    const resolved = resolveScope({ userId, agentId, runId }, ctx.agent, 'read');
    const topK = Math.min(limit, ctx.deps.config.maxResults);
    const memories = await ctx.deps.client.search(query, resolved.scope, { topK, ...(threshold === undefined ? {} : { threshold }), signal: ctx.signal });
    return { query, scope: describeScope(resolved), count: memories.length, memories: memories.map(memoryView) };
  },
});
