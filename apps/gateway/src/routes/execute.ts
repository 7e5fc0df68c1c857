import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireJsonBody } from '../plugins/json-body.js';
import { cancelOnDisconnect, forgetCall } from '../http/client-disconnect.js';
import { errorEnvelope, resolveError } from '../http/error-response.js';
import { CallControl } from '../workers/call-control.js';

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
    const control = new CallControl();
    cancelOnDisconnect(request, control);
    try {
      return await app.dispatcher.execute(body.command, args as Record<string, unknown> | undefined, {
        requestId: request.id,
        control,
        startedAt,
        endpoint: 'execute',
        caller: request.caller,
      });
    } finally {
      forgetCall(request, control);
    }
  });
};
