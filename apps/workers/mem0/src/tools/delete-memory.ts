import { z } from 'zod';
import { mem0Tool, memoryView } from '../deps.js';

export const deleteMemory = mem0Tool({
  name: 'delete_memory',
  title: 'Delete a memory',
  description:
    'Deletes one memory by id, at once and for good. Destructive: needs "confirm": true. Reads the memory first, so an unknown id is a not_found error and the answer shows what was deleted.',
  input: z.object({
    memoryId: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a Mem0 memory id (letters, digits, - and _)')
      .describe('The memory id, as remember, search_memories and get_context return it'),
  }),
  tokenCost: 100,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ memoryId }, ctx) => {
    const memory = await ctx.deps.client.get(memoryId, { signal: ctx.signal });
    const result = await ctx.deps.client.delete(memoryId, { signal: ctx.signal });
    ctx.log.info({ memoryId, agent: ctx.agent }, 'mem0 memory deleted');
    return { deleted: memoryView(memory), message: result.message };
  },
});
