import {
  GatewayError,
  compileCommand,
  type CompiledCommand,
  type ServiceManifest,
  type ToolDescriptor,
} from '@mcpgw/protocol';
import type { ToolDefinitionView } from '../pins/tool-pins.js';
import type { WorkerHandle } from '../workers/worker-handle.js';
import type { WorkerPool } from '../workers/worker-pool.js';
import type { GatewayLogger } from '../logger.js';
import { LOCAL_REFERENCES, localReferenceError, type LocalReference } from './local-references.js';

/** Where a service runs: `server` workers are run by the gateway; `local` ones are references run by the agent. */
export type ServiceLocation = 'server' | 'local';

/** A registered service: its worker handle and, once the worker has started, what it announced. */
export interface ServiceEntry {
  readonly name: string;
  readonly location: ServiceLocation;
  readonly handle: WorkerHandle;
  manifest: ServiceManifest | undefined;
  tools: Map<string, ToolDescriptor>;
  /** Every accepted spelling of an operation (`list-tables`, `list_tables`) → tool name. */
  operations: Map<string, string>;
  commands: CompiledCommand[];
  /** The tool's definition against its pin (catalog `definition`); absent when pinning is not wired in. */
  definitionOf?: (tool: string) => ToolDefinitionView | undefined;
}

/** What the registry tells about manifests and asks about pinned tool definitions (pins/tool-pins.ts). */
export interface ToolPinTracker {
  observe(service: string, manifest: ServiceManifest): void;
  view(service: string, tool: string): ToolDefinitionView | undefined;
}

/**
 * The services the gateway knows: built from each worker's own manifest when it starts, and
 * rebuilt whenever a worker restarts. Lookups are map reads; everything is compiled here, once.
 */
export class ServiceRegistry {
  private readonly entries = new Map<string, ServiceEntry>();
  /** Local references no worker runs here: listed in the catalog, never routed. */
  private readonly localRefs = new Map<string, LocalReference>();

  constructor(
    pool: WorkerPool,
    private readonly log: GatewayLogger,
    pins?: ToolPinTracker,
    localReferences: readonly LocalReference[] = LOCAL_REFERENCES,
  ) {
    for (const handle of pool.handles.values()) {
      const entry: ServiceEntry = {
        name: handle.name,
        location: 'server',
        handle,
        manifest: undefined,
        tools: new Map(),
        operations: new Map(),
        commands: [],
        ...(pins ? { definitionOf: (tool: string) => pins.view(handle.name, tool) } : {}),
      };
      this.entries.set(handle.name, entry);
      handle.on('manifest', (manifest) => {
        this.update(entry, manifest);
        // Every manifest is checked against the pins; a store outage never holds up registration.
        pins?.observe(entry.name, manifest);
      });
    }
    // A reference with a command (LOCAL_SERVICES_FILE, or a worker of that name) is a routed service above.
    for (const ref of localReferences) if (!this.entries.has(ref.name)) this.localRefs.set(ref.name, ref);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  list(): ServiceEntry[] {
    return [...this.entries.values()];
  }

  get(name: string): ServiceEntry | undefined {
    return this.entries.get(name);
  }

  /** The local references that are not routed here (catalog `location: "local"`). */
  localReferences(): LocalReference[] {
    return [...this.localRefs.values()];
  }

  /** The unrouted local reference of that name, or undefined. */
  localReference(name: string): LocalReference | undefined {
    return this.localRefs.get(name);
  }

  /**
   * The entry; SERVICE_LOCAL_ONLY (how to run it instead) for an unrouted local reference the caller
   * may see; SERVICE_NOT_FOUND listing the known services (those `visible` to the caller) otherwise.
   */
  require(name: string, visible: (service: string) => boolean = () => true): ServiceEntry {
    const entry = this.entries.get(name);
    if (entry) return entry;
    const ref = this.localRefs.get(name);
    if (ref && visible(name)) throw localReferenceError(ref);
    const known = this.names().filter(visible);
    throw new GatewayError('SERVICE_NOT_FOUND', `unknown service "${truncate(name)}"; known services: ${known.join(', ') || 'none'}`, {
      data: { knownServices: known },
    });
  }

  /**
   * The tool a call names, by tool name or operation alias. WORKER_UNAVAILABLE while the worker has
   * never started (its tools are not known yet); TOOL_NOT_FOUND listing the tools otherwise.
   */
  resolveTool(entry: ServiceEntry, name: string, visible: (tool: string) => boolean = () => true): ToolDescriptor {
    const toolName = entry.operations.get(name);
    const tool = toolName === undefined ? undefined : entry.tools.get(toolName);
    if (tool) return tool;
    if (!entry.manifest) {
      throw new GatewayError('WORKER_UNAVAILABLE', `${entry.name} is starting; its tools are not known yet`, {
        retryAfterSeconds: 1,
        data: { service: entry.name },
      });
    }
    const tools = [...entry.tools.keys()].filter(visible);
    throw new GatewayError('TOOL_NOT_FOUND', `${entry.name} has no tool or operation "${truncate(name)}"; tools: ${tools.join(', ')}`, {
      data: { service: entry.name, tools },
    });
  }

  private update(entry: ServiceEntry, manifest: ServiceManifest): void {
    const tools = new Map(manifest.tools.map((t) => [t.name, t]));
    const operations = new Map<string, string>();
    for (const tool of manifest.tools) {
      operations.set(tool.name, tool.name);
      operations.set(tool.name.replace(/_/g, '-'), tool.name);
    }
    const commands: CompiledCommand[] = [];
    for (const command of manifest.commands) {
      try {
        commands.push(compileCommand(entry.name, command, tools.get(command.tool)?.inputSchema));
      } catch (error) {
        // A bad pattern from one worker disables that command, not the service.
        this.log.error({ service: entry.name, err: error }, 'ignoring an invalid slash command');
      }
    }
    entry.manifest = manifest;
    entry.tools = tools;
    entry.operations = operations;
    entry.commands = commands;
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
