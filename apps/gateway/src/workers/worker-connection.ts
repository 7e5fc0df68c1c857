import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import {
  GatewayError,
  MetaKeys,
  SUPPORTED_MANIFEST_VERSIONS,
  WorkerMethods,
  serviceManifestSchema,
  type ServiceManifest,
} from '@mcpgw/protocol';
import type { CallControl, CancelListener } from './call-control.js';
import { listAllTools, plainServerManifest } from './plain-server-manifest.js';
import type { CallRelay, RelayAnswer, WorkerNotificationListener } from './call-relay.js';
import type { GatewayLogger } from '../logger.js';

/** A JSON-RPC error answered by the worker itself. */
export class WorkerRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = 'WorkerRpcError';
  }
}

export interface RequestOptions {
  /** Cancelling sends `notifications/cancelled` to the worker and rejects with the reason. */
  control?: CallControl;
  /** Rejects with WORKER_TIMEOUT (and cancels in the worker) after this long. */
  timeoutMs?: number;
  /**
   * Sends the worker's messages about this request (progress, log lines, sampling...) to its
   * client. A `_meta.progressToken` in params is replaced by the request's id on the way out.
   */
  relay?: CallRelay;
}

/** What the worker said about itself in its initialize answer. */
export interface WorkerInitInfo {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  instructions?: string;
}

/** How a connection ended: a local process's exit status, or why a remote connection was lost. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why a remote worker's connection ended (network error, refused token, session gone...). */
  reason?: string;
}

export interface OpenOptions {
  startTimeoutMs: number;
  clientVersion: string;
}

/** The client capabilities the gateway announces: it passes these requests on to its own clients. */
const CLIENT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** Where the worker kit tags messages that belong to a request (see packages/worker-kit). */
const RELATED_REQUEST_KEY = MetaKeys.relatedRequestId;

/** A request awaiting its answer. A class, not closures: one allocation per call on the hot path. */
class Pending implements CancelListener {
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: WorkerConnection,
    readonly id: number,
    readonly control: CallControl | undefined,
    readonly relay: CallRelay | undefined,
  ) {}

  cancelled(reason: GatewayError): void {
    this.connection.abandon(this, reason);
  }

  /** Stops listening for cancellation and timeouts (the answer arrived or the call ended). */
  settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.control?.onCancel(undefined);
  }
}

/**
 * The gateway's side of one worker, whatever carries the messages: MCP JSON-RPC with many requests
 * in flight, matched by id; timeouts and cancellation; the worker's messages about a call relayed
 * to that call's client; the handshake. Subclasses (StdioConnection, RemoteConnection) only move
 * messages and report when the worker is gone (`ended`). Deliberately small: the SDK's Client
 * validates every message with zod, which costs the gateway's main thread about twice as much per
 * call (measured in bench/, see docs/performance.md); workers still use the SDK's server.
 */
export abstract class WorkerConnection {
  /** The worker's process id (local workers only). */
  abstract readonly pid: number | undefined;
  /** The worker's MCP endpoint, origin and path (remote workers only). */
  abstract readonly url: string | undefined;
  /** Resolves once the worker is gone: its process exited, or its remote connection was lost or closed. */
  readonly exited: Promise<ExitInfo>;
  /** Called when the worker announces that its health changed. */
  onHealthChanged: (() => void) | undefined;
  /** Called with worker notifications that belong to no call (list changes, resource updates). */
  onNotification: WorkerNotificationListener | undefined;
  protected exitInfo: ExitInfo | undefined;
  protected closing = false;
  private initValue: WorkerInitInfo | undefined;
  /** Requests in flight that carry a relay (the fallback for workers that don't tag messages). */
  private relayed = 0;
  private manifestValue: ServiceManifest | undefined;
  private plainValue = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private resolveExited!: (info: ExitInfo) => void;

