import type { Logger } from 'pino';
import type { PreparedWorker } from './create-worker.js';
import { StdioLineTransport } from './stdio-line-transport.js';

/** A running transport that can be stopped. */
export interface RunningTransport {
  /** Resolves when the peer has gone (stdin closed) or the transport was closed. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the worker over stdin/stdout, one MCP connection for the life of the process. When the
 * client closes stdin (the gateway stopped or restarted us), the transport reports closed.
 */
export async function serveStdio(worker: PreparedWorker, log: Logger): Promise<RunningTransport> {
  const server = worker.createServer();
  const transport = new StdioLineTransport();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  transport.onclose = () => {
    log.info('stdin closed by the client');
    resolveClosed();
  };
  await server.connect(transport);
  log.info({ transport: 'stdio' }, 'worker listening on stdio');
  return {
    closed,
    close: async () => {
      await server.close();
      resolveClosed();
    },
  };
}
