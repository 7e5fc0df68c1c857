import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { errorEnvelope, resolveError } from '../http/error-response.js';

/**
 * REST error answers: every error becomes `{status:"error", error:{code,name,message,data}}` with
 * the table's HTTP status and, when retrying makes sense, `Retry-After`. Unknown routes get 404.
 * `/mcp/rpc` overrides this with JSON-RPC error objects.
 */
export const errorHandlerPlugin: FastifyPluginAsync = fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => {
      const resolved = resolveError(error, request.id, request.log);
      if (resolved.retryAfterSeconds !== undefined) void reply.header('retry-after', String(resolved.retryAfterSeconds));
      void reply.code(resolved.spec.httpStatus).send(errorEnvelope(resolved, request.id));
    });
    app.setNotFoundHandler((request, reply) => {
      const error = new GatewayError(
        'ROUTE_NOT_FOUND',
        `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}; endpoints: POST /mcp/rpc, POST /mcp/execute, GET /mcp/catalog, GET /mcp/service/:name, GET /health`,
      );
      const resolved = resolveError(error, request.id, request.log);
      void reply.code(404).send(errorEnvelope(resolved, request.id));
    });
  },
  { name: 'error-handler' },
);
