import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../auth/authenticator.js';
import { CallLimiter } from '../calls/call-limiter.js';
import { isLoopback } from '../auth/network.js';
import { resolveError, rpcErrorObject } from '../http/error-response.js';
import { requireJsonBody } from '../plugins/json-body.js';
import { bullPrefix } from '../jobs/job-payload.js';
import { McpDirectory } from '../mcp/mcp-directory.js';
import { IDEMPOTENCY_KEY_META } from '../mcp/mcp-idempotency.js';
import { FRONT_PROTOCOL_VERSIONS, McpFront } from '../mcp/mcp-front.js';
import { McpSessions, ServerStream, type LocalSession, type SessionLookup } from '../mcp/mcp-sessions.js';
import { ReplicaBus } from '../mcp/replica-bus.js';
import { KeepAliveClock, ResponseStream } from '../mcp/response-stream.js';
import { WorkerLists } from '../mcp/worker-lists.js';

type Message = { jsonrpc: '2.0'; id?: string | number | null; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };

const SESSION_HEADER = 'mcp-session-id';
const VERSION_HEADER = 'mcp-protocol-version';
const COUNTED_METHODS = [
  'initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read',
  'resources/subscribe', 'resources/unsubscribe', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel',
];

/** Answered to a refused request before any JSON-RPC message is read. */
class HttpRefusal extends Error {
  constructor(readonly status: number, readonly error: GatewayError) {
    super(error.message);
  }
}

/**
 * The gateway as an MCP server over Streamable HTTP: `POST/GET/DELETE /mcp` for every service the
 * caller may use (names `<service>__<tool>`), and `/mcp/<service>` for one service with its own
 * names. Authentication and rate limits are the front door's (plugins/auth.ts); this adds the
 * Origin and Host checks, sessions, and the protocol (mcp/).
 */
