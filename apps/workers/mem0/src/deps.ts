import { ToolError, toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { Mem0Config } from './config.js';
import type { Mem0Client, Mem0Memory, Mem0Scope } from './mem0-client.js';

/** What every mem0 tool receives. */
export interface Mem0Deps {
  config: Mem0Config;
  client: Mem0Client;
}

export const mem0Tool = toolDefiner<Mem0Deps>();

/** A user, agent or run id as Mem0 stores it: 1–128 printable characters. */
const entityId = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters')
    .describe(what);

/** The scope arguments every memory tool takes. */
export const scopeArgs = {
  userId: entityId('Memories of this user (Mem0 user_id)').optional(),
  agentId: entityId('Memories of this agent (Mem0 agent_id); default: the calling agent').optional(),
  runId: entityId('Memories of this run or session (Mem0 run_id)').optional(),
};

/** The scope a call reads or writes, and whether the calling agent filled it in. */
export interface ResolvedScope {
  scope: Mem0Scope;
  /** True when agentId came from the caller's identity rather than the arguments. */
  agentFromCaller: boolean;
}

/**
 * Reads use exactly the ids given; with none, the calling agent's own memories. Writes always carry
 * an agent (the one given, else the caller), plus any user or run given.
 */
export function resolveScope(args: Mem0Scope, caller: string | undefined, mode: 'read' | 'write'): ResolvedScope {
  const given = Boolean(args.userId || args.agentId || args.runId);
  const useCaller = args.agentId === undefined && (mode === 'write' || !given);
  if (useCaller && caller === undefined && !given) {
    throw new ToolError('invalid_arguments', 'no scope: pass userId, agentId or runId (the gateway fills in the calling agent; this call came without one)');
  }
  const agentId = args.agentId ?? (useCaller ? caller : undefined);
  const scope: Mem0Scope = {
    ...(args.userId ? { userId: args.userId } : {}),
    ...(agentId ? { agentId } : {}),
    ...(args.runId ? { runId: args.runId } : {}),
  };
  return { scope, agentFromCaller: useCaller && agentId !== undefined };
}

/** A scope as answers show it (only the ids that are set). */
export function describeScope(resolved: ResolvedScope): Record<string, unknown> {
  return { ...resolved.scope, ...(resolved.agentFromCaller ? { agentFromCaller: true } : {}) };
}

/** One memory as tools answer it: no nulls for absent scope ids. */
export function memoryView(memory: Mem0Memory): Record<string, unknown> {
  return {
    id: memory.id,
    memory: memory.memory,
    ...(memory.score === undefined ? {} : { score: memory.score }),
    ...(memory.userId ? { userId: memory.userId } : {}),
    ...(memory.agentId ? { agentId: memory.agentId } : {}),
    ...(memory.runId ? { runId: memory.runId } : {}),
    ...(memory.categories.length > 0 ? { categories: memory.categories } : {}),
    ...(memory.metadata ? { metadata: memory.metadata } : {}),
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
  };
}
