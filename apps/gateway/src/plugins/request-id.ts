import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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

export const requestIdPlugin: FastifyPluginAsync = fp(async (app) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}, { name: 'request-id' });
