import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { defineWorker, type PreparedWorker, type WorkerBlueprint, type WorkerOptions } from './create-worker.js';
import { isLoopbackHost, serveHttp } from './http-transport.js';
import { createWorkerLogger } from './logger.js';
import { serveStdio, type RunningTransport } from './stdio-transport.js';
import { commonWorkerEnvSchema, type EnvSource } from './worker-env.js';

export interface StartOptions {
  /** Command-line arguments (default: process.argv.slice(2)). */
  argv?: string[];
  /** Environment (default: process.env). The only place a worker reads its environment. */
  env?: EnvSource;
}

/** A started worker: its transport, logger and a way to stop it. */
export interface RunningWorker {
  readonly worker: PreparedWorker;
  readonly log: Logger;
  /** The HTTP port when started with --http. */
  readonly port: number | undefined;
  stop(): Promise<void>;
}

/** A worker definition that can be started as a process. */
export interface Worker<D> extends WorkerBlueprint<D> {
  start(options?: StartOptions): Promise<RunningWorker>;
}

const USAGE = `usage: <worker> [--http PORT] [--host HOST]

  (no flags)     serve MCP over stdin/stdout (how the gateway runs workers)
  --http PORT    serve MCP Streamable HTTP at http://HOST:PORT/mcp (0 picks a free port);
                 GET /health answers probes without a token
  --host HOST    address to bind with --http (default 127.0.0.1); any other address than
                 127.0.0.1, localhost or ::1 needs WORKER_AUTH_TOKEN

  WORKER_AUTH_TOKEN  with --http: /mcp requires "Authorization: Bearer <token>" (at least
                     32 characters; the gateway sends its WORKER_AUTH_TOKEN to WORKER_URLS)
`;

/**
 * Builds a worker: a real MCP server (tools/list, tools/call) plus the gateway's `mcpgw/manifest`
 * and `mcpgw/health` methods. `start()` serves it over stdio (default) or Streamable HTTP.
 */
export function createWorker<D>(options: WorkerOptions<D>): Worker<D> {
  const blueprint = defineWorker(options);
  return { ...blueprint, start: (startOptions) => startWorker(blueprint, startOptions) };
}

async function startWorker<D>(blueprint: WorkerBlueprint<D>, options: StartOptions = {}): Promise<RunningWorker> {
  const env = options.env ?? process.env;
  const { values } = parseArgs({
    args: options.argv ?? process.argv.slice(2),
    options: { http: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(USAGE);
    process.exit(0);
  }
  if (values.http !== undefined) checkHttpAuth(values.host ?? '127.0.0.1', env);
  const common = commonWorkerEnvSchema.safeParse(env);
  // The OpenTelemetry SDK is loaded only when tracing is on: a worker without it starts as fast as before.
  const tracing = common.success && common.data.OTEL_EXPORTER_OTLP_ENDPOINT
    ? await (await import('./tool-call-span.js')).startWorkerTracing(blueprint.options.name, blueprint.options.version, common.data)
    : undefined;
  const log = createWorkerLogger(
    blueprint.options.name,
    common.success ? common.data.LOG_LEVEL : 'info',
    common.success && common.data.LOG_FORMAT === 'pretty',
    undefined,
    tracing?.logFields,
  );
  if (!common.success) log.warn(`${common.error.issues.map((i) => String(i.path[0])).join(', ')} invalid; using info/json logs and no tracing`);

  const worker = blueprint.prepare(env, log, tracing?.traceToolCall);
  let transport: RunningTransport;
  let port: number | undefined;
  if (values.http !== undefined) {
    const requested = Number(values.http);
    if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) {
      process.stderr.write(`--http needs a port number (0-65535), got "${values.http}"\n${USAGE}`);
      process.exit(2);
    }
    const authToken = commonWorkerEnvSchema.shape.WORKER_AUTH_TOKEN.parse(env['WORKER_AUTH_TOKEN']);
    const http = await serveHttp(worker, log, { port: requested, host: values.host ?? '127.0.0.1', ...(authToken ? { authToken } : {}) });
    port = http.port;
    transport = http;
  } else {
    transport = await serveStdio(worker, log);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await transport.close().catch((error: unknown) => log.warn({ err: error }, 'closing the transport failed'));
      await worker.close().catch((error: unknown) => log.warn({ err: error }, 'closing upstream connections failed'));
      await tracing?.handle.shutdown().catch((error: unknown) => log.warn({ err: error }, 'flushing traces failed'));
      log.info('worker stopped');
      log.flush();
    })());

  const exitAfterStop = (code: number) => () => {
    void stop().finally(() => process.exit(code));
  };
  process.once('SIGTERM', exitAfterStop(0));
  process.once('SIGINT', exitAfterStop(0));
  void transport.closed.then(exitAfterStop(0));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => {
    // State may be corrupt: log, and let the supervisor restart us.
    log.fatal({ err: error }, 'uncaught exception; exiting');
    log.flush();
    process.exit(1);
  });

  return { worker, log, port, stop };
}

/**
 * Refuses (exit 2) to serve HTTP with an unusable WORKER_AUTH_TOKEN, or off loopback without one:
 * anyone who can reach the port could otherwise call every tool with the worker's credentials.
 */
function checkHttpAuth(host: string, env: EnvSource): void {
  const token = commonWorkerEnvSchema.shape.WORKER_AUTH_TOKEN.safeParse(env['WORKER_AUTH_TOKEN']);
  if (!token.success) {
    process.stderr.write('WORKER_AUTH_TOKEN must be at least 32 characters (use the same random value as the gateway\'s WORKER_AUTH_TOKEN)\n');
    process.exit(2);
  }
  if (token.data === undefined && !isLoopbackHost(host)) {
    process.stderr.write(
      `refusing to serve MCP on ${host} without a token: set WORKER_AUTH_TOKEN (at least 32 random characters, the same as the gateway's) or bind to 127.0.0.1\n`,
    );
    process.exit(2);
  }
}
