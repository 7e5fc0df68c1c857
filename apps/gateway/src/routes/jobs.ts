import type { FastifyPluginAsync } from 'fastify';
import { errorEnvelope, resolveError } from '../http/error-response.js';

/** `GET /jobs/:id`: an async job's status, progress, attempts, result or error (owner or admin only). */
export const jobRoutes: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error, request, reply) => {
    const resolved = resolveError(error, request.id, request.log);
    app.metrics.requestsFailed.labels('jobs', resolved.spec.name).inc();
    if (resolved.retryAfterSeconds !== undefined) void reply.header('retry-after', String(resolved.retryAfterSeconds));
    void reply.code(resolved.spec.httpStatus).send(errorEnvelope(resolved, request.id));
  });

  app.get<{ Params: { id: string } }>('/jobs/:id', async (request) => app.jobs.get(request.caller, request.params.id));
};