export const mcpRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app;
  const log = app.log.child({ component: 'mcp' });
  const bus = new ReplicaBus(config.redis.url, config.redis.keyPrefix, log);
  const sessions = await McpSessions.open({ secret: config.mcp.sessionSecret, maxAgeMs: config.mcp.sessionMaxAgeMs, bus, prefix: config.redis.keyPrefix, log });
  const handles = [...app.pool.handles.values()];
  const lists = new WorkerLists(handles, log);
  const directory = new McpDirectory(lists, () => app.registry.names(), log);
  const front = new McpFront({
    registry: app.registry,
    dispatcher: app.dispatcher,
    lists,
    directory,
    sessions,
    bus,
    handles,
    // Judged on the definition as the worker lists it over MCP, not only as its manifest says.
    toolAllowed: (service, tool) => !app.toolPins.listedStatus(service, tool).refused,
    version: config.version,
    log,
    // MCP tasks are jobs: offered only where jobs work (REDIS_URL).
    jobs: config.redis.url ? app.jobs : undefined,
    jobEvents: config.redis.url ? { redisUrl: config.redis.url, prefix: bullPrefix(config.redis.keyPrefix) } : undefined,
    idempotency: app.idempotentCalls,
  });
  const clock = new KeepAliveClock(config.mcp.keepAliveMs);
  app.addHook('onClose', async () => {
    clock.close();
    await front.close();
    sessions.close();
    await bus.close();
  });

  /** A JSON-RPC error answered inside an MCP exchange: counted by the gateway's error name when it has one. */
  const countFailure = (answer: Record<string, unknown>): void => {
    const name = (answer['error'] as { data?: { name?: unknown } } | undefined)?.data?.name;
    app.metrics.requestsFailed.labels('mcp', typeof name === 'string' ? name : 'MCP_ERROR').inc();
  };
  const requests = new Map([...COUNTED_METHODS, 'other'].map((m) => [m, app.metrics.requests.labels('mcp', m)]));
  const count = (method: string): void => (requests.get(method) ?? requests.get('other')!).inc();
  const boundToLoopback = isLoopback(config.host) || config.host === 'localhost';
  const allowedHosts = new Set(config.mcp.allowedHosts);
  const anyOrigin = config.mcp.corsOrigins.includes('*');
  const origins = new Set(config.mcp.corsOrigins);

  /** Browser origins: loopback pages always (a local inspector), others only when CORS_ORIGINS lists them. */
  const originAllowed = (origin: string): boolean => {
    if (anyOrigin || origins.has(origin)) return true;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
    } catch {
      return false;
    }
  };

  app.setErrorHandler((error, request, reply) => {
    const status = error instanceof HttpRefusal ? error.status : undefined;
    const resolved = resolveError(error instanceof HttpRefusal ? error.error : error, request.id, request.log);
    app.metrics.requestsFailed.labels('mcp', resolved.spec.name).inc();
    if (resolved.retryAfterSeconds !== undefined) void reply.header('retry-after', String(resolved.retryAfterSeconds));
    const body = request.body as { id?: unknown } | undefined;
    const id = body && !Array.isArray(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
    void reply.code(status ?? resolved.spec.httpStatus).send({ jsonrpc: '2.0', id, error: rpcErrorObject(resolved) });
  });

  // Origin and Host before anything else (DNS rebinding: a web page must not reach a local gateway).
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!originAllowed(origin)) {
        throw new HttpRefusal(403, new GatewayError('FORBIDDEN', `requests from the web origin ${origin.slice(0, 100)} are not allowed; an operator can allow it with CORS_ORIGINS`));
      }
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset');
    }
    if (boundToLoopback && !isLoopbackHost(request.headers.host) && !allowedHosts.has(hostName(request.headers.host))) {
      throw new HttpRefusal(403, new GatewayError('FORBIDDEN', 'this gateway listens on a loopback address and takes only requests addressed to localhost, 127.0.0.1 or [::1] (add other names to MCP_ALLOWED_HOSTS)'));
    }
  });

  const preflight = async (request: FastifyRequest<{ Params: { service?: string } }>, reply: FastifyReply) => {
    // /mcp/:service also matches /mcp/rpc and friends: preflights are answered for MCP endpoints only.
    const service = request.params.service;
    if (service !== undefined && !app.registry.get(service)) {
      void reply.code(404).send();
      return;
    }
    void reply
      .header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS')
      .header('access-control-allow-headers', 'Content-Type, Accept, Authorization, X-MCP-Key, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Idempotency-Key')
      .header('access-control-max-age', '600')
      .code(204)
      .send();
  };
  app.options('/mcp', preflight);
  app.options('/mcp/:service', preflight);

  const post = async (request: FastifyRequest, reply: FastifyReply, service: string) => {
    const startedAt = performance.now();
    requireAccept(request, true);
    const body = requireJsonBody(request.body, request.headers['content-type']);
    const messages = (Array.isArray(body) ? body : [body]) as Message[];
    if (messages.length === 0) throw new GatewayError('INVALID_REQUEST', 'empty batch: send one JSON-RPC message');
    if (messages.length > config.rpcMaxBatch) throw new GatewayError('INVALID_REQUEST', `a batch holds at most ${config.rpcMaxBatch} messages (RPC_MAX_BATCH)`);
    for (const message of messages) checkMessage(message);
    if (service) requireService(request, service);

    const init = messages.find((m) => m.method === 'initialize');
    if (init) {
      if (messages.length > 1) throw new GatewayError('INVALID_REQUEST', 'initialize must be sent alone, not in a batch');
      if (init.id === undefined || init.id === null) throw new GatewayError('INVALID_REQUEST', 'initialize is a request: give it an id');
      count('initialize');
      const { session, result } = front.initialize(init.params, request.caller, service);
      session.scopes = request.caller.scopes;
      void reply.header(SESSION_HEADER, session.id).header('content-type', 'application/json');
      return JSON.stringify({ jsonrpc: '2.0', id: init.id, result });
    }

    const found = requireSession(request, service);
    const session = found instanceof Promise ? await found : found;
    const idempotencyHeader = request.headers['idempotency-key'];
    if (idempotencyHeader !== undefined && Array.isArray(body) && messages.some((m) => m.method === 'tools/call')) {
      // Refused rather than ignored, so no client believes its calls are protected when they are not.
      throw new GatewayError('INVALID_REQUEST', `an Idempotency-Key header keys a POST that holds one tools/call; in a batch give each tools/call its own key in params._meta["${IDEMPOTENCY_KEY_META}"]`);
    }
    const ctx = {
      caller: request.caller,
      service,
      session,
      request,
      startedAt,
      stream: undefined as unknown as ResponseStream,
      idempotencyHeader: Array.isArray(body) ? undefined : idempotencyHeader,
    };
    let requestsInBody = 0;
    for (const message of messages) {
      if (message.method === undefined) {
        front.onClientResponse(message);
        continue;
      }
      count(message.method);
      if (message.id === undefined || message.id === null) {
        void front.handle(message, ctx);
        continue;
      }
      requestsInBody++;
    }
    if (requestsInBody > 1) {
      // The front door took one unit for the POST; each further request of a batch counts too.
      const decision = await app.limiter.take(request.caller, requestsInBody - 1);
      if (decision) {
        CallLimiter.setHeaders(reply, decision);
        if (decision.allowed < requestsInBody - 1) {
          const refusal = CallLimiter.refusal(decision, request.caller);
          const caller = request.caller;
          app.audit.record({
            at: new Date(), requestId: request.id, agent: caller.agent, authMethod: caller.method, service: service || null, tool: null,
            outcome: 'rate_limited', errorCode: refusal.spec.code, errorName: refusal.spec.name, durationMs: 0, peer: caller.peer, endpoint: 'mcp',
          });
          throw new HttpRefusal(429, refusal);
        }
      }
    }
    if (requestsInBody === 0) {
      void reply.code(202);
      return '';
    }
    const headers: Record<string, string> = { [SESSION_HEADER]: session.id };
    const origin = reply.getHeader('access-control-allow-origin');
    if (typeof origin === 'string') Object.assign(headers, { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'Mcp-Session-Id, Mcp-Protocol-Version' });
    const stream = new ResponseStream(reply, headers, clock);
    ctx.stream = stream;
    if (!Array.isArray(body)) {
      void front.handle(messages[0]!, ctx).then((answer) => {
        if (answer && 'error' in answer) countFailure(answer);
        stream.finish(JSON.stringify(answer));
      });
    } else {
      const calls = messages.filter((m) => m.method !== undefined && m.id !== undefined && m.id !== null).map((m) => front.handle(m, ctx));
      void Promise.all(calls).then((answers) => {
        const out = answers.filter((a) => a !== undefined);
        for (const answer of out) if ('error' in answer) countFailure(answer);
        stream.finish(JSON.stringify(out));
      });
    }
    const outcome = await stream.outcome;
    if (outcome.kind === 'sse') return reply;
    void reply.header(SESSION_HEADER, session.id).header('content-type', 'application/json');
    return outcome.body;
  };

  const get = async (request: FastifyRequest, reply: FastifyReply, service: string) => {
    requireAccept(request, false);
    if (service) requireService(request, service);
    const session = await requireSession(request, service);
    count('other');
    const headers: Record<string, string> = { [SESSION_HEADER]: session.id };
    const origin = reply.getHeader('access-control-allow-origin');
    if (typeof origin === 'string') Object.assign(headers, { 'access-control-allow-origin': origin, vary: 'Origin' });
    const stream = new ServerStream(reply, config.mcp.keepAliveMs, headers, () => session.streams.delete(stream));
    session.streams.add(stream);
    return reply;
  };

  const del = async (request: FastifyRequest, reply: FastifyReply, service: string) => {
    const session = await requireSession(request, service);
    front.forgetSession(session.claims.nonce);
    await sessions.end(session).catch((error: Error) => request.log.warn({ err: { message: error.message } }, 'could not record the session end in Redis; other replicas forget it when it expires'));
    void reply.code(200);
    return '';
  };

  /** The request's session; synchronous unless Redis is asked whether it was terminated. */
  function requireSession(request: FastifyRequest, service: string): LocalSession | Promise<LocalSession> {
    const id = request.headers[SESSION_HEADER];
    if (typeof id !== 'string' || id === '') {
      throw new HttpRefusal(400, new GatewayError('INVALID_REQUEST', 'missing Mcp-Session-Id: send initialize first and repeat the session id it returns on every request'));
    }
    const version = request.headers[VERSION_HEADER];
    if (typeof version === 'string' && !FRONT_PROTOCOL_VERSIONS.includes(version)) {
      throw new HttpRefusal(400, new GatewayError('INVALID_REQUEST', `unsupported MCP-Protocol-Version ${version.slice(0, 40)}; supported: ${FRONT_PROTOCOL_VERSIONS.join(', ')}`));
    }
    const found = sessions.lookup(id, request.caller.agent, service);
    return found instanceof Promise ? found.then((f) => sessionOf(f, request)) : sessionOf(found, request);
  }

  function sessionOf(found: SessionLookup, request: FastifyRequest): LocalSession {
    if ('status' in found) throw new HttpRefusal(found.status, new GatewayError(found.status === 403 ? 'FORBIDDEN' : 'INVALID_REQUEST', found.message));
    found.session.scopes = request.caller.scopes;
    return found.session;
  }

  function requireService(request: FastifyRequest, service: string): void {
    const scopes = request.caller.scopes;
    scopes.requireService(service);
    app.registry.require(service, (s) => scopes.seesService(s));
  }

  app.post('/mcp', (request, reply) => post(request, reply, ''));
  app.get('/mcp', (request, reply) => get(request, reply, ''));
  app.delete('/mcp', (request, reply) => del(request, reply, ''));
  app.post<{ Params: { service: string } }>('/mcp/:service', (request, reply) => post(request, reply, request.params.service));
  app.get<{ Params: { service: string } }>('/mcp/:service', (request, reply) => get(request, reply, request.params.service));
  app.delete<{ Params: { service: string } }>('/mcp/:service', (request, reply) => del(request, reply, request.params.service));
};

