import { EventEmitter } from 'node:events';
import type { WorkerHandle } from '../workers/worker-handle.js';
import type { GatewayLogger } from '../logger.js';

/** A listed item as the worker sent it: passed on untouched (schemas, annotations, _meta). */
export type Listed = Record<string, unknown> & { name: string };

/** What one running worker offers over MCP, as it listed it. */
export interface WorkerOffer {
  tools: Listed[];
  resources: (Listed & { uri: string })[];
  resourceTemplates: (Listed & { uriTemplate: string })[];
  prompts: Listed[];
}

export type ListKind = 'tools' | 'resources' | 'prompts';

export interface WorkerListsEvents {
  /** What a service offers changed (it started, stopped, or said its lists changed). */
  changed: [service: string, kinds: ListKind[]];
}

const LIST_TIMEOUT_MS = 10_000;
/** A worker that pages forever is cut off here. */
const MAX_PAGES = 100;

const EMPTY: WorkerOffer = { tools: [], resources: [], resourceTemplates: [], prompts: [] };

/**
 * The tools, resources, templates and prompts each running worker lists, fetched when it starts
 * and again when it sends a `list_changed` notification, so `tools/list` on the MCP front is a
 * map read. A worker that is down offers nothing (its tools drop out, with a `changed` event).
 */
export class WorkerLists extends EventEmitter<WorkerListsEvents> {
  private readonly offers = new Map<string, WorkerOffer>();
  private readonly generation = new Map<string, number>();

  constructor(private readonly handles: Iterable<WorkerHandle>, private readonly log: GatewayLogger) {
    super();
    for (const handle of handles) {
      handle.on('manifest', () => void this.refresh(handle, ['tools', 'resources', 'prompts']));
      handle.on('down', () => {
        if (!this.offers.has(handle.name)) return;
        this.offers.delete(handle.name);
        this.bump(handle.name);
        this.emit('changed', handle.name, ['tools', 'resources', 'prompts']);
      });
      handle.on('notification', (method) => {
        if (method === 'notifications/tools/list_changed') void this.refresh(handle, ['tools']);
        else if (method === 'notifications/resources/list_changed') void this.refresh(handle, ['resources']);
        else if (method === 'notifications/prompts/list_changed') void this.refresh(handle, ['prompts']);
      });
      if (handle.ready) void this.refresh(handle, ['tools', 'resources', 'prompts']);
    }
  }

  /** What the service offers now (nothing while its worker is down or still listing). */
  offer(service: string): WorkerOffer {
    return this.offers.get(service) ?? EMPTY;
  }

  /** Re-reads the given lists from the worker and announces what changed. */
  async refresh(handle: WorkerHandle, kinds: ListKind[]): Promise<void> {
    const generation = this.bump(handle.name);
    const init = handle.init;
    if (!init) return;
    const caps = init.capabilities;
    const previous = this.offers.get(handle.name) ?? EMPTY;
    const next: WorkerOffer = { ...previous };
    try {
      for (const kind of kinds) {
        if (kind === 'tools') next.tools = caps['tools'] ? await this.listAll(handle, 'tools/list', 'tools') : [];
        if (kind === 'prompts') next.prompts = caps['prompts'] ? await this.listAll(handle, 'prompts/list', 'prompts') : [];
        if (kind === 'resources') {
          next.resources = caps['resources'] ? ((await this.listAll(handle, 'resources/list', 'resources')) as WorkerOffer['resources']) : [];
          next.resourceTemplates = caps['resources']
            ? ((await this.listAll(handle, 'resources/templates/list', 'resourceTemplates')) as WorkerOffer['resourceTemplates'])
            : [];
        }
      }
    } catch (error) {
      this.log.warn({ service: handle.name, err: error }, 'could not read the worker lists; the MCP front keeps the previous ones');
      return;
    }
    // A newer refresh (or the worker going down) overtook this one: its answer wins.
    if (this.generation.get(handle.name) !== generation) return;
    this.offers.set(handle.name, next);
    const changed = kinds.filter((kind) => differs(previous, next, kind));
    if (changed.length > 0) this.emit('changed', handle.name, changed);
  }

  private bump(service: string): number {
    const next = (this.generation.get(service) ?? 0) + 1;
    this.generation.set(service, next);
    return next;
  }

  private async listAll(handle: WorkerHandle, method: string, key: string): Promise<Listed[]> {
    const items: Listed[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = (await handle.request(method, cursor === undefined ? {} : { cursor }, { timeoutMs: LIST_TIMEOUT_MS })) as Record<string, unknown>;
      const list = result?.[key];
      if (Array.isArray(list)) for (const item of list) if (item && typeof item === 'object' && typeof (item as Listed).name === 'string') items.push(item as Listed);
      cursor = typeof result?.['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (cursor === undefined) break;
    }
    return items;
  }
}

function differs(a: WorkerOffer, b: WorkerOffer, kind: ListKind): boolean {
  if (kind === 'resources') return JSON.stringify([a.resources, a.resourceTemplates]) !== JSON.stringify([b.resources, b.resourceTemplates]);
  return JSON.stringify(a[kind]) !== JSON.stringify(b[kind]);
}
