import { GatewayError, errorSpecByCode } from '@mcpgw/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { JSONRPCServer, createJSONRPCErrorResponse, createJSONRPCSuccessResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import { requireJsonBody } from '../plugins/json-body.js';
import { resolveError, rpcErrorObject } from '../http/error-response.js';
import { cancelOnDisconnect, forgetCall } from '../http/client-disconnect.js';
import { describeLocalReference, describeService, summarizeLocalReference, summarizeService } from '../registry/service-view.js';
import { CallLimiter } from '../calls/call-limiter.js';
import type { RateLimitDecision } from '../rate-limit/rate-limiter.js';
import { validIdempotencyKey } from '../idempotency/idempotency-store.js';
import { CallControl } from '../workers/call-control.js';
import { JOB_METHODS, jobParams } from '../jobs/job-rpc-params.js';

interface RpcContext {
  request: FastifyRequest;
  startedAt: number;
}

const METHODS = ['mcp.execute', 'mcp.listServices', 'mcp.describeService', ...JOB_METHODS] as const;
const RESERVED_PARAMS = new Set(['service', 'operation', 'tool', 'arguments', 'idempotencyKey']);

/**
 * `POST /mcp/rpc`: JSON-RPC 2.0 (json-rpc-2.0 library for dispatch and response objects) with
 * batches and notifications exactly as the spec says. A single request's error also sets the
 * HTTP status from the error table; a batch is always 200 with one answer per request.
 */
