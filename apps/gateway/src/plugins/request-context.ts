import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A request id for every request: the caller's `X-Request-Id` when it is a sane token (so a
 * caller can correlate), otherwise a new UUID. Echoed as `X-Request-Id` and passed to the worker.
 */
export function genReqId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && VALID_ID.test(header) ? header : randomUUID();
}

/**
 * The first thing every request meets (one hook, as it runs on the hot path): its id goes on the
 * response, and once shutdown has begun, new requests on kept-alive connections are refused with
 * SHUTTING_DOWN (in the endpoint's own error shape) and the connection is closed.
 */
/** Probes keep answering during shutdown (readiness says 503 itself). */
function isHealthRoute(route: string | undefined): boolean {
  return route === '/ready' || (route !== undefined && route.startsWith('/health'));
}

export const requestContextPlugin: FastifyPluginAsync = fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      if (app.shuttingDown && !isHealthRoute(request.routeOptions.url)) {
        reply.header('connection', 'close');
        done(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down and takes no new calls; retry against another replica', { retryAfterSeconds: 1 }));
        return;
      }
      done();
    });
  },
  { name: 'request-context' },
);
