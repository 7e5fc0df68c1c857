import { GatewayError } from '@mcpgw/protocol';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.js';
import type { CallDispatcher } from '../calls/call-dispatcher.js';
import type { IdempotentCalls } from '../idempotency/idempotent-calls.js';
import { cancelOnDisconnect, forgetCall } from '../http/client-disconnect.js';
import { resolveError, rpcErrorObject } from '../http/error-response.js';
import { localReferenceError } from '../registry/local-references.js';
import type { ServiceRegistry } from '../registry/service-registry.js';
import { CallControl } from '../workers/call-control.js';
import type { CallRelay, RelayAnswer } from '../workers/call-relay.js';
import { WorkerRpcError } from '../workers/worker-connection.js';
import type { WorkerHandle } from '../workers/worker-handle.js';
import type { McpDirectory, ToolFilter } from './mcp-directory.js';
import { TOOL_RESULT_REPLAY, metaForWorker, toolCallIdempotencyKey, toolCallRequest } from './mcp-idempotency.js';
import { McpTasks, TASKS_CAPABILITY, TASKS_PROTOCOL_VERSION, withTaskSupport, type TaskJobs } from './mcp-tasks.js';
import { levelRank, type LocalSession, type McpSessions } from './mcp-sessions.js';
import type { ReplicaBus } from './replica-bus.js';
import type { ResponseStream } from './response-stream.js';
import { TaskStatusNotifier } from './task-status-notifier.js';
import { NAME_SEPARATOR } from './tool-names.js';
import type { WorkerLists } from './worker-lists.js';

/** Protocol revisions the MCP front speaks (Streamable HTTP exists since 2025-03-26). */
export const FRONT_PROTOCOL_VERSIONS = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26'];

type Id = string | number;
type JsonRpcMessage = { jsonrpc: '2.0'; id?: Id | null; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };

/** One POST's view of the exchange. */
export interface FrontContext {
  caller: Caller;
  /** `''` on /mcp, else the service of /mcp/<service>. */
  service: string;
  session: LocalSession;
  stream: ResponseStream;
  request: FastifyRequest;
  startedAt: number;
  /**
   * The `Idempotency-Key` header when the POST held a single message (a key for its `tools/call`);
   * undefined otherwise (in a batch, each tools/call carries its own in `_meta`).
   */
  idempotencyHeader?: string | string[] | undefined;
}

/** A server→client request waiting for the client's answer (which may arrive at any replica). */
interface AwaitedAnswer {
  resolve: (answer: RelayAnswer) => void;
  timer: NodeJS.Timeout;
}

/** Errors that mean "this call could not run" rather than "the request was wrong": MCP tool errors. */
const EXECUTION_ERRORS = new Set(['WORKER_UNAVAILABLE', 'CIRCUIT_OPEN', 'WORKER_BUSY', 'WORKER_TIMEOUT', 'WORKER_CRASHED', 'SHUTTING_DOWN', 'WORKER_PROTOCOL_ERROR']);
/** How long a client has to answer a sampling or elicitation request (a human may be answering). */
const CLIENT_ANSWER_TIMEOUT_MS = 10 * 60_000;

const CAPABILITY_FOR: Record<string, 'sampling' | 'elicitation' | 'roots'> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export interface McpFrontOptions {
  registry: ServiceRegistry;
  dispatcher: CallDispatcher;
  lists: WorkerLists;
  directory: McpDirectory;
  sessions: McpSessions;
  bus: ReplicaBus;
  handles: Iterable<WorkerHandle>;
  toolAllowed: ToolFilter;
  version: string;
  log: FastifyBaseLogger;
  /** The job API when async jobs are available (REDIS_URL): task-augmented calls become jobs. */
  jobs?: TaskJobs | undefined;
  /** Where tasks' job events are read from (REDIS_URL, the queues' BullMQ prefix): `notifications/tasks/status`. */
  jobEvents?: { redisUrl: string; prefix: string } | undefined;
  /** Calls with an idempotency key (`app.idempotentCalls`). */
  idempotency: Pick<IdempotentCalls, 'runAs'>;
}

/**
 * The gateway as an MCP server: answers what it can itself (initialize, ping, the lists, log
 * level) and forwards the rest to the worker that owns it, with the worker's messages about each
 * call (progress, log lines, sampling/elicitation/roots requests) relayed to the calling client.
 */
