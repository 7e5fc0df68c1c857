import type { FastifyInstance } from 'fastify';
import type { CallDispatcher } from './calls/call-dispatcher.js';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { ServiceRegistry } from './registry/service-registry.js';
import type { WorkerPool } from './workers/worker-pool.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: GatewayConfig;
    metrics: GatewayMetrics;
    /** A second server with only GET /metrics, listened on METRICS_PORT by server.ts. */
    metricsServer: FastifyInstance;
    pool: WorkerPool;
    registry: ServiceRegistry;
    dispatcher: CallDispatcher;
    /** Set when shutdown begins: readiness answers 503 and no new calls are taken. */
    shuttingDown: boolean;
  }
}