export const rpcRoutes: FastifyPluginAsync = async (app) => {
  const server = new JSONRPCServer<RpcContext>({ errorListener: () => undefined });
  const requestCounters = new Map<string, { inc(): void }>([...METHODS, 'unknown'].map((m) => [m, app.metrics.requests.labels('rpc', m)]));

  /** Registers a method; its errors become JSON-RPC error objects with our codes (never thrown through the library). */
  const method = (name: (typeof METHODS)[number], fn: (params: unknown, ctx: RpcContext) => Promise<unknown> | unknown): void => {
    server.addMethodAdvanced(name, async (request, ctx) => {
      try {
        const result = await fn(request.params, ctx);
        return request.id === undefined ? null : createJSONRPCSuccessResponse(request.id, result);
      } catch (error) {
        app.auditForbidden(ctx.request, error);
        const resolved = resolveError(error, ctx.request.id, ctx.request.log);
        app.metrics.requestsFailed.labels('rpc', resolved.spec.name).inc();
        if (request.id === undefined) return null;
        const { code, message, data } = rpcErrorObject(resolved);
        return createJSONRPCErrorResponse(request.id, code, message, data);
      }
    });
  };

  method('mcp.execute', (params, ctx) => {
    const { service, tool, arguments: args } = executeParams(params);
    const key = (params as Record<string, unknown>)['idempotencyKey'];
    if (key === undefined) return callTool(service, tool, args, ctx);
    return app.idempotentCalls.run(
      {
        caller: ctx.request.caller,
        requestId: ctx.request.id,
        startedAt: ctx.startedAt,
        endpoint: 'rpc',
        key: validIdempotencyKey(key, 'idempotencyKey'),
        request: { service, tool, arguments: args },
        service,
        tool,
      },
      () => callTool(service, tool, args, ctx),
    );
  });

  /** mcp.execute's call to the dispatcher, cancelled when the client goes away. */
  const callTool = async (service: string, tool: string, args: Record<string, unknown>, ctx: RpcContext) => {
    const control = new CallControl();
    cancelOnDisconnect(ctx.request, control);
    try {
      return await app.dispatcher.call({
        service,
        tool,
        arguments: args,
        requestId: ctx.request.id,
        control,
        startedAt: ctx.startedAt,
        endpoint: 'rpc',
        caller: ctx.request.caller,
      });
    } finally {
      forgetCall(ctx.request, control);
    }
  };

  method('mcp.listServices', (_params, ctx) => {
    const scopes = ctx.request.caller.scopes;
    return {
      services: app.registry
        .list()
        .filter((entry) => scopes.seesService(entry.name))
        .map((entry) => summarizeService(entry, scopes.toolFilter(entry)))
        .concat(app.registry.localReferences().filter((ref) => scopes.seesService(ref.name)).map(summarizeLocalReference)),
    };
  });

  method('mcp.describeService', (params, ctx) => {
    const p = params as { service?: unknown; name?: unknown } | undefined;
    const name = p?.service ?? p?.name;
    if (typeof name !== 'string') {
      throw new GatewayError('INVALID_PARAMS', 'mcp.describeService takes {"service": "<name>"}', { data: { issues: [{ path: 'service', message: 'required string' }] } });
    }
    const scopes = ctx.request.caller.scopes;
    scopes.requireService(name);
    const local = app.registry.localReference(name);
    if (local) return describeLocalReference(local);
    const entry = app.registry.require(name, (s) => scopes.seesService(s));
    return describeService(entry, scopes.toolFilter(entry));
  });

  // Async jobs (docs/jobs.md): queued on Redis, never on the synchronous path above.
  method('mcp.submit', (params, ctx) => {
    const { service, tool, arguments: args } = executeParams(params);
    const key = (params as Record<string, unknown>)['idempotencyKey'];
    const idempotencyKey = key === undefined ? undefined : validIdempotencyKey(key, 'idempotencyKey');
    return app.jobs.submit(ctx.request.caller, { service, tool, arguments: args, requestId: ctx.request.id, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
  });
  method('mcp.getJob', (params, ctx) => app.jobs.get(ctx.request.caller, jobParams(params).jobId));
  method('mcp.cancelJob', (params, ctx) => app.jobs.cancel(ctx.request.caller, jobParams(params).jobId));
  method('mcp.listJobs', (params, ctx) => app.jobs.list(ctx.request.caller, jobParams(params, false)));
  method('mcp.listDeadLetters', (params, ctx) => app.jobs.listDeadLetters(ctx.request.caller, jobParams(params, false)));
  method('mcp.replayJob', (params, ctx) => app.jobs.replay(ctx.request.caller, jobParams(params).jobId, ctx.request.id));

  const answer = async (item: unknown, ctx: RpcContext): Promise<JSONRPCResponse | null> => {
    const problem = invalidRequest(item);
    if (problem) {
      app.metrics.requestsFailed.labels('rpc', 'INVALID_REQUEST').inc();
      return createJSONRPCErrorResponse(validId(item) ?? null, -32600, problem, { name: 'INVALID_REQUEST' });
    }
    const request = item as { method: string; id?: string | number | null };
    if (!server.hasMethod(request.method)) {
      requestCounters.get('unknown')!.inc();
      app.metrics.requestsFailed.labels('rpc', 'METHOD_NOT_FOUND').inc();
      if (request.id === undefined) return null;
      return createJSONRPCErrorResponse(request.id, -32601, `method "${request.method.slice(0, 64)}" does not exist; methods: ${METHODS.join(', ')}`, {
        name: 'METHOD_NOT_FOUND',
        methods: [...METHODS],
      });
    }
    requestCounters.get(request.method)!.inc();
    return (await server.receive(item as Parameters<typeof server.receive>[0], ctx)) as JSONRPCResponse | null;
  };

  /** The answer to a call over the rate limit (none for a notification); audited like any refusal. */
  const refuse = (item: unknown, decision: RateLimitDecision, ctx: RpcContext): JSONRPCResponse | null => {
    const caller = ctx.request.caller;
    const error = CallLimiter.refusal(decision, caller);
    app.metrics.requestsFailed.labels('rpc', 'RATE_LIMITED').inc();
    const params = isObject(item) && isObject(item['params']) ? item['params'] : undefined;
    app.audit.record({
      at: new Date(),
      requestId: ctx.request.id,
      agent: caller.agent,
      authMethod: caller.method,
      service: typeof params?.['service'] === 'string' ? params['service'].slice(0, 128) : null,
      tool: typeof params?.['tool'] === 'string' ? params['tool'].slice(0, 128) : typeof params?.['operation'] === 'string' ? params['operation'].slice(0, 128) : null,
      outcome: 'rate_limited',
      errorCode: error.spec.code,
      errorName: error.spec.name,
      durationMs: 0,
      peer: caller.peer,
      endpoint: 'rpc',
    });
    const id = validId(item);
    if (id === undefined && isObject(item) && !('id' in item)) return null;
    return createJSONRPCErrorResponse(id ?? null, error.spec.code, error.message, { name: error.spec.name, ...error.data });
  };

  app.setErrorHandler((error, request, reply) => {
    // Body-level failures (parse error, too large, wrong media type): one JSON-RPC error, id null.
    // Refusals at the door (401, 403, 429) answer a single request with its own id.
    const resolved = resolveError(error, request.id, request.log);
    app.metrics.requestsFailed.labels('rpc', resolved.spec.name).inc();
    if (resolved.retryAfterSeconds !== undefined) void reply.header('retry-after', String(resolved.retryAfterSeconds));
    const id = Array.isArray(request.body) ? null : (validId(request.body) ?? null);
    void reply.code(resolved.spec.httpStatus).send(createJSONRPCErrorResponse(id, resolved.spec.code, resolved.message, rpcErrorObject(resolved).data));
  });

  app.post('/mcp/rpc', async (request, reply) => {
    const startedAt = performance.now();
    const body = requireJsonBody(request.body, request.headers['content-type']);
    if (request.headers['idempotency-key'] !== undefined) {
      // Refused rather than ignored, so no client believes it is protected when it is not.
      throw new GatewayError('INVALID_REQUEST', 'on /mcp/rpc send the idempotency key as the "idempotencyKey" param of each mcp.execute, not as an Idempotency-Key header');
    }
    const ctx: RpcContext = { request, startedAt };

    if (Array.isArray(body)) {
      if (body.length === 0) throw new GatewayError('INVALID_REQUEST', 'empty batch: send at least one request');
      const max = app.config.rpcMaxBatch;
      if (body.length > max) {
        throw new GatewayError('INVALID_REQUEST', `a batch holds at most ${max} requests (RPC_MAX_BATCH); this one has ${body.length}`);
      }
      // Every call in the batch takes one unit; those past the limit are answered RATE_LIMITED.
      const decision = await app.limiter.take(request.caller, body.length);
      const allowed = decision ? decision.allowed : body.length;
      if (decision) CallLimiter.setHeaders(reply, decision);
      const responses = (
        await Promise.all(body.map((item, i) => (i < allowed ? answer(item, ctx) : refuse(item, decision!, ctx))))
      ).filter((r) => r !== null);
      if (responses.length === 0) return reply.code(204).send();
      return reply.code(200).send(responses);
    }

    const decision = await app.limiter.take(request.caller, 1);
    if (decision) {
      CallLimiter.setHeaders(reply, decision);
      if (decision.allowed < 1) {
        const response = refuse(body, decision, ctx);
        if (!response) return reply.code(204).send();
        void reply.header('retry-after', String(Math.max(1, Math.ceil(decision.resetMs / 1000))));
        return reply.code(429).send(response);
      }
    }
    const response = await answer(body, ctx);
    if (!response) return reply.code(204).send();
    if ('error' in response && response.error) {
      const spec = errorSpecByCode(response.error.code);
      const retryAfter = (response.error.data as { retryAfter?: unknown } | undefined)?.retryAfter;
      if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
      return reply.code(spec?.httpStatus ?? 500).send(response);
    }
    return reply.send(response);
  });
};

function invalidRequest(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return 'each request must be a JSON object';
  const r = item as Record<string, unknown>;
  if (r['jsonrpc'] !== '2.0') return 'invalid request: "jsonrpc" must be "2.0"';
  if (typeof r['method'] !== 'string' || r['method'] === '') return 'invalid request: "method" must be a non-empty string';
  if ('id' in r && !(typeof r['id'] === 'string' || typeof r['id'] === 'number' || r['id'] === null)) {
    return 'invalid request: "id" must be a string, a number or null';
  }
  if ('params' in r && (r['params'] === null || typeof r['params'] !== 'object')) {
    return 'invalid request: "params" must be an object or an array';
  }
  return undefined;
}

function validId(item: unknown): string | number | null | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' || id === null ? id : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Reads `{service, tool, arguments}` or the seed's `{service, operation, ...arguments}` (hot path: no allocation but the result). */
function executeParams(params: unknown): { service: string; tool: string; arguments: Record<string, unknown> } {
  if (isObject(params)) {
    const { service, tool, operation } = params;
    if (typeof service === 'string' && service !== '') {
      if (typeof tool === 'string' && tool !== '') {
        const given = params['arguments'];
        if (given === undefined) return { service, tool, arguments: {} };
        if (isObject(given)) return { service, tool, arguments: given };
      } else if (tool === undefined && typeof operation === 'string' && operation !== '') {
        const args: Record<string, unknown> = {};
        for (const key of Object.keys(params)) if (!RESERVED_PARAMS.has(key)) args[key] = params[key];
        if (isObject(params['arguments'])) Object.assign(args, params['arguments']);
        return { service, tool: operation, arguments: args };
      }
    }
  }
  throw invalidExecuteParams(params);
}

function invalidExecuteParams(params: unknown): GatewayError {
  const usage = 'mcp.execute takes {"service", "tool", "arguments"} or {"service", "operation", ...arguments}';
  if (!isObject(params)) return new GatewayError('INVALID_PARAMS', `${usage}; params must be an object`);
  const issues: { path: string; message: string }[] = [];
  if (typeof params['service'] !== 'string' || params['service'] === '') issues.push({ path: 'service', message: 'required string' });
  const tool = params['tool'] ?? params['operation'];
  if (typeof tool !== 'string' || tool === '') issues.push({ path: 'tool', message: 'required string (or "operation")' });
  if (params['tool'] !== undefined && params['arguments'] !== undefined && !isObject(params['arguments'])) {
    issues.push({ path: 'arguments', message: 'must be an object' });
  }
  return new GatewayError('INVALID_PARAMS', `${usage}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { data: { issues } });
}
