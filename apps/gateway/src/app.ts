import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { startTracing, type SpanExporter } from '@mcpgw/tracing';
import type { GatewayConfig } from './config.js';
import { SANDBOX_START_TIMEOUT_MS } from './workers/sandbox-launcher.js';
import './fastify-types.js';
import { lazyChildLoggerFactory } from './lazy-child-logger.js';
import { createLogger } from './logger.js';
import { authPlugin } from './plugins/auth.js';
import { checksPlugin } from './checks/checks-plugin.js';
import { alertsRoutes } from './routes/alerts.js';
import { storePlugin } from './plugins/store.js';
import { adminRoutes } from './routes/admin.js';
import { errorHandlerPlugin } from './plugins/error-handler.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { metricsPlugin } from './plugins/metrics.js';
import { genReqId, requestContextPlugin } from './plugins/request-context.js';
import { workersPlugin } from './plugins/workers.js';
import { tracingPlugin } from './plugins/tracing.js';
import { catalogRoutes } from './routes/catalog.js';
import { executeRoutes } from './routes/execute.js';
import { healthRoutes } from './routes/health.js';
import { idempotencyPlugin } from './idempotency/idempotency-plugin.js';
import { mcpRoutes } from './routes/mcp.js';
import { rpcRoutes } from './routes/rpc.js';
import { jobsPlugin } from './jobs/jobs-plugin.js';
import { jobRoutes } from './routes/jobs.js';

export interface BuildOptions {
  /** A logger to use instead of one built from the config (tests capture output this way). */
  logger?: Logger;
  /**
   * Where spans go instead of OTLP (tests pass an InMemorySpanExporter): turns tracing on even
   * without OTEL_EXPORTER_OTLP_ENDPOINT.
   */
  tracingExporter?: SpanExporter;
}

/**
 * Builds the gateway: plugins, routes, and the worker pool (workers are started, their manifests
 * registered). Never listens: server.ts does, and tests use `app.inject()`.
 */
export async function buildApp(config: GatewayConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (options.logger ?? createLogger(config)) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    genReqId,
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // A line per request costs more than the call itself at high rates: only at debug/trace.
      // Failures are logged where they happen, at every level.
      disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    }),
    // Requests arriving during shutdown get SHUTTING_DOWN from the request-context plugin instead.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    childLoggerFactory: lazyChildLoggerFactory,
    // request.ip is the socket peer unless TRUST_PROXY names the proxies whose forwarded headers count.
    trustProxy: config.auth.trustProxy.length > 0 ? config.auth.trustProxy : false,
    // Start-up waits for the sandbox and for every worker's handshake, each with its own deadline;
    // Fastify's default 10 s per plugin would cut a slow but healthy start (nine workers on two cores).
    pluginTimeout: SANDBOX_START_TIMEOUT_MS + config.worker.startTimeoutMs + 10_000,
  });
  app.decorate('config', config);
  const tracing = await startTracing({
    serviceName: config.tracing.serviceName,
    serviceVersion: config.version,
    endpoint: config.tracing.endpoint,
    exporter: options.tracingExporter,
    sampleRatio: config.tracing.sampleRatio,
  });
  app.decorate('tracing', tracing);
  // Registered first, so it runs after every plugin's own onClose: the last spans are flushed.
  if (tracing) app.addHook('onClose', () => tracing.shutdown());
  app.decorate('shuttingDown', false);
  app.addHook('preClose', async () => {
    app.shuttingDown = true;
  });

  try {
    await registerAll(app, config);
  } catch (error) {
    // What did start (the store and its lock, workers) is stopped before the error goes up.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

async function registerAll(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  if (app.tracing) await app.register(tracingPlugin);
  await app.register(requestContextPlugin);
  await app.register(jsonBodyPlugin, { maxDepth: config.jsonMaxDepth });
  await app.register(errorHandlerPlugin);
  await app.register(metricsPlugin);
  await app.register(storePlugin);
  await app.register(authPlugin);
  await app.register(workersPlugin);
  await app.register(idempotencyPlugin);
  await app.register(jobsPlugin);
  await app.register(healthRoutes);
  await app.register(catalogRoutes);
  await app.register(executeRoutes);
  await app.register(rpcRoutes);
  await app.register(mcpRoutes);
  await app.register(adminRoutes);
  await app.register(checksPlugin);
  await app.register(alertsRoutes);
  await app.register(jobRoutes);
}