export class McpFront {
  private readonly awaited = new Map<string, AwaitedAnswer>();
  private nextClientRequest = 1;
  /** (service, uri) → how many sessions here subscribed: the worker is subscribed once. */
  private readonly subscribed = new Map<string, number>();
  /** MCP tasks (2025-11-25 sessions), when jobs are available. */
  private readonly tasks: McpTasks | undefined;
  /** `notifications/tasks/status` for the tasks created here, when jobs are available. */
  private readonly taskStatus: TaskStatusNotifier | undefined;

  constructor(private readonly o: McpFrontOptions) {
    this.tasks = o.jobs ? new McpTasks(o.jobs) : undefined;
    this.taskStatus =
      o.jobs && o.jobEvents
        ? new TaskStatusNotifier({ ...o.jobEvents, jobs: o.jobs, send: (nonce, message) => this.deliverTo(nonce, message), log: o.log })
        : undefined;
    o.bus.onMessage = (message) => {
      switch (message.k) {
        case 'deliver':
          this.deliverLocal(message.s, message.m);
          break;
        case 'reply':
          if (message.r === o.bus.replicaId) this.answered(message.id, message.a, false);
          break;
        case 'cancel':
          o.sessions.get(message.s)?.inFlight.get(message.id)?.cancel(new GatewayError('REQUEST_CANCELLED', message.reason));
          break;
        case 'level': {
          const session = o.sessions.get(message.s);
          if (session) session.level = message.l;
          break;
        }
        case 'end':
          this.forgetSession(message.s);
          break;
      }
    };
    o.lists.on('changed', (service, kinds) => {
      for (const session of o.sessions.sessions()) {
        if (session.streams.size === 0) continue;
        if (session.claims.service && session.claims.service !== service) continue;
        if (!session.claims.service && !this.callerSees(session, service)) continue;
        for (const kind of kinds) this.sendOnStream(session, { jsonrpc: '2.0', method: `notifications/${kind}/list_changed` });
      }
    });
    for (const handle of o.handles) {
      handle.on('notification', (method, params) => this.onWorkerNotification(handle.name, method, params));
      handle.on('down', () => {
        // A restarted worker has forgotten its subscriptions.
        for (const key of this.subscribed.keys()) if (key.startsWith(`${handle.name}\0`)) this.subscribed.delete(key);
      });
    }
  }

