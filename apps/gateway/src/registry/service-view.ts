import type { ToolDefinitionView } from '../pins/tool-pins.js';
import { clientConfig, runCommandLine, type LocalReference, type LocalRunCommand } from './local-references.js';
import type { ServiceEntry, ServiceLocation } from './service-registry.js';

/** A service's state in one word: the worker's lifecycle while it is not running, its health otherwise. */
export type ServiceStatus = 'ok' | 'degraded' | 'down' | 'unconfigured' | 'unknown' | 'starting' | 'restarting' | 'stopping' | 'stopped' | 'local';

/** How an agent runs a local reference itself (docs/local-references.md). */
export interface LocalServiceInfo {
  upstream: LocalReference['upstream'];
  install: string;
  /** The run command as one line: `npx @playwright/mcp@latest`. */
  run: string;
  /** What an MCP client's configuration needs under `mcpServers`. */
  clientConfig: { mcpServers: Record<string, LocalRunCommand> };
  notes: string;
}

export interface ServiceSummary {
  name: string;
  version: string | null;
  description: string;
  location: ServiceLocation;
  /** Whether calls through the gateway reach it (false: a local reference the agent runs itself). */
  routed: boolean;
  status: ServiceStatus;
  mode: 'live' | 'embedded' | 'sandbox' | null;
  embedded: boolean;
  sandbox: boolean;
  toolCount: number;
  /** Local references only: how to install and run it on the agent's machine. */
  local?: LocalServiceInfo;
}

export interface ServiceDescription extends ServiceSummary {
  reason: string | null;
  notes: string | null;
  requiredEnv: string[];
  missingEnv: string[];
  breaker: string;
  tools: {
    name: string;
    title?: string;
    description: string;
    inputSchema: Record<string, unknown>;
    outputSchema?: Record<string, unknown>;
    tokenCost: number;
    annotations: Record<string, unknown>;
    /** The announced definition against its pin (docs/security.md, tool-definition pinning). */
    definition?: ToolDefinitionView;
  }[];
  commands: { usage: string; tool: string; description: string }[];
}

export function serviceStatus(entry: ServiceEntry): ServiceStatus {
  const state = entry.handle.state;
  if (state !== 'ready') return state;
  return entry.handle.health?.status ?? 'unknown';
}

/** What `mcp.listServices` shows per service (`toolCount`: the tools `visible` to the caller). */
export function summarizeService(entry: ServiceEntry, visible: (tool: string) => boolean = () => true): ServiceSummary {
  const manifest = entry.manifest;
  const mode = manifest?.mode ?? null;
  return {
    name: entry.name,
    version: manifest?.version ?? null,
    description: manifest?.description ?? '',
    location: entry.location,
    routed: true,
    status: serviceStatus(entry),
    mode,
    embedded: mode === 'embedded',
    sandbox: mode === 'sandbox',
    toolCount: [...entry.tools.keys()].filter(visible).length,
  };
}

/**
 * What the catalog and `mcp.describeService` show: tools with schemas, commands with usage —
 * only the tools (and the commands of tools) `visible` to the caller.
 */
export function describeService(entry: ServiceEntry, visible: (tool: string) => boolean = () => true): ServiceDescription {
  const manifest = entry.manifest;
  const health = entry.handle.health;
  return {
    ...summarizeService(entry, visible),
    reason: entry.handle.state === 'ready' ? (health?.reason ?? null) : (entry.handle.supervisor.lastError ?? null),
    notes: manifest?.notes ?? null,
    requiredEnv: manifest?.requiredEnv ?? [],
    missingEnv: health?.missing ?? [],
    breaker: entry.handle.breaker.state,
    tools: (manifest?.tools ?? [])
      .filter((tool) => visible(tool.name))
      .map((tool) => {
        const definition = entry.definitionOf?.(tool.name);
        return definition ? { ...tool, definition } : { ...tool };
      }),
    commands: entry.commands.filter((c) => visible(c.tool)).map((c) => ({ usage: c.usage, tool: c.tool, description: c.description })),
  };
}

/** A local reference without a command on this gateway, as `mcp.listServices` shows it. */
export function summarizeLocalReference(ref: LocalReference): ServiceSummary {
  return {
    name: ref.name,
    version: null,
    description: ref.description,
    location: 'local',
    routed: false,
    status: 'local',
    mode: null,
    embedded: false,
    sandbox: false,
    toolCount: 0,
    local: {
      upstream: { ...ref.upstream },
      install: ref.install,
      run: runCommandLine(ref),
      clientConfig: clientConfig(ref),
      notes: ref.notes,
    },
  };
}

/** A local reference in the catalog: no tools or commands through the gateway, and how to run it instead. */
export function describeLocalReference(ref: LocalReference): ServiceDescription {
  return {
    ...summarizeLocalReference(ref),
    reason: null,
    notes: `${ref.title}: a local reference, not routed by this gateway. Run it on the agent's machine (${runCommandLine(ref)}), or an operator gives it a command in LOCAL_SERVICES_FILE.`,
    requiredEnv: [],
    missingEnv: [],
    breaker: 'none',
    tools: [],
    commands: [],
  };
}
