import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { CallDispatcher } from '../calls/call-dispatcher.js';
import { ServiceRegistry } from '../registry/service-registry.js';
import { WorkerPool } from '../workers/worker-pool.js';

/**
 * Starts the worker pool (every worker's first start attempt), builds the registry from their
 * manifests, and stops them when the app closes.
 */
export const workersPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const log = app.log.child({ component: 'workers' });
    const pool = new WorkerPool(app.config, app.metrics, log);
    const registry = new ServiceRegistry(pool, log);
    app.decorate('pool', pool);
    app.decorate('registry', registry);
    app.decorate('dispatcher', new CallDispatcher(registry, app.metrics, log, app.audit));
    app.addHook('onClose', async () => {
      await pool.stop();
    });
    await pool.start();
  },
  { name: 'workers', dependencies: ['metrics', 'store'] },
);
