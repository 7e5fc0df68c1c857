import { createWorker } from '@mcpgw/worker-kit';
import { loadMem0Config } from './config.js';
import type { Mem0Deps } from './deps.js';
import { Mem0Client } from './mem0-client.js';
import { probeMem0 } from './mem0-probe.js';
import { deleteMemory } from './tools/delete-memory.js';
import { getContext } from './tools/get-context.js';
import { mem0Health } from './tools/mem0-health.js';
import { remember } from './tools/remember.js';
import { searchMemories } from './tools/search-memories.js';

/**
 * Mem0, the agents' long-term memory: remember facts, search them, read an agent's or user's whole
 * context, delete one. Memories are scoped by user_id / agent_id / run_id; the calling agent (which
 * the gateway sends with every call) is the default scope.
 */
export const mem0Worker = createWorker<Mem0Deps>({
  name: 'mem0',
  version: '1.0.0',
  description:
    "Mem0 memory for agents (hosted platform API or a self-hosted server): remember facts, search them by meaning, get an agent's or user's memories as context, delete one (confirm). Scoped by user_id / agent_id / run_id; default scope: the calling agent.",
  tools: [remember, searchMemories, getContext, deleteMemory, mem0Health],
  commands: [
    { pattern: 'remember <text...>', tool: 'remember', description: 'Store a memory for the calling agent: /mcp-mem0 remember "User prefers TypeScript"' },
    { pattern: 'search <query...>', tool: 'search_memories', description: 'Memories relevant to a query: /mcp-mem0 search "programming preferences"' },
    { pattern: 'get-context [<agentId>]', tool: 'get_context', description: "An agent's memories (default: the calling agent): /mcp-mem0 get-context agent_001" },
    { pattern: 'get-context user <userId>', tool: 'get_context', description: "A user's memories: /mcp-mem0 get-context user alice" },
    { pattern: 'delete <memoryId>', tool: 'delete_memory', description: 'Delete one memory (destructive): /mcp-mem0 delete <id> --confirm=true' },
    { pattern: 'health', tool: 'mem0_health', description: 'Whether Mem0 answers and accepts the key, and how fast.' },
  ],
  // The hosted platform needs the key; a self-hosted server needs MEM0_API_URL instead (config.ts).
  requiredEnv: ['MEM0_API_KEY'],
  setup: (env, log) => {
    const loaded = loadMem0Config(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      ...(config.sandbox ? { notes: 'Sandbox: talking to a fake Mem0 with sample memories; searches score by shared words, not embeddings.' } : {}),
      // Nothing to open: each call is one or a few HTTP requests, so the worker starts while Mem0 is down.
      deps: async () => ({
        config,
        client: new Mem0Client({
          kind: config.kind,
          url: config.url,
          apiKey: config.apiKey,
          orgId: config.orgId,
          projectId: config.projectId,
          timeoutMs: config.timeoutMs,
          pageSize: config.pageSize,
          log,
        }),
      }),
    };
  },
  health: async (deps, signal) => {
    const probe = await probeMem0(deps.client, signal);
    return probe.reason === undefined ? { status: probe.status } : { status: probe.status, reason: probe.reason };
  },
});

export { mem0EnvSchema, loadMem0Config, MEM0_PLATFORM_URL, type Mem0Config, type Mem0ApiKind } from './config.js';
export { Mem0Client, type Mem0Memory, type Mem0Scope, type Mem0Event, type Mem0List } from './mem0-client.js';
