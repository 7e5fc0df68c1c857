import { parseArgs } from 'node:util';
import { serviceNameSchema } from '@mcpgw/protocol';
import { StoreError } from '@mcpgw/store';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, clientKeyFromEnv, loadConfig, loadDotEnv, type GatewayConfig } from './config.js';
import { loggerOptions } from './logger.js';
import { runStdioBridge } from './stdio-bridge.js';

type Out = (text: string) => void;

const USAGE = 'usage: mcpgw stdio [--service NAME] [--url URL] [--key KEY]   (the key may come from MCPGW_KEY instead)\n';

/**
 * `mcpgw stdio`: an MCP server on stdin/stdout for clients that can only launch a command. With
 * `--url` it relays to that running gateway; without, it starts a gateway in this process on a
 * free loopback port (its logs, and its workers', on stderr) and relays to that one. Returns the
 * exit code: 0 when the client closes stdin, 1 when the gateway is unreachable or cannot start,
 * 2 on bad usage or configuration.
 */
export async function stdioCommand(args: string[], err: Out): Promise<number> {
  let values: { service?: string | undefined; url?: string | undefined; key?: string | undefined };
  try {
    ({ values } = parseArgs({ args, options: { service: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' } }, strict: true }));
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.service !== undefined && !serviceNameSchema.safeParse(values.service).success) {
    err(`--service "${values.service}" is not a service name (a-z, 0-9 and -, as in GET /mcp/catalog)\n${USAGE}`);
    return 2;
  }
  let base: URL | undefined;
  if (values.url !== undefined) {
    base = gatewayBaseUrl(values.url);
    if (!base) {
      err(`--url "${values.url}" is not an http(s) URL such as http://127.0.0.1:8100\n${USAGE}`);
      return 2;
    }
  }
  const key = values.key?.trim() || clientKeyFromEnv();
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const log = (line: string): void => err(`mcpgw stdio: ${line}\n`);
  try {
    if (base) return await runStdioBridge({ endpoint: mcpEndpoint(base, values.service), key, log, signal: stop.signal });
    return await bridgeInProcess(values.service, key, log, err, stop.signal);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * The gateway's base URL from `--url`: its origin and any path prefix, without a trailing `/mcp`
 * (people paste the endpoint URL they give HTTP clients). Undefined when not http(s).
 */
export function gatewayBaseUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/mcp$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** `<base>/mcp` (every service the caller may use, tools `<service>__<tool>`) or `<base>/mcp/<service>`. */
export function mcpEndpoint(base: URL, service: string | undefined): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/mcp${service ? `/${service}` : ''}`;
  return url;
}

/** Starts a gateway in this process on a free loopback port, relays to it, and stops it afterwards. */
async function bridgeInProcess(service: string | undefined, key: string | undefined, log: (line: string) => void, err: Out, signal: AbortSignal): Promise<number> {
  let config: GatewayConfig;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`mcpgw stdio: ${error.message}\nSee the configuration table in README.md.\n`);
      return 2;
    }
    throw error;
  }
  const logger = stderrLogger(config);
  let app: FastifyInstance;
  try {
    app = await buildApp(config, { logger });
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`mcpgw stdio: ${error.message}\nSee the configuration table in README.md.\n`);
      return 2;
    }
    if (error instanceof StoreError) {
      log(`the gateway store cannot be opened: ${error.message} (another gateway owning MCPGW_DATA_DIR? then pass --url to use it)`);
      return 1;
    }
    throw error;
  }
  try {
    // Loopback only, any free port: the bridge is its one caller (localhost bypass), and the metrics
    // server is not started at all, so nothing clashes with a gateway already running here.
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    log(`the in-process gateway could not listen on 127.0.0.1: ${(error as Error).message}`);
    await app.close().catch(() => undefined);
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  logger.info({ port, services: app.registry.names() }, `mcpgw stdio: gateway running in this process on http://127.0.0.1:${port}`);
  const code = await runStdioBridge({ endpoint: mcpEndpoint(new URL(`http://127.0.0.1:${port}`), service), key, log, signal });
  const stopped = await closeWithin(app, config.shutdownTimeoutMs);
  if (stopped) logger.info('mcpgw stdio: the gateway in this process stopped');
  else log('the in-process gateway did not stop within SHUTDOWN_TIMEOUT_MS');
  logger.flush();
  return stopped ? code : Math.max(code, 1);
}

/**
 * The gateway's logger writing to stderr (fd 2), never stdout: stdout is the MCP channel here.
 * Workers already log to stderr, which they share with this process.
 */
function stderrLogger(config: GatewayConfig): Logger {
  if (config.logFormat === 'pretty') {
    return pino(loggerOptions(config), pino.transport({ target: 'pino-pretty', options: { colorize: false, destination: 2 } }));
  }
  return pino(loggerOptions(config), pino.destination({ dest: 2, sync: true }));
}

/** Closes the app (in-flight calls, workers, store); false when that fails or takes longer than `ms`. */
async function closeWithin(app: FastifyInstance, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([app.close().then(() => true, () => false), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
