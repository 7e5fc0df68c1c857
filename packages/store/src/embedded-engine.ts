import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ENGINE_THREAD_SOURCE } from './embedded-engine-thread.js';
import { socketPathFits, socketPathFor } from './embedded-socket.js';
import type { StoreLogger } from './store-types.js';

/** How long the engine may take to start: a first start runs initdb on disk, which is slow on small machines. */
const START_TIMEOUT_MS = 120_000;

/** How long a clean stop (checkpoint and close) may take before the thread is terminated anyway. */
const STOP_TIMEOUT_MS = 15_000;

interface ReadyMessage {
  type: 'ready';
  socket: string;
  fromCache: boolean;
  cacheWritten: boolean;
}

/**
 * The embedded PostgreSQL (PGlite) of one data dir, running in a worker thread and listening on a
 * unix socket in the data dir (or loopback TCP when that path is too long for the OS).
 */
export class EmbeddedEngine {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly thread: Worker,
    /** Where it listens: a socket path, or `127.0.0.1:<port>`. */
    readonly socket: string,
  ) {}

  /**
   * Starts the engine on `<dataDir>/pgdata`. The caller owns the data dir's lock and has removed
   * any socket file a crashed owner left behind.
   */
  static async start(dataDir: string, cacheDir: string | undefined, log: StoreLogger): Promise<EmbeddedEngine> {
    const socketPath = socketPathFor(dataDir);
    let listen: { path: string } | { host: string; port: number } = { path: socketPath };
    if (!socketPathFits(socketPath)) {
      listen = { host: '127.0.0.1', port: 0 };
      log.warn(
        { dataDir },
        'the embedded store socket path would be too long for a unix socket; listening on 127.0.0.1 instead, where any local user can connect: use a shorter MCPGW_DATA_DIR',
      );
    }
    const pglite = import.meta.resolve('@electric-sql/pglite');
    const workerData = {
      pgdata: `${dataDir}/pgdata`,
      cacheFile: cacheDir ? `${cacheDir}/pglite-${pgliteVersion(pglite)}-empty-cluster.tar.gz` : undefined,
      listen,
      modules: { pglite, socket: import.meta.resolve('@electric-sql/pglite-socket') },
    };
    const started = performance.now();
    const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(ENGINE_THREAD_SOURCE)}`), {
      workerData,
      name: 'mcpgw-store',
    });
    const ready = await waitReady(thread);
    log.info(
      { dataDir, socket: ready.socket, fromCache: ready.fromCache, cacheWritten: ready.cacheWritten, startMs: Math.round(performance.now() - started) },
      'embedded store engine ready',
    );
    const engine = new EmbeddedEngine(thread, ready.socket);
    thread.once('exit', (code) => {
      if (!engine.stopping) log.error({ dataDir, code }, 'the embedded store engine stopped unexpectedly; the store is unavailable until restart');
    });
    thread.on('error', (error) => log.error({ dataDir, error: error.message }, 'the embedded store engine failed'));
    return engine;
  }

  /** Closes the database cleanly, then ends the thread. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const stopped = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        this.thread.on('message', (m: { type?: string }) => {
          if (m.type === 'stopped') done();
        });
        this.thread.once('exit', done);
      });
      this.thread.postMessage({ type: 'stop' });
      await stopped;
      await this.thread.terminate();
    })();
    return this.stopping;
  }
}

function waitReady(thread: Worker): Promise<ReadyMessage> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      thread.off('message', onMessage);
      void thread.terminate();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`the engine did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const onMessage = (m: Partial<ReadyMessage>): void => {
      if (settled || m.type !== 'ready' || typeof m.socket !== 'string') return;
      settled = true;
      clearTimeout(timer);
      thread.off('message', onMessage);
      thread.off('error', fail);
      thread.off('exit', onExit);
      resolve(m as ReadyMessage);
    };
    const onExit = (code: number): void => fail(new Error(`the engine thread exited with code ${code} while starting`));
    thread.on('message', onMessage);
    thread.once('error', fail);
    thread.once('exit', onExit);
  });
}

/** PGlite's version, part of the cache file name: a dump only loads into the version that made it. */
function pgliteVersion(entryUrl: string): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', entryUrl), 'utf8')) as { version?: unknown };
    if (typeof manifest.version === 'string' && /^[\w.+-]+$/.test(manifest.version)) return manifest.version;
  } catch {
    // fall through
  }
  return 'unknown';
}
