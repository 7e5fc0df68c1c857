import type { ToolDefinitionView } from '../pins/tool-pins.js';
import type { ServiceEntry, ServiceLocation } from './service-registry.js';

/** A service's state in one word: the worker's lifecycle while it is not running, its health otherwise. */
export type ServiceStatus = 'ok' | 'degraded' | 'down' | 'unconfigured' | 'unknown' | 'starting' | 'restarting' | 'stopping' | 'stopped';

export interface ServiceSummary {
  name: string;
  version: string | null;
  description: string;
  location: ServiceLocation;
  status: ServiceStatus;
  mode: 'live' | 'embedded' | 'sandbox' | null;
  embedded: boolean;
  sandbox: boolean;
  toolCount: number;
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
