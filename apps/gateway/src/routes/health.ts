import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { serviceStatus } from '../registry/service-view.js';

/**
 * Health endpoints: `/health/live` (the process answers), `/health/ready` and `/ready` (503 until
 * every required worker is up, and during shutdown), `/health` (summary) and `/health/detailed`
 * (per worker: state, breaker, restarts, in-flight, latency; never configuration or secrets).
 */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  const startedAt = Date.now();

  app.get('/health/live', async () => ({ status: 'ok' }));

  const ready = async (_request: unknown, reply: FastifyReply) => {
    if (app.shuttingDown) return reply.code(503).send({ status: 'not_ready', reason: 'shutting down' });
    const waiting = app.pool.notReady();
    if (waiting.length > 0) {
      return reply.code(503).send({ status: 'not_ready', reason: `waiting for workers: ${waiting.join(', ')}`, waitingFor: waiting });
    }
    return { status: 'ready', dependencies: await dependencies() };
  };

  /**
   * The store and Redis as seen now. Neither makes the gateway unready: calls go on with cached keys,
   * spooled audit rows and in-process rate limits, and a replica pulled out of service would not help.
   */
  const dependencies = async (): Promise<{ store: 'up' | 'down'; rateLimits: 'redis' | 'memory' }> => {
    const store = await Promise.race([app.store.ping().then(() => 'up' as const, () => 'down' as const), delay(1_000).then(() => 'down' as const)]);
    app.metrics.storeUp.set(store === 'up' ? 1 : 0);
    return { store, rateLimits: app.metrics.rateLimitsInRedis() ? 'redis' : 'memory' };
  };
  app.get('/health/ready', ready);
  app.get('/ready', ready);

  app.get('/health', async (_request, reply) => {
    const services: Record<string, string> = {};
    let up = 0;
    for (const entry of app.registry.list()) {
      services[entry.name] = serviceStatus(entry);
      if (entry.handle.ready) up++;
    }
    const total = app.registry.list().length;
    const waiting = app.pool.notReady();
    const status = app.shuttingDown || (total > 0 && up === 0) ? 'down' : waiting.length > 0 || up < total ? 'degraded' : 'ok';
    return reply.code(status === 'down' ? 503 : 200).send({
      status,
      version: app.config.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      workers: { total, up },
      services,
      dependencies: await dependencies(),
    });
  });

  app.get('/health/detailed', async () => {
    // Fresh reports when the workers answer quickly; the last known ones otherwise.
    await Promise.race([app.pool.checkHealth(), delay(1_000)]);
    return {
      status: app.shuttingDown ? 'shutting_down' : 'running',
      version: app.config.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      workers: [...app.pool.handles.values()].map((h) => h.status()),
    };
  });
};