  /** The answer to `initialize`: a new session and what it offers. */
  initialize(params: Record<string, unknown> | undefined, caller: Caller, service: string): { session: LocalSession; result: Record<string, unknown> } {
    const asked = typeof params?.['protocolVersion'] === 'string' ? params['protocolVersion'] : undefined;
    const protocolVersion = asked && FRONT_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
    const caps = (params?.['capabilities'] ?? {}) as Record<string, unknown>;
    const tasks = this.tasks && protocolVersion === TASKS_PROTOCOL_VERSION ? { tasks: TASKS_CAPABILITY } : {};
    let result: Record<string, unknown>;
    if (service) {
      caller.scopes.requireService(service);
      const entry = this.o.registry.require(service, (s) => caller.scopes.seesService(s));
      const init = entry.handle.init;
      if (!init) throw new GatewayError('WORKER_UNAVAILABLE', `${service} is ${entry.handle.state}; retry in a moment`, { retryAfterSeconds: 1, data: { service } });
      // A worker's own `tasks` capability is not passed on: the gateway does not forward task-augmented
      // requests; it runs them as jobs itself (mcp-tasks.ts) when it declares `tasks`.
      const { tasks: _workerTasks, ...workerCapabilities } = init.capabilities;
      result = {
        protocolVersion,
        capabilities: { ...workerCapabilities, logging: {}, ...(init.capabilities['tools'] ? { tools: { ...(init.capabilities['tools'] as object), listChanged: true } } : {}), ...tasks },
        serverInfo: init.serverInfo,
        ...(init.instructions ? { instructions: init.instructions } : {}),
      };
    } else {
      result = {
        protocolVersion,
        capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, logging: {}, completions: {}, ...tasks },
        serverInfo: { name: 'mcp-gateway', title: 'MCP Gateway', version: this.o.version },
        instructions: `Every service this gateway serves, as tools named <service>${NAME_SEPARATOR}<tool>. One service alone, with its own names: /mcp/<service>.${localNote(this.o.registry, caller)}`,
      };
    }
    const session = this.o.sessions.create({
      agent: caller.agent,
      service,
      protocolVersion,
      sampling: caps['sampling'] !== undefined,
      elicitation: caps['elicitation'] !== undefined,
      roots: caps['roots'] !== undefined,
    });
    return { session, result };
  }

  /** Answers one request (a response object) or takes a notification (undefined). */
  handle(message: JsonRpcMessage, ctx: FrontContext): Promise<Record<string, unknown> | undefined> {
    const method = message.method!;
    const id = message.id;
    if (id === undefined || id === null) {
      this.onClientNotification(method, message.params, ctx);
      return Promise.resolve(undefined);
    }
    let pending: Promise<unknown>;
    try {
      // tools/call, the hot path, without the extra async layer of answer(); with `task`, a job.
      pending =
        method === 'tools/call'
          ? message.params?.['task'] === undefined ? this.callTool(message.params ?? {}, id, ctx) : this.callToolAsTask(message.params!, id, ctx)
          : this.answer(method, message.params ?? {}, id, ctx);
    } catch (error) {
      return Promise.resolve({ jsonrpc: '2.0', id, error: this.errorObject(error, ctx) });
    }
    return pending.then(
      (result) => ({ jsonrpc: '2.0', id, result }),
      (error: unknown) => ({ jsonrpc: '2.0', id, error: this.errorObject(error, ctx) }),
    );
  }

  /** A response from the client to a request the gateway sent it (sampling, elicitation, roots). */
  onClientResponse(message: JsonRpcMessage): void {
    if (typeof message.id !== 'string') return;
    const answer: RelayAnswer = message.error !== undefined
      ? { error: normalizeError(message.error) }
      : { result: message.result ?? {} };
    this.answered(message.id, answer, true);
  }

  private async answer(method: string, params: Record<string, unknown>, id: Id, ctx: FrontContext): Promise<unknown> {
    const { service, caller, session } = ctx;
    const scopes = caller.scopes;
    switch (method) {
      case 'ping':
        return {};
      case 'initialize':
        throw new GatewayError('INVALID_REQUEST', 'this session is already initialized; send initialize without Mcp-Session-Id to start another');
      case 'tools/list': {
        const tools = this.o.directory.listTools(service, scopes, this.o.toolAllowed);
        return { tools: this.tasksFor(session) ? withTaskSupport(tools) : tools };
      }
      case 'prompts/list':
        return { prompts: this.o.directory.listPrompts(service, scopes) };
      case 'resources/list':
        return { resources: this.o.directory.listResources(service, scopes) };
      case 'resources/templates/list':
        return { resourceTemplates: this.o.directory.listResourceTemplates(service, scopes) };
      case 'logging/setLevel': {
        const level = params['level'];
        if (levelRank(level) < 0) throw new GatewayError('INVALID_PARAMS', 'level must be one of debug, info, notice, warning, error, critical, alert, emergency');
        session.level = level as string;
        this.o.bus.publish({ k: 'level', s: session.claims.nonce, l: level as string });
        return {};
      }
      case 'tools/call':
        return params['task'] === undefined ? this.callTool(params, id, ctx) : this.callToolAsTask(params, id, ctx);
      case 'tasks/get':
      case 'tasks/result':
      case 'tasks/list':
      case 'tasks/cancel': {
        const tasks = this.tasksFor(session);
        if (!tasks) {
          if (service) return this.forward(service, method, params, id, ctx);
          throw new GatewayError(
            'METHOD_NOT_FOUND',
            `${method} needs an MCP session of protocol revision ${TASKS_PROTOCOL_VERSION} on a gateway with async jobs (REDIS_URL); this session has neither the tasks capability nor tasks`,
          );
        }
        return this.taskRequest(tasks, method, params, id, ctx);
      }
      case 'prompts/get': {
        const name = requireString(params, 'name');
        const target = service ? { service, name } : this.o.directory.prompt(name);
        if (!target) throw new GatewayError('INVALID_PARAMS', `unknown prompt "${name.slice(0, 128)}"; prompts/list shows the prompts you may use`);
        return this.forward(target.service, method, { ...params, name: target.name }, id, ctx);
      }
      case 'resources/read':
        return this.forward(this.resourceService(params, ctx), method, params, id, ctx);
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.subscription(method, params, ctx);
      case 'completion/complete': {
        const ref = params['ref'] as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
        if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
          const target = service ? { service, name: ref.name } : this.o.directory.prompt(ref.name);
          if (!target) throw new GatewayError('INVALID_PARAMS', `unknown prompt "${ref.name.slice(0, 128)}"`);
          return this.forward(target.service, method, { ...params, ref: { ...ref, name: target.name } }, id, ctx);
        }
        if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
          return this.forward(service || this.owner(ref.uri, ctx), method, params, id, ctx);
        }
        throw new GatewayError('INVALID_PARAMS', 'completion/complete needs ref {type: "ref/prompt", name} or {type: "ref/resource", uri}');
      }
      default:
        // One service: anything else the worker itself may understand goes through unchanged.
        if (service) return this.forward(service, method, params, id, ctx);
        throw new GatewayError('METHOD_NOT_FOUND', `method "${method.slice(0, 64)}" does not exist on /mcp`);
    }
  }

  private async callTool(params: Record<string, unknown>, id: Id, ctx: FrontContext): Promise<unknown> {
    const name = requireString(params, 'name');
    const args = params['arguments'] ?? {};
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new GatewayError('INVALID_PARAMS', 'arguments must be an object');
    const key = toolCallIdempotencyKey(params, ctx.idempotencyHeader);
    const target = this.toolTarget(name, ctx);
    const control = new CallControl();
    const { session, request } = ctx;
    session.inFlight.set(id, control);
    cancelOnDisconnect(request, control);
    ctx.stream.watch();
    const call = () =>
      this.o.dispatcher.callMcp({
        service: target.service,
        tool: target.name,
        arguments: args as Record<string, unknown>,
        requestId: request.id,
        control,
        startedAt: ctx.startedAt,
        endpoint: 'mcp',
        caller: ctx.caller,
        meta: metaForWorker(params['_meta'] as Record<string, unknown> | undefined),
        relay: this.relay(params, ctx),
      });
    try {
      if (key === undefined) return await call();
      // The worker's answer is stored, an isError result too (the tool ran); a call that could not
      // run throws here, before it becomes a tool error below, and so releases the key.
      return await this.o.idempotency.runAs(
        {
          caller: ctx.caller,
          requestId: request.id,
          startedAt: ctx.startedAt,
          endpoint: 'mcp',
          key,
          request: toolCallRequest(target.service, target.name, args as Record<string, unknown>),
          service: target.service,
          tool: target.name,
        },
        call,
        TOOL_RESULT_REPLAY,
      );
    } catch (error) {
      if (error instanceof GatewayError && EXECUTION_ERRORS.has(error.spec.name)) {
        // MCP: a call that could not run is a tool error the model can read, not a protocol error.
        return {
          content: [{ type: 'text', text: error.message }],
          isError: true,
          _meta: { 'mcpgw/error': { name: error.spec.name, code: error.spec.code, ...(error.retryAfterSeconds === undefined ? {} : { retryAfter: error.retryAfterSeconds }) } },
        };
      }
      throw error;
    } finally {
      session.inFlight.delete(id);
      forgetCall(request, control);
    }
  }

  /**
   * `tools/call` with `params.task`: on a tasks session, the call is queued as a job and answered
   * with a CreateTaskResult at once; elsewhere (older revision, no REDIS_URL) `task` is ignored and
   * the call runs synchronously, as MCP asks of a receiver without the tasks capability.
   */
  private async callToolAsTask(params: Record<string, unknown>, id: Id, ctx: FrontContext): Promise<unknown> {
    const tasks = this.tasksFor(ctx.session);
    if (!tasks) return this.callTool(params, id, ctx);
    const name = requireString(params, 'name');
    const args = params['arguments'] ?? {};
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new GatewayError('INVALID_PARAMS', 'arguments must be an object');
    const key = toolCallIdempotencyKey(params, ctx.idempotencyHeader);
    const target = this.toolTarget(name, ctx);
    // The job events of the service are read before the job exists, so none of its changes is missed.
    await this.taskStatus?.prepare(target.service);
    const created = await tasks.create(ctx.caller, target, args as Record<string, unknown>, params['task'], ctx.request.id, key);
    this.taskStatus?.watch(created.task, ctx.session.claims.nonce, ctx.caller);
    return created;
  }

  /** tasks/get, tasks/result, tasks/list, tasks/cancel; the waits are cancellable like any request. */
  private async taskRequest(tasks: McpTasks, method: string, params: Record<string, unknown>, id: Id, ctx: FrontContext): Promise<unknown> {
    const { caller, service } = ctx;
    if (method === 'tasks/get') return tasks.get(caller, params, service);
    if (method === 'tasks/list') return tasks.list(caller, params, service);
    const control = new CallControl();
    const { session, request } = ctx;
    session.inFlight.set(id, control);
    cancelOnDisconnect(request, control);
    // tasks/result may wait for minutes: the answer turns into SSE with keep-alives meanwhile.
    ctx.stream.watch();
    try {
      return method === 'tasks/result' ? await tasks.result(caller, params, service, control) : await tasks.cancel(caller, params, service, control);
    } finally {
      session.inFlight.delete(id);
      forgetCall(request, control);
    }
  }

  /** The tasks of a session: only 2025-11-25 sessions, only with async jobs. */
  private tasksFor(session: LocalSession): McpTasks | undefined {
    return session.claims.protocolVersion === TASKS_PROTOCOL_VERSION ? this.tasks : undefined;
  }

  /** The service and tool a `tools/call` name means here, refused when unknown or its definition changed. */
  private toolTarget(name: string, ctx: FrontContext): { service: string; name: string } {
    let target = ctx.service ? { service: ctx.service, name } : this.o.directory.tool(name);
    if (!target && !ctx.service) {
      // A tool whose worker is down is not listed, but its name still says where it lives: the
      // caller gets "restarting, retry in N s" rather than "no such tool".
      const cut = name.indexOf(NAME_SEPARATOR);
      const service = cut > 0 ? name.slice(0, cut) : '';
      if (service && this.o.registry.get(service)) target = { service, name: name.slice(cut + NAME_SEPARATOR.length) };
      else if (service && ctx.caller.scopes.seesService(service) && this.o.registry.localReference(service)) throw localReferenceError(this.o.registry.localReference(service)!);
      else throw new GatewayError('INVALID_PARAMS', `unknown tool "${name.slice(0, 128)}"; tools/list shows the tools you may use (named <service>${NAME_SEPARATOR}<tool>)`);
    }
    const listed = this.o.directory.listedTool(target!.service, target!.name);
    if (listed && !this.o.toolAllowed(target!.service, listed)) {
      throw new GatewayError(
        'TOOL_DEFINITION_CHANGED',
        `${target!.service}.${target!.name} now lists a definition that differs from its pinned one; an operator must review it (mcpgw tools pins) and approve it (mcpgw tools approve ${target!.service} ${target!.name})`,
        { data: { service: target!.service, tool: target!.name } },
      );
    }
    return target!;
  }

  /** Any other request, to the worker that owns it, with its messages relayed. */
  private async forward(service: string, method: string, params: Record<string, unknown>, id: Id, ctx: FrontContext): Promise<unknown> {
    const scopes = ctx.caller.scopes;
    scopes.requireService(service);
    const entry = this.o.registry.require(service, (s) => scopes.seesService(s));
    const control = new CallControl();
    ctx.session.inFlight.set(id, control);
    cancelOnDisconnect(ctx.request, control);
    ctx.stream.watch();
    try {
      return await entry.handle.request(method, params, { control, relay: this.relay(params, ctx) });
    } finally {
      ctx.session.inFlight.delete(id);
      forgetCall(ctx.request, control);
    }
  }

  private async subscription(method: string, params: Record<string, unknown>, ctx: FrontContext): Promise<unknown> {
    const uri = requireString(params, 'uri');
    const service = this.resourceService(params, ctx);
    const key = `${service}\0${uri}`;
    const session = ctx.session;
    if (method === 'resources/subscribe') {
      if (session.subscriptions.get(uri) === service) return {};
      const count = this.subscribed.get(key) ?? 0;
      if (count === 0) await this.forward(service, method, params, '\0subscribe', ctx);
      this.subscribed.set(key, count + 1);
      session.subscriptions.set(uri, service);
      return {};
    }
    if (session.subscriptions.get(uri) !== service) return {};
    session.subscriptions.delete(uri);
    const count = (this.subscribed.get(key) ?? 1) - 1;
    if (count > 0) {
      this.subscribed.set(key, count);
      return {};
    }
    this.subscribed.delete(key);
    return this.forward(service, method, params, '\0unsubscribe', ctx);
  }

  private resourceService(params: Record<string, unknown>, ctx: FrontContext): string {
    const uri = requireString(params, 'uri');
    return ctx.service || this.owner(uri, ctx);
  }

  private owner(uri: string, ctx: FrontContext): string {
    const service = this.o.directory.resourceOwner(uri);
    if (!service || !ctx.caller.scopes.seesService(service)) {
      throw new McpProtocolError(-32002, `no service offers resource ${uri.slice(0, 256)}; resources/list and resources/templates/list show what you may read`, { uri });
    }
    return service;
  }

  /** Relays a worker's messages about one request to the client that made it. */
  private relay(params: Record<string, unknown>, ctx: FrontContext): CallRelay {
    const meta = params['_meta'] as Record<string, unknown> | undefined;
    const token = meta?.['progressToken'];
    return new StreamRelay(this, ctx.session, ctx.stream, typeof token === 'string' || typeof token === 'number' ? token : undefined);
  }

  /** Sends a request to a client and waits for its answer (see StreamRelay.request). */
  askClient(stream: ResponseStream, method: string, params: Record<string, unknown> | undefined): Promise<RelayAnswer> {
    const id = `${this.o.bus.replicaId}.${this.nextClientRequest++}`;
    return new Promise<RelayAnswer>((resolve) => {
      const timer = setTimeout(() => this.answered(id, { error: { code: -32001, message: `the client did not answer ${method} within ${CLIENT_ANSWER_TIMEOUT_MS / 60_000} minutes` } }, false), CLIENT_ANSWER_TIMEOUT_MS);
      timer.unref();
      this.awaited.set(id, { resolve, timer });
      stream.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    });
  }

  private answered(id: string, answer: RelayAnswer, fromClient: boolean): void {
    const waiting = this.awaited.get(id);
    if (waiting) {
      this.awaited.delete(id);
      clearTimeout(waiting.timer);
      waiting.resolve(answer);
      return;
    }
    // Another replica asked: pass the answer on (ids carry the asking replica's id).
    const dot = id.indexOf('.');
    if (fromClient && dot > 0 && id.slice(0, dot) !== this.o.bus.replicaId) this.o.bus.publish({ k: 'reply', r: id.slice(0, dot), id, a: answer });
  }

  private onClientNotification(method: string, params: Record<string, unknown> | undefined, ctx: FrontContext): void {
    if (method === 'notifications/cancelled') {
      const requestId = params?.['requestId'];
      if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
      const reason = typeof params?.['reason'] === 'string' ? params['reason'].slice(0, 200) : 'cancelled by the client';
      const control = ctx.session.inFlight.get(requestId);
      if (control) control.cancel(new GatewayError('REQUEST_CANCELLED', reason));
      else this.o.bus.publish({ k: 'cancel', s: ctx.session.claims.nonce, id: requestId, reason });
    }
    // notifications/initialized, roots/list_changed, progress: nothing to do (roots are asked for during calls).
  }

  private onWorkerNotification(service: string, method: string, params: Record<string, unknown> | undefined): void {
    if (method === 'notifications/resources/updated') {
      const uri = params?.['uri'];
      if (typeof uri !== 'string') return;
      for (const session of this.o.sessions.sessions()) {
        if (session.subscriptions.get(uri) === service) this.deliver(session, { jsonrpc: '2.0', method, params });
      }
      return;
    }
    if (method === 'notifications/message') {
      for (const session of this.o.sessions.sessions()) {
        if (session.streams.size === 0 || !session.level || levelRank(params?.['level']) < levelRank(session.level)) continue;
        if (session.claims.service ? session.claims.service !== service : !this.callerSees(session, service)) continue;
        this.sendOnStream(session, { jsonrpc: '2.0', method, params });
      }
    }
  }

  /** To the session's GET stream: here if it is open here, else wherever it is (another replica). */
  private deliver(session: LocalSession, message: unknown): void {
    if (session.streams.size > 0) this.sendOnStream(session, message);
    else this.o.bus.publish({ k: 'deliver', s: session.claims.nonce, m: message });
  }

  /** To a session's GET stream by its nonce: here if open here, else over the bus (its stream may be elsewhere). */
  private deliverTo(nonce: string, message: unknown): void {
    const session = this.o.sessions.get(nonce);
    if (session && session.streams.size > 0) this.sendOnStream(session, message);
    else this.o.bus.publish({ k: 'deliver', s: nonce, m: message });
  }

  private deliverLocal(nonce: string, message: unknown): void {
    const session = this.o.sessions.get(nonce);
    if (session && session.streams.size > 0) this.sendOnStream(session, message);
  }

  private sendOnStream(session: LocalSession, message: unknown): void {
    // MCP: a message goes out on one stream only.
    for (const stream of session.streams) {
      if (!stream.closed) {
        stream.send(message);
        return;
      }
    }
  }

  /** A terminated session: its calls are cancelled and its worker subscriptions released. */
  forgetSession(nonce: string): void {
    this.taskStatus?.forgetSession(nonce);
    const session = this.o.sessions.endLocally(nonce);
    if (!session) return;
    for (const control of session.inFlight.values()) control.cancel(new GatewayError('REQUEST_CANCELLED', 'the MCP session was terminated'));
    for (const [uri, service] of session.subscriptions) {
      const key = `${service}\0${uri}`;
      const count = (this.subscribed.get(key) ?? 1) - 1;
      if (count > 0) {
        this.subscribed.set(key, count);
        continue;
      }
      this.subscribed.delete(key);
      this.o.registry.get(service)?.handle.request('resources/unsubscribe', { uri }).catch(() => undefined);
    }
  }

  private callerSees(session: LocalSession, service: string): boolean {
    return session.scopes?.seesService(service) ?? false;
  }

  private errorObject(error: unknown, ctx: FrontContext): { code: number; message: string; data?: unknown } {
    if (error instanceof McpProtocolError) return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
    if (error instanceof WorkerRpcError) return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
    return rpcErrorObject(resolveError(error, ctx.request.id, ctx.request.log));
  }

  async close(): Promise<void> {
    for (const waiting of this.awaited.values()) {
      clearTimeout(waiting.timer);
      waiting.resolve({ error: { code: -32603, message: 'the gateway is shutting down' } });
    }
    this.awaited.clear();
    await this.taskStatus?.close();
  }
}