/** POST must accept JSON and SSE (the answer may be either); GET must accept SSE. */
function requireAccept(request: FastifyRequest, post: boolean): void {
  const accept = (request.headers.accept ?? '').toLowerCase();
  const any = accept.includes('*/*');
  const sse = any || accept.includes('text/event-stream');
  const json = any || accept.includes('application/json');
  if (post ? sse && json : sse) return;
  throw new HttpRefusal(
    406,
    new GatewayError('INVALID_REQUEST', post ? 'send Accept: application/json, text/event-stream (the answer may come as either)' : 'send Accept: text/event-stream to open the stream of server messages'),
  );
}

function checkMessage(message: Message): void {
  if (message === null || typeof message !== 'object' || Array.isArray(message) || message.jsonrpc !== '2.0') {
    throw new GatewayError('INVALID_REQUEST', 'each message must be a JSON-RPC 2.0 object with "jsonrpc": "2.0"');
  }
  if (message.method !== undefined) {
    if (typeof message.method !== 'string' || message.method.length === 0) throw new GatewayError('INVALID_REQUEST', 'method must be a non-empty string');
    if (message.params !== undefined && (message.params === null || typeof message.params !== 'object' || Array.isArray(message.params))) {
      throw new GatewayError('INVALID_REQUEST', 'params must be an object');
    }
  } else if (message.id === undefined || (message.result === undefined && message.error === undefined)) {
    throw new GatewayError('INVALID_REQUEST', 'a message needs a method (request or notification) or an id with result or error (response)');
  }
  if (message.id !== undefined && message.id !== null && typeof message.id !== 'string' && typeof message.id !== 'number') {
    throw new GatewayError('INVALID_REQUEST', 'id must be a string or a number');
  }
}

function hostName(host: string | undefined): string {
  if (!host) return '';
  const name = host.toLowerCase();
  if (name.startsWith('[')) return name.slice(0, name.indexOf(']') + 1);
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}
