import { GatewayError, type ServiceManifest } from '@mcpgw/protocol';
import { StoreError, type ToolPinRecord, type ToolPinRepository } from '@mcpgw/store';
import type { GatewayLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { hashListedTool, hashToolDefinition, type PinnedDefinition } from './tool-definition-hash.js';

/** How often pins are read again while something is changed or unchecked (approvals, store outages). */
export const TOOL_PIN_POLL_MS = 5_000;

/** What the MCP endpoint and the dispatcher need to know about one tool, synchronously. */
export interface ToolPinStatus {
  /** The announced definition differs from the pinned one (as last read from the store). */
  changed: boolean;
  /** Calls must be refused: PIN_TOOL_DEFINITIONS=true and the tool is changed, or not checked yet. */
  refused: boolean;
}

/** What the catalog shows per tool under `definition`. */
export interface ToolDefinitionView {
  /** Hex SHA-256 of what the worker announces now. */
  hash: string;
  /** The pinned hash; absent while the pin could not be read (store unreachable since the tool appeared). */
  pinnedHash?: string;
  changed: boolean;
  /** When the store first saw the announced change (ISO time). */
  changedAt?: string;
  refused: boolean;
}

export interface ToolPinsOptions {
  repository: ToolPinRepository;
  /** PIN_TOOL_DEFINITIONS: refuse calls to tools whose definition differs from its pin. */
  enforce: boolean;
  metrics: GatewayMetrics;
  log: GatewayLogger;
  pollIntervalMs?: number;
}

interface AnnouncedTool {
  hash: string;
  definition: PinnedDefinition;
}

/** A pin as last read from the store. */
interface KnownPin {
  hash: string;
  pendingHash: string | null;
  changedAt: Date | null;
}

interface ServiceState {
  /** What the worker announced last. */
  current: Map<string, AnnouncedTool>;
  /** Pins read from the store; kept across manifests and store outages ("already checked in this process"). */
  pins: Map<string, KnownPin>;
  /** tool → the changed hash already logged and counted, so each change is reported once per process. */
  reported: Map<string, string>;
  /** tool → a listed (MCP `tools/list`) hash differing from the pin, already logged and counted. */
  reportedListed: Map<string, string>;
  /** The last check did not reach the store, or one is still due. */
  stale: boolean;
  checking: Promise<void> | undefined;
  again: boolean;
}

/**
 * Tool-definition pinning. Each manifest a worker announces is hashed per tool and compared with
 * the pins in the gateway store, shared by every replica: a tool never seen is pinned (trust on
 * first use); a different definition is logged, counted, recorded as pending in the store and shown
 * in the catalog, and, with PIN_TOOL_DEFINITIONS=true, refused until an operator approves it.
 *
 * Lookups (`status`, `view`, `require`) are synchronous reads of an in-memory view, so the call
 * path never waits for the store. The store is asked on each manifest, and every few seconds while
 * something is changed or unchecked: that is how an approval made elsewhere (the CLI, another
 * replica) arrives, and how checks missed during a store outage are made up.
 */
export class ToolPins {
  private readonly services = new Map<string, ServiceState>();
  private readonly pollIntervalMs: number;
  /** Hashes of listed tools by object: a worker's list is kept until it changes, so each item is hashed once. */
  private readonly listedHashes = new WeakMap<object, string>();
  private timer: NodeJS.Timeout | undefined;
  /** Set while checks fail, so an outage is logged once, not every poll. */
  private failing = false;
  private closed = false;

  constructor(private readonly options: ToolPinsOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? TOOL_PIN_POLL_MS;
  }

  get enforcing(): boolean {
    return this.options.enforce;
  }

  /** A worker announced its manifest: hash its tools now (lookups see them at once), check them against the store next. */
  observe(service: string, manifest: ServiceManifest): void {
    const state = this.stateOf(service);
    state.current = new Map(manifest.tools.map((tool) => [tool.name, hashToolDefinition(tool)]));
    state.stale = true;
    void this.check(service);
  }

  /** Whether a tool is changed and whether calls to it are refused (unknown tools: neither). */
  status(service: string, tool: string): ToolPinStatus {
    const state = this.services.get(service);
    const current = state?.current.get(tool);
    if (!state || !current) return { changed: false, refused: false };
    const pin = state.pins.get(tool);
    // Never read from the store in this process: not known to be changed, but not known to be safe.
    if (!pin) return { changed: false, refused: this.options.enforce };
    const changed = pin.hash !== current.hash;
    return { changed, refused: changed && this.options.enforce };
  }

  /** The catalog's `definition` of a tool; undefined for a tool the worker does not announce. */
  view(service: string, tool: string): ToolDefinitionView | undefined {
    const state = this.services.get(service);
    const current = state?.current.get(tool);
    if (!state || !current) return undefined;
    const pin = state.pins.get(tool);
    const { changed, refused } = this.status(service, tool);
    const changedAt = changed && pin?.pendingHash === current.hash ? pin.changedAt : null;
    return {
      hash: current.hash,
      ...(pin ? { pinnedHash: pin.hash } : {}),
      changed,
      ...(changedAt ? { changedAt: changedAt.toISOString() } : {}),
      refused,
    };
  }

  /**
   * A check still running that decides whether a call may go ahead (enforcing only, only while a
   * tool of the service has not been checked yet, and not during a known store outage, when the
   * answer is a refusal at once); undefined otherwise, which is the usual case. It never rejects.
   */
  settling(service: string): Promise<void> | undefined {
    if (!this.options.enforce || this.failing) return undefined;
    const state = this.services.get(service);
    if (!state?.checking) return undefined;
    for (const tool of state.current.keys()) if (!state.pins.has(tool)) return state.checking;
    return undefined;
  }

  /**
   * Like `status`, for a tool as the worker lists it over MCP (`tools/list`, which a worker may
   * change at any time with `list_changed`) rather than as its manifest announced it: the listed
   * definition is hashed and compared with the pin, so a worker cannot show MCP clients something
   * other than what was pinned. A difference is logged and counted once per listed definition.
   */
  listedStatus(service: string, listed: { name: string } & Record<string, unknown>): ToolPinStatus {
    let hash = this.listedHashes.get(listed);
    if (hash === undefined) {
      hash = hashListedTool(listed);
      this.listedHashes.set(listed, hash);
    }
    const state = this.services.get(service);
    // The same as the manifest announced: judged (and reported) as the manifest's definition.
    if (state?.current.get(listed.name)?.hash === hash) return this.status(service, listed.name);
    const pin = state?.pins.get(listed.name);
    // Listed but never checked against a pin (nor announced in the manifest): not known to be safe.
    if (!state || !pin) return { changed: false, refused: this.options.enforce };
    const changed = hash !== pin.hash;
    if (changed && state.reportedListed.get(listed.name) !== hash && !this.closed) {
      state.reportedListed.set(listed.name, hash);
      this.options.metrics.toolDefinitionChanges.labels(service, listed.name).inc();
      this.options.log.warn(
        { service, tool: listed.name, pinnedHash: pin.hash, hash, announcedHash: state.current.get(listed.name)?.hash ?? null, refused: this.options.enforce },
        'a tool definition listed over MCP differs from its pin',
      );
    }
    return { changed, refused: changed && this.options.enforce };
  }

  /** Resolves when the check of the service running now, if any, is done (it never rejects). */
  checked(service: string): Promise<void> {
    return this.services.get(service)?.checking ?? Promise.resolve();
  }

  /**
   * Throws when calls to the tool are refused: TOOL_DEFINITION_CHANGED saying how to approve it, or
   * STORE_UNAVAILABLE while the tool could not be checked at all.
   */
  require(service: string, tool: string): void {
    const { changed, refused } = this.status(service, tool);
    if (!refused) return;
    const state = this.services.get(service)!;
    const hash = state.current.get(tool)!.hash;
    if (!changed) {
      throw new GatewayError(
        'STORE_UNAVAILABLE',
        `${service}.${tool} cannot be checked against its pinned definition because the gateway store is unreachable (PIN_TOOL_DEFINITIONS=true); retry shortly`,
        { retryAfterSeconds: Math.ceil(this.pollIntervalMs / 1000), data: { service, tool } },
      );
    }
    const pinnedHash = state.pins.get(tool)!.hash;
    throw new GatewayError(
      'TOOL_DEFINITION_CHANGED',
      `${service}.${tool} announces a definition that differs from its pinned one (${pinnedHash.slice(0, 12)} → ${hash.slice(0, 12)}) ` +
        `and PIN_TOOL_DEFINITIONS=true refuses it until an operator reviews and approves it: ` +
        `mcpgw tools approve ${service} ${tool}, or POST /admin/tool-pins/approve {"service": "${service}", "tools": ["${tool}"]}`,
      { data: { service, tool, hash, pinnedHash } },
    );
  }

  /**
   * Makes the pending definitions of a service (only `tools`, when given) its pins, then reads the
   * pins again so this replica serves the tools at once (others within the poll interval).
   */
  async approve(service: string, tools?: string[]): Promise<ToolPinRecord[]> {
    const approved = await this.options.repository.approve(service, tools);
    if (this.services.has(service)) await this.check(service);
    return approved;
  }

  /** Stops polling; checks still running finish without logging. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stateOf(service: string): ServiceState {
    let state = this.services.get(service);
    if (!state) {
      state = { current: new Map(), pins: new Map(), reported: new Map(), reportedListed: new Map(), stale: true, checking: undefined, again: false };
      this.services.set(service, state);
    }
    return state;
  }

  /** Checks a service against the store; one check at a time per service, rerun when asked again meanwhile. */
  private check(service: string): Promise<void> {
    const state = this.stateOf(service);
    if (state.checking) {
      state.again = true;
      return state.checking;
    }
    const run = async (): Promise<void> => {
      do {
        state.again = false;
        await this.checkOnce(service, state);
      } while (state.again && !this.closed);
    };
    state.checking = run().finally(() => {
      state.checking = undefined;
      this.schedule();
    });
    return state.checking;
  }

  private async checkOnce(service: string, state: ServiceState): Promise<void> {
    const announced = [...state.current].map(([tool, { hash, definition }]) => ({ tool, hash, definition: { ...definition } }));
    try {
      const { records, pinned } = await this.options.repository.observe(service, announced);
      for (const record of records) {
        state.pins.set(record.tool, { hash: record.hash, pendingHash: record.pendingHash, changedAt: record.changedAt });
      }
      state.stale = announced.some(({ tool }) => !state.pins.has(tool));
      if (pinned.length > 0) this.options.log.info({ service, tools: pinned }, 'pinned the definitions of tools seen for the first time');
      if (this.failing && !this.closed) {
        this.failing = false;
        this.options.log.info({ service }, 'tool definitions are checked against their pins again: the gateway store answers');
      }
    } catch (error) {
      state.stale = true;
      if (!this.failing && !this.closed) {
        this.failing = true;
        const unavailable = error instanceof StoreError && error.code === 'unavailable';
        const message = unavailable
          ? `could not check tool definitions against their pins: the gateway store is unreachable; retrying every ${this.pollIntervalMs / 1000} s` +
            (this.options.enforce ? ' (tools checked before keep their state; tools never checked are refused until then)' : '')
          : 'could not check tool definitions against their pins; retrying';
        const fields = { service, error: error instanceof Error ? error.message : String(error) };
        if (unavailable) this.options.log.warn(fields, message);
        else this.options.log.error(fields, message);
      }
    }
    this.report(service, state);
  }

  /** Logs and counts each new change once, notes withdrawn or approved ones, and sets the gauge. */
  private report(service: string, state: ServiceState): void {
    if (this.closed) return;
    const { log, metrics, enforce } = this.options;
    let changed = 0;
    for (const [tool, current] of state.current) {
      const pin = state.pins.get(tool);
      if (!pin) continue;
      if (pin.hash !== current.hash) {
        changed++;
        if (state.reported.get(tool) === current.hash) continue;
        state.reported.set(tool, current.hash);
        metrics.toolDefinitionChanges.labels(service, tool).inc();
        log.warn(
          { service, tool, pinnedHash: pin.hash, hash: current.hash, refused: enforce },
          enforce
            ? 'a tool definition differs from its pin: calls to the tool are refused until an operator approves it (mcpgw tools approve)'
            : 'a tool definition differs from its pin: review it (mcpgw tools pins) and approve it (mcpgw tools approve); PIN_TOOL_DEFINITIONS=true would refuse it',
        );
      } else if (state.reported.delete(tool)) {
        log.info({ service, tool, hash: current.hash }, 'a tool definition matches its pin again (approved, or the change was withdrawn)');
      }
    }
    metrics.toolDefinitionsChanged.labels(service).set(changed);
  }

  /** Polls while a service has a changed or unchecked tool; stops when none has. */
  private schedule(): void {
    if (this.due().length === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const service of this.due()) void this.check(service);
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  private due(): string[] {
    if (this.closed) return [];
    return [...this.services].filter(([, state]) => state.stale || this.hasChange(state)).map(([service]) => service);
  }

  private hasChange(state: ServiceState): boolean {
    for (const [tool, current] of state.current) {
      const pin = state.pins.get(tool);
      if (pin && pin.hash !== current.hash) return true;
    }
    return false;
  }
}
