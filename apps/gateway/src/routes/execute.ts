import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireJsonBody } from '../plugins/json-body.js';
import { cancelOnDisconnect, forgetCall } from '../http/client-disconnect.js';
import { errorEnvelope, resolveError } from '../http/error-response.js';
import { validIdempotencyKey } from '../idempotency/idempotency-store.js';
import { CallControl } from '../workers/call-control.js';
import { isJobsCommand, runJobsCommand } from '../jobs/jobs-slash.js';

/**
 * `POST /mcp/execute` with `{"command": "/mcp-postgres demo list tables", "args": {...}}`: the
 * slash command is parsed against the service's declared grammar and called like mcp.execute.
 */
export const executeRoutes: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error, request, reply) => {
    const resolved = resolveError(error, request.id, request.log);
    app.metrics.requestsFailed.labels('execute', resolved.spec.name).inc();
    if (resolved.retryAfterSeconds !== undefined) void reply.header('retry-after', String(resolved.retryAfterSeconds));
    void reply.code(resolved.spec.httpStatus).send(errorEnvelope(resolved, request.id));
  });

  app.post('/mcp/execute', async (request) => {
    const startedAt = performance.now();
    app.metrics.requests.labels('execute', 'slash').inc();
    const body = requireJsonBody(request.body, request.headers['content-type']) as { command?: unknown; args?: unknown };
    if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof body.command !== 'string') {
      throw new GatewayError('INVALID_PARAMS', 'send {"command": "/mcp-<service> ...", "args": {optional extra arguments}}', {
        data: { issues: [{ path: 'command', message: 'required string' }] },
      });
    }
    const args = body.args;
    if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
      throw new GatewayError('INVALID_PARAMS', '"args" must be an object of extra tool arguments', {
        data: { issues: [{ path: 'args', message: 'must be an object' }] },
      });
    }
    // `/mcp-jobs ...`: the built-in jobs pseudo-service (docs/jobs.md), answered without a worker.
    if (isJobsCommand(body.command)) return runJobsCommand(app.jobs, request.caller, body.command, request.id, startedAt);
    const header = request.headers['idempotency-key'];
    const key = header === undefined ? undefined : validIdempotencyKey(header, 'Idempotency-Key header');
    const control = new CallControl();
    cancelOnDisconnect(request, control);
    try {
      const base = { requestId: request.id, control, startedAt, endpoint: 'execute', caller: request.caller } as const;
      if (key === undefined) return await app.dispatcher.execute(body.command, args as Record<string, unknown> | undefined, base);
      // The key guards the matched call: the same tool and arguments however the command was written.
      return await app.dispatcher.execute(body.command, args as Record<string, unknown> | undefined, base, (call) =>
        app.idempotentCalls.run(
          { ...base, key, request: { service: call.service, tool: call.tool, arguments: call.arguments }, service: call.service, tool: call.tool },
          () => app.dispatcher.call(call),
        ),
      );
    } finally {
      forgetCall(request, control);
    }
  });
};
