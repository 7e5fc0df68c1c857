import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra, RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  McpError,
  type ClientCapabilities,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  type CreateMessageResultWithTools,
  type ElicitRequestParams,
  type ElicitResult,
  type ListRootsResult,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { MetaKeys } from '@mcpgw/protocol';
import type { Logger } from 'pino';
import { ToolError } from './tool-error.js';

/** The SDK's per-request extras, as a worker's server sees them. */
export type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * What a handler may ask of the MCP client while it handles a request. Every message goes out as
 * related to that request (`extra.sendRequest` / `extra.sendNotification`), so a client sharing the
 * connection with others — the gateway — can tell whose call it belongs to.
 */
export interface ClientFeatures {
  /**
   * Sends `notifications/message` (MCP logging) to the client, unless the client asked for a higher
   * level with `logging/setLevel`. Distinct from `log`, the worker's own log on stderr.
   */
  sendLog(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  /** Asks the client's LLM for a completion (`sampling/createMessage`). Throws a ToolError if the client cannot sample. */
  createMessage(params: CreateMessageRequestParams & { tools?: undefined }, options?: RequestOptions): Promise<CreateMessageResult>;
  createMessage(params: CreateMessageRequestParams, options?: RequestOptions): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /** Asks the user for input (`elicitation/create`). Throws a ToolError if the client cannot elicit. */
  elicit(params: ElicitRequestParams, options?: RequestOptions): Promise<ElicitResult>;
  /** The client's roots (`roots/list`). Throws a ToolError if the client has none to offer. */
  listRoots(options?: RequestOptions): Promise<ListRootsResult>;
  /** Tells every client subscribed to `uri` that it changed (`notifications/resources/updated`). */
  notifyResourceUpdated(uri: string): Promise<void>;
  /**
   * Streamable HTTP only, and only for clients that can resume: closes this request's SSE stream so
   * the client reconnects and polls (SEP-1699). Undefined elsewhere (stdio, older clients).
   */
  closeSSEStream?: (() => void) | undefined;
}

/** What a resource, prompt or completion handler receives. Tool handlers get the same object (ToolContext). */
export interface RequestContext<D> extends ClientFeatures {
  /** The worker's dependencies (pools, clients) built by its setup. */
  deps: D;
  /** Aborted when the caller cancels. */
  signal: AbortSignal;
  /** The gateway's request id, when the request came through the gateway. */
  requestId: string | undefined;
  /** The calling agent's identity (`_meta["mcpgw/agent"]`), when the request came through the gateway. */
  agent: string | undefined;
  /** The worker's own log (stderr), bound to this request. */
  log: Logger;
  /** Sends an MCP progress notification when the caller asked for progress. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

const LEVEL_SEVERITY: Readonly<Record<LoggingLevel, number>> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};

/** One connected MCP server (a stdio connection or an HTTP session) and what its client asked for. */
export class ServerSession {
  /** Set by `logging/setLevel`; until then every level is sent. */
  level: LoggingLevel | undefined;
  /** URIs the client subscribed to with `resources/subscribe`. */
  readonly subscriptions = new Set<string>();

  constructor(readonly server: Server) {}

