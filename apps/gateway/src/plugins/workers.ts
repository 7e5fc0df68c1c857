import { BUILTIN_WORKERS } from '../workers/builtin-workers.js';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { CallDispatcher } from '../calls/call-dispatcher.js';
import { ToolPins } from '../pins/tool-pins.js';
import { ServiceRegistry } from '../registry/service-registry.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { startSandboxProcess, type SandboxProcess } from '../workers/sandbox-launcher.js';
import type { LocalWorkerSpec } from '../workers/worker-spec.js';

/**
 * Starts the worker pool (every worker's first start attempt), builds the registry from their
 * manifests, and stops them when the app closes.
 */
export const workersPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const log = app.log.child({ component: 'workers' });
    const pool = new WorkerPool(app.config, app.metrics, log, app.tracing?.tracer);
    const toolPins = new ToolPins({
      repository: app.store.toolPins,
      enforce: app.config.pinToolDefinitions,
      metrics: app.metrics,
      log: app.log.child({ component: 'tool-pins' }),
    });
    const registry = new ServiceRegistry(pool, log, toolPins);
    app.decorate('pool', pool);
    app.decorate('registry', registry);
    app.decorate('toolPins', toolPins);
    app.decorate('dispatcher', new CallDispatcher(registry, app.metrics, log, app.audit, toolPins));
    const sandboxed = app.config.workers.filter((spec): spec is LocalWorkerSpec => spec.kind !== 'remote' && spec.sandboxEnv !== undefined);
    let sandbox: SandboxProcess | undefined;
    if (sandboxed.length > 0) {
      sandbox = await startSandboxProcess(log);
      for (const spec of sandboxed) Object.assign(spec.env, spec.sandboxEnv!(sandbox.endpoints));
      log.warn(
        { sandboxed: sandboxed.map((s) => s.name) },
        `SANDBOX MODE: ${sandboxed.map((s) => s.name).join(', ')} answer from built-in fakes with sample data (answers are marked sandbox: true). ` +
          `Set their credentials (${sandboxed.map((s) => `${s.name}: ${BUILTIN_WORKERS.find((b) => b.name === s.name)?.sandbox?.credentials.join(', ') ?? '?'}`).join('; ')}) to use the real systems, or SANDBOX=off.`,
      );
    }
    app.addHook('onClose', async () => {
      toolPins.close();
      await pool.stop();
      await sandbox?.stop();
    });
    await pool.start();
  },
  { name: 'workers', dependencies: ['metrics', 'store'] },
);
