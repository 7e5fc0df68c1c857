import Fastify, { type FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';

/**
 * prom-client metrics: an HTTP duration histogram on every response, and a separate server
 * (`app.metricsServer`, GET /metrics) that server.ts listens on METRICS_PORT, so scraping never
 * competes with, or is exposed on, the API port.
 */
export const metricsPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const metrics = new GatewayMetrics(app.config.tokenPricesUsd);
    app.decorate('metrics', metrics);

    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeHttp(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });

    const metricsServer = Fastify({ logger: false });
    metricsServer.get('/metrics', async (_request, reply) => {
      // Sample values that are only meaningful at scrape time.
      for (const handle of app.pool.handles.values()) metrics.workerInFlight.labels(handle.name).set(handle.gate.inFlight);
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
    metricsServer.setNotFoundHandler((_request, reply) => {
      void reply.code(404).send({ error: 'metrics are served at GET /metrics' });
    });
    app.decorate('metricsServer', metricsServer);
    app.addHook('onClose', async () => {
      await metricsServer.close();
    });
  },
  { name: 'metrics' },
);
