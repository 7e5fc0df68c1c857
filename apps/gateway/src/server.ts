import { StoreError } from '@mcpgw/store';
import { buildApp } from './app.js';
import { isMainModule } from './is-main-module.js';
import { ConfigError, loadConfig, loadDotEnv, type GatewayConfig } from './config.js';
import { createLogger } from './logger.js';

/**
 * Starts the gateway: configuration → buildApp → listen on PORT and METRICS_PORT. SIGTERM/SIGINT
 * stop it gracefully: stop accepting, let in-flight calls finish within SHUTDOWN_TIMEOUT_MS, stop
 * the workers, exit. A second signal forces the exit.
 */
export async function runServer(): Promise<void> {
  let config: GatewayConfig;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mcp-gateway: ${error.message}\nSee the configuration table in README.md.\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const started = performance.now();
  const app = await buildApp(config, { logger }).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`mcp-gateway: ${error.message}\nSee the configuration table in README.md.\n`);
      process.exit(2);
    }
    if (error instanceof StoreError) {
      logger.fatal(`the gateway store cannot be opened: ${error.message}`);
      process.exit(2);
    }
    throw error;
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: forcing exit');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: no new calls, finishing in-flight ones');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline (SHUTDOWN_TIMEOUT_MS) passed: forcing exit');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    // Keep-alive connections that finish their last call while we drain would otherwise hold the
    // server open until the client's idle timeout: close each one as soon as it is idle.
    const idleCloser = setInterval(() => app.server.closeIdleConnections(), 50);
    idleCloser.unref();
    app
      .close()
      .then(() => {
        logger.info('gateway stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await app.listen({ host: config.host, port: config.port });
    await app.metricsServer.listen({ host: config.metricsHost, port: config.metricsPort });
  } catch (error) {
    logger.fatal({ err: error }, 'could not listen (is the port in use? set PORT / METRICS_PORT)');
    await app.close();
    process.exit(1);
  }

  const notReady = app.pool.notReady();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const metricsAddress = app.metricsServer.server.address();
  const metricsPort = typeof metricsAddress === 'object' && metricsAddress ? metricsAddress.port : config.metricsPort;
  logger.info(
    {
      port,
      metricsPort,
      services: app.registry.names(),
      notReady,
      startupMs: Math.round(performance.now() - started),
    },
    `mcp-gateway listening on http://${config.host}:${port} (metrics on :${metricsPort}/metrics)`,
  );
  if (app.registry.get('postgres')?.manifest?.mode === 'embedded') {
    logger.info(
      `try: curl -s http://127.0.0.1:${port}/mcp/execute -H 'content-type: application/json' -d '{"command":"/mcp-postgres demo list tables"}'`,
    );
  }
}

if (isMainModule(import.meta.url)) {
  await runServer();
}