  protected constructor(
    protected readonly name: string,
    protected readonly log: GatewayLogger,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  /**
   * Completes the MCP handshake (initialize, initialized) and the gateway's manifest request — or,
   * for a plain MCP server that does not know that method, builds the manifest from `tools/list`
   * (plain-server-manifest.ts). Closes the connection and throws if any step fails or takes too long.
   */
  protected static async handshake<C extends WorkerConnection>(connection: C, description: string | undefined, options: OpenOptions): Promise<C> {
    const { name, log } = connection;
    const timeoutMs = options.startTimeoutMs;
    try {
      const init = (await connection.request(
        'initialize',
        { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: CLIENT_CAPABILITIES, clientInfo: { name: 'mcp-gateway', version: options.clientVersion } },
        { timeoutMs },
      )) as { protocolVersion?: unknown; capabilities?: unknown; serverInfo?: unknown; instructions?: unknown };
      if (typeof init.protocolVersion !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(init.protocolVersion)) {
        throw new Error(`worker ${name} speaks MCP protocol ${String(init.protocolVersion)}, which the gateway does not support`);
      }
      connection.initValue = {
        protocolVersion: init.protocolVersion,
        capabilities: isRecord(init.capabilities) ? init.capabilities : {},
        serverInfo: isRecord(init.serverInfo) ? init.serverInfo : { name, version: '0' },
        ...(typeof init.instructions === 'string' ? { instructions: init.instructions } : {}),
      };
      connection.initialized(connection.initValue);
      connection.notify('notifications/initialized');
      let raw: unknown;
      try {
        raw = await connection.request(WorkerMethods.manifest, {}, { timeoutMs });
      } catch (error) {
        // -32601: not a worker-kit worker, a plain MCP server; anything else is a failed start.
        if (!(error instanceof WorkerRpcError && error.code === -32601)) throw error;
        connection.plainValue = true;
        const tools = await listAllTools((params) => connection.request('tools/list', params, { timeoutMs }));
        const plain = plainServerManifest(name, connection.initValue, tools, description);
        for (const skipped of plain.skipped) log.warn({ service: name, tool: skipped.name }, `ignoring a tool of a plain MCP server: ${skipped.reason}`);
        raw = plain.manifest;
      }
      const parsed = serviceManifestSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`worker ${name} sent an invalid manifest: ${parsed.error.message}`);
      if (!SUPPORTED_MANIFEST_VERSIONS.includes(parsed.data.manifestVersion)) {
        throw new Error(`worker ${name} speaks manifest version ${parsed.data.manifestVersion}; supported: ${SUPPORTED_MANIFEST_VERSIONS.join(', ')}`);
      }
      if (parsed.data.name !== name) {
        throw new Error(`worker started as "${name}" calls itself "${parsed.data.name}"`);
      }
      connection.manifestValue = parsed.data;
      return connection;
    } catch (error) {
      await connection.close(0);
      throw error;
    }
  }

  get manifest(): ServiceManifest {
    return this.manifestValue!;
  }

  /** Whether the worker is a plain MCP server (no `mcpgw/manifest` or `mcpgw/health`: health is a ping). */
  get plain(): boolean {
    return this.plainValue;
  }

  /** The worker's initialize answer: capabilities, serverInfo, instructions. */
  get init(): WorkerInitInfo {
    return this.initValue!;
  }

  /** Requests currently awaiting an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return this.exitInfo === undefined && !this.closing;
  }

  /**
   * Stops talking to the worker (a local one is stopped, a remote one's session ended), waiting up
   * to `graceMs`. Calls still in flight are rejected with SHUTTING_DOWN.
   */
  abstract close(graceMs: number): Promise<ExitInfo>;

  /** Ends the connection at once, as a crash would (tests use this). */
  abstract kill(signal?: NodeJS.Signals): void;

  /** Sends one request; the hot path, so a subclass may serialize it without building an object. */
  protected abstract sendRequest(id: number, method: string, params: Record<string, unknown>): void;

  /** Sends a notification or an answer to a worker's request. */
  protected abstract sendMessage(message: Record<string, unknown>): void;

  /** What calls in flight are told when the worker is gone without the gateway closing it. */
  protected abstract lostMessage(info: ExitInfo): string;

  /** Called once the worker answered initialize (before `notifications/initialized`). */
  protected initialized(_info: WorkerInitInfo): void {}

