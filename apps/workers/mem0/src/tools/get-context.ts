import { z } from 'zod';
import { describeScope, mem0Tool, memoryView, resolveScope, scopeArgs } from '../deps.js';

export const getContext = mem0Tool({
  name: 'get_context',
  title: 'Get memory context',
  description:
    "Everything Mem0 remembers for an agent, user or run: the memories (read page by page up to limit), their total, and `context`, the memories as a bullet list ready to put in a prompt. Defaults to the calling agent's memories.",
  input: z.object({
    ...scopeArgs,
    limit: z.number().int().min(1).default(50).describe('At most this many memories (never more than MEM0_MAX_RESULTS)'),
  }),
  tokenCost: 1_000,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ userId, agentId, runId, limit }, ctx) => {
    const resolved = resolveScope({ userId, agentId, runId }, ctx.agent, 'read');
    const effective = Math.min(limit, ctx.deps.config.maxResults);
    const list = await ctx.deps.client.list(resolved.scope, { limit: effective, signal: ctx.signal });
    return {
      scope: describeScope(resolved),
      count: list.memories.length,
      total: list.total,
      truncated: list.truncated,
      limit: effective,
      pages: list.pages,
      memories: list.memories.map(memoryView),
      context: list.memories.map((m) => `- ${m.memory}`).join('\n'),
    };
  },
});