/** A worker's messages about one call, to the POST stream of the client that made the call. One object per call. */
class StreamRelay implements CallRelay {
  constructor(
    private readonly front: McpFront,
    private readonly session: LocalSession,
    private readonly stream: ResponseStream,
    readonly progressToken: string | number | undefined,
  ) {}

  notify(method: string, params: Record<string, unknown> | undefined): void {
    const level = this.session.level;
    if (method === 'notifications/message' && level && levelRank(params?.['level']) < levelRank(level)) return;
    this.stream.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  request(method: string, params: Record<string, unknown> | undefined): Promise<RelayAnswer> {
    const needs = CAPABILITY_FOR[method];
    if (needs && !this.session.claims[needs]) {
      return Promise.resolve({ error: { code: -32601, message: `the client did not declare the ${needs} capability, so ${method} cannot be passed to it` } });
    }
    if (!this.stream.open) return Promise.resolve({ error: { code: -32603, message: 'the client is no longer listening on this request' } });
    return this.front.askClient(this.stream, method, params);
  }
}

/** An MCP-defined error (such as -32002 resource not found) answered as is. */
class McpProtocolError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
  }
}

function requireString(params: Record<string, unknown>, key: string): string {
  const value = params[key];
  if (typeof value !== 'string' || value.length === 0) throw new GatewayError('INVALID_PARAMS', `params.${key} must be a non-empty string`, { data: { issues: [{ path: key, message: 'required string' }] } });
  return value;
}

function normalizeError(error: unknown): { code: number; message: string; data?: unknown } {
  const e = error as { code?: unknown; message?: unknown; data?: unknown } | null;
  return {
    code: typeof e?.code === 'number' ? e.code : -32603,
    message: typeof e?.message === 'string' ? e.message : 'the client answered with an error',
    ...(e?.data === undefined ? {} : { data: e.data }),
  };
}

/** The aggregate front's note on local references the caller may see: run them yourself (GET /mcp/catalog says how). */
function localNote(registry: ServiceRegistry, caller: Caller): string {
  const names = registry.localReferences().map((ref) => ref.name).filter((name) => caller.scopes.seesService(name));
  if (names.length === 0) return '';
  return ` Local references, not served here (run them on your own machine; GET /mcp/catalog shows how): ${names.join(', ')}.`;
}