  /** Whether a log message at `level` reaches this client. */
  logs(level: LoggingLevel): boolean {
    return this.level === undefined || LEVEL_SEVERITY[level] >= LEVEL_SEVERITY[this.level];
  }
}

/** Worker-wide operations a request may trigger. */
export interface WorkerHub {
  notifyResourceUpdated(uri: string): Promise<void>;
}

/** Where a context keeps its request's state (internal to the kit; not exported from the package). */
export const STATE = Symbol('mcpgw.requestState');

interface RequestState {
  readonly extra: RequestExtra;
  readonly session: ServerSession;
  readonly hub: WorkerHub;
  readonly baseLog: Logger;
  /** What the request is about, for the child logger: `{ [kind]: label }`. */
  readonly kind: 'tool' | 'resource' | 'prompt' | 'completion';
  readonly label: string;
  readonly requestId: string | undefined;
  childLog: Logger | undefined;
  tokens: number | undefined;
  costUsd: number | undefined;
}

/** The context object plus the kit's view of it (tokens and cost reported by the handler). */
export interface KitContext<D> extends RequestContext<D> {
  reportTokens(tokens: number): void;
  reportCost(usd: number): void;
  readonly [STATE]: RequestState;
}

/**
 * Builds a handler's context. The methods are shared functions reading the request's state through
 * `this`, so a call allocates the context and its state and nothing else; a handler that spreads the
 * context (`{ ...ctx, deps: other }`) keeps working because the state travels with the copy.
 */
export function createRequestContext<D>(
  deps: D,
  extra: RequestExtra,
  session: ServerSession,
  hub: WorkerHub,
  baseLog: Logger,
  requestId: string | undefined,
  kind: RequestState['kind'],
  label: string,
): KitContext<D> {
  const state: RequestState = { extra, session, hub, baseLog, kind, label, requestId, childLog: undefined, tokens: undefined, costUsd: undefined };
  return {
    deps,
    signal: extra.signal,
    requestId,
    agent: agentOf(extra._meta),
    get log(): Logger {
      const s = this[STATE];
      return (s.childLog ??= s.baseLog.child({ [s.kind]: s.label, requestId: s.requestId }));
    },
    reportTokens,
    reportCost,
    progress,
    sendLog,
    // One implementation serves both overloads (with and without tools).
    createMessage: createMessage as ClientFeatures['createMessage'],
    elicit,
    listRoots,
    notifyResourceUpdated,
    closeSSEStream: extra.closeSSEStream,
    [STATE]: state,
  };
}

/** The caller the gateway named in `_meta` (a non-empty string), else undefined. */
function agentOf(meta: Record<string, unknown> | undefined): string | undefined {
  const agent = meta?.[MetaKeys.agent];
  return typeof agent === 'string' && agent !== '' ? agent : undefined;
}

/** Tokens a handler reported with `ctx.reportTokens`, if any. */
export function reportedTokens(ctx: KitContext<unknown>): number | undefined {
  return ctx[STATE].tokens;
}

/** The cost in US dollars a handler reported with `ctx.reportCost`, if any. */
export function reportedCost(ctx: KitContext<unknown>): number | undefined {
  return ctx[STATE].costUsd;
}

function stateOf(ctx: unknown): RequestState {
  const state = (ctx as { [STATE]?: RequestState } | undefined)?.[STATE];
  if (!state) throw new TypeError('call context methods on the context itself (ctx.sendLog(...)), not detached from it');
  return state;
}

function reportTokens(this: unknown, tokens: number): void {
  stateOf(this).tokens = tokens;
}

function reportCost(this: unknown, usd: number): void {
  stateOf(this).costUsd = usd;
}

async function progress(this: unknown, value: number, total?: number, message?: string): Promise<void> {
  const { extra } = stateOf(this);
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return;
  await extra.sendNotification({
    method: 'notifications/progress',
    params: { progressToken, progress: value, ...(total === undefined ? {} : { total }), ...(message ? { message } : {}) },
  });
}

async function sendLog(this: unknown, level: LoggingLevel, data: unknown, logger?: string): Promise<void> {
  const { extra, session } = stateOf(this);
  if (!session.logs(level)) return;
  await extra.sendNotification({ method: 'notifications/message', params: logger === undefined ? { level, data } : { level, logger, data } });
}

function createMessage(this: unknown, params: CreateMessageRequestParams, options?: RequestOptions): Promise<CreateMessageResult | CreateMessageResultWithTools> {
  const { extra, session } = stateOf(this);
  requireClientCapability(session, 'sampling', 'sampling (sampling/createMessage)');
  const schema = params.tools ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema;
  return clientRequest('sampling/createMessage', extra.sendRequest({ method: 'sampling/createMessage', params }, schema, withSignal(options, extra.signal)));
}

function elicit(this: unknown, params: ElicitRequestParams, options?: RequestOptions): Promise<ElicitResult> {
  const { extra, session } = stateOf(this);
  requireClientCapability(session, 'elicitation', 'elicitation (elicitation/create)');
  return clientRequest('elicitation/create', extra.sendRequest({ method: 'elicitation/create', params }, ElicitResultSchema, withSignal(options, extra.signal)));
}

function listRoots(this: unknown, options?: RequestOptions): Promise<ListRootsResult> {
  const { extra, session } = stateOf(this);
  requireClientCapability(session, 'roots', 'roots (roots/list)');
  return clientRequest('roots/list', extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema, withSignal(options, extra.signal)));
}

function notifyResourceUpdated(this: unknown, uri: string): Promise<void> {
  return stateOf(this).hub.notifyResourceUpdated(uri);
}

function requireClientCapability(session: ServerSession, capability: keyof ClientCapabilities, what: string): void {
  if (!session.server.getClientCapabilities()?.[capability]) {
    throw new ToolError('rejected', `the client does not support ${what}`);
  }
}

/** A request to the client is cancelled with the call that made it, unless the handler chose otherwise. */
function withSignal(options: RequestOptions | undefined, signal: AbortSignal): RequestOptions {
  return options?.signal ? options : { ...options, signal };
}

/** The client's errors (refusal, timeout, cancellation) become ToolErrors the caller can read. */
async function clientRequest<T>(method: string, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof McpError) throw new ToolError('failed', `${method} failed: ${error.message}`, {}, { cause: error });
    throw error;
  }
}