  /** Sends a request and resolves with its result; rejects with WorkerRpcError or a GatewayError. */
  request(method: string, params: Record<string, unknown>, options: RequestOptions = {}): Promise<unknown> {
    if (!this.alive) return Promise.reject(this.unavailable());
    const { control, timeoutMs, relay } = options;
    if (control?.reason) return Promise.reject(control.reason);
    const id = this.nextId++;
    if (relay) {
      this.relayed++;
      const meta = params['_meta'];
      if (isRecord(meta) && meta['progressToken'] !== undefined) params = { ...params, _meta: { ...meta, progressToken: id } };
    }
    const entry = new Pending(this, id, control, relay);
    const promise = new Promise((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    control?.onCancel(entry);
    if (timeoutMs !== undefined) {
      entry.timer = setTimeout(
        () => this.abandon(entry, new GatewayError('WORKER_TIMEOUT', `${this.name} did not answer ${method} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
    this.pending.set(id, entry);
    this.sendRequest(id, method, params);
    return promise;
  }

  /** Gives up on a request: tells the worker to cancel it and rejects the caller with `reason`. */
  abandon(entry: Pending, reason: GatewayError): void {
    if (!this.pending.delete(entry.id)) return;
    if (entry.relay) this.relayed--;
    entry.settle();
    this.notify('notifications/cancelled', { requestId: entry.id, reason: reason.message });
    entry.reject(reason);
  }

  /** Sends a notification (no answer expected). */
  notify(method: string, params?: Record<string, unknown>): void {
    if (!this.alive) return;
    this.sendMessage(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** Rejects one request in flight (its message could not be delivered); false if it is no longer pending. */
  protected failRequest(id: number, error: GatewayError): boolean {
    const entry = this.pending.get(id);
    if (!entry) return false;
    this.pending.delete(id);
    if (entry.relay) this.relayed--;
    entry.settle();
    entry.reject(error);
    return true;
  }

  /** Records that the worker is gone (once): fails the calls in flight and resolves `exited`. */
  protected ended(info: ExitInfo): void {
    if (this.exitInfo) return;
    this.exitInfo = info;
    this.failPending();
    this.resolveExited(info);
  }

  /** Handles one message from the worker: an answer, a request, or a notification. */
  protected onMessage(message: Record<string, unknown>): void {
    const id = message['id'];
    if (typeof id === 'number' && message['method'] === undefined) {
      const entry = this.pending.get(id);
      if (!entry) return; // answered after a timeout or cancellation
      this.pending.delete(id);
      if (entry.relay) this.relayed--;
      entry.settle();
      const error = message['error'] as { code?: unknown; message?: unknown; data?: unknown } | undefined;
      if (error) {
        entry.reject(new WorkerRpcError(typeof error.code === 'number' ? error.code : -32603, String(error.message ?? 'worker error'), error.data));
      } else if ('result' in message) {
        entry.resolve(message['result']);
      } else {
        entry.reject(new GatewayError('WORKER_PROTOCOL_ERROR', `${this.name} answered without result or error`));
      }
      return;
    }
    const method = message['method'];
    if (typeof method !== 'string') return;
    const params = isRecord(message['params']) ? message['params'] : undefined;
    if (id !== undefined) {
      this.onWorkerRequest(id, method, params);
      return;
    }
    if (method === WorkerMethods.healthChanged) {
      this.onHealthChanged?.();
      return;
    }
    if (method === 'notifications/progress') {
      const entry = typeof params?.['progressToken'] === 'number' ? this.pending.get(params['progressToken']) : undefined;
      if (entry?.relay && entry.relay.progressToken !== undefined) entry.relay.notify(method, { ...params, progressToken: entry.relay.progressToken });
      return;
    }
    // Resource updates and list changes are about the worker, never about one call.
    const related = method.startsWith('notifications/resources/') || method.endsWith('/list_changed') ? undefined : this.relatedCall(params);
    if (related) {
      related.notify(method, untagged(params));
      return;
    }
    if (method === 'notifications/message') {
      this.log.info({ service: this.name, level: params?.['level'], data: params?.['data'] }, 'worker log message');
    }
    this.onNotification?.(method, params);
  }

  /** A request from the worker: about a call (sampling, elicitation, roots → its client), or ping. */
  private onWorkerRequest(id: unknown, method: string, params: Record<string, unknown> | undefined): void {
    const relay = this.relatedCall(params);
    if (relay) {
      relay.request(method, untagged(params)).then(
        (answer) => this.reply(id, answer),
        () => this.reply(id, { error: { code: -32603, message: `the gateway could not pass ${method} to the client` } }),
      );
      return;
    }
    this.reply(
      id,
      method === 'ping'
        ? { result: {} }
        : { error: { code: -32601, message: `${method} outside a tool call has no client to go to: the gateway answers it only during a call` } },
    );
  }

  private reply(id: unknown, answer: RelayAnswer): void {
    if (!this.alive) return;
    this.sendMessage('result' in answer ? { jsonrpc: '2.0', id, result: answer.result } : { jsonrpc: '2.0', id, error: answer.error });
  }

  /**
   * The call a worker message belongs to: the one its related-request tag names (worker kit), or
   * — for a worker that does not tag — the only relayed call in flight, when there is exactly one.
   */
  private relatedCall(params: Record<string, unknown> | undefined): CallRelay | undefined {
    if (this.relayed === 0) return undefined;
    const meta = params?.['_meta'];
    const tag = isRecord(meta) ? meta[RELATED_REQUEST_KEY] : undefined;
    if (typeof tag === 'number') return this.pending.get(tag)?.relay;
    if (this.relayed !== 1) return undefined;
    for (const entry of this.pending.values()) if (entry.relay) return entry.relay;
    return undefined;
  }

  private failPending(): void {
    const error = this.closing
      ? new GatewayError('SHUTTING_DOWN', `${this.name} is shutting down`)
      : new GatewayError('WORKER_CRASHED', this.lostMessage(this.exitInfo!));
    for (const entry of this.pending.values()) {
      entry.settle();
      entry.reject(error);
    }
    this.pending.clear();
    this.relayed = 0;
  }

  private unavailable(): GatewayError {
    return this.closing
      ? new GatewayError('SHUTTING_DOWN', `${this.name} is shutting down`)
      : new GatewayError('WORKER_UNAVAILABLE', `${this.name} is not running`, { retryAfterSeconds: 1 });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The params without the gateway's related-request tag: the client sees what the worker meant to send. */
function untagged(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const meta = params?.['_meta'];
  if (!isRecord(meta) || !(RELATED_REQUEST_KEY in meta)) return params;
  const { [RELATED_REQUEST_KEY]: _tag, ...rest } = meta;
  const copy = { ...params };
  if (Object.keys(rest).length > 0) copy['_meta'] = rest;
  else delete copy['_meta'];
  return copy;
}

/** Whether `promise` settles within `ms` (false at once for ms <= 0). */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
