import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@mcpgw/worker-kit';
import { DEMO_SEED_SQL } from './demo-seed.js';

/** How long the demo engine may take to start (PGlite loads and seeds in about 4 s). */
const START_TIMEOUT_MS = 60_000;

/**
 * The embedded demo database: PGlite in a worker thread behind a loopback socket. `restart()`
 * throws away a thread stuck in a runaway statement and starts a fresh copy of the demo data.
 */
export class DemoEngine {
  /** Called with the new port after every restart (the pool must reconnect there). */
  onRestart: ((port: number) => void) | undefined;
  private restarting: Promise<void> | undefined;
  private stopping = false;

  private constructor(
    private thread: Worker,
    private portValue: number,
    private readonly cacheFile: string | undefined,
    private readonly log: Logger,
  ) {
    this.watch(thread);
  }

  /** Starts the engine; `cacheDir` (optional) keeps a dump of the seeded database for faster starts. */
  static async start(log: Logger, cacheDir: string | undefined): Promise<DemoEngine> {
    // The dump is only valid for this exact seed.
    const cacheFile = cacheDir ? `${cacheDir}/demo-${createHash('sha256').update(DEMO_SEED_SQL).digest('hex').slice(0, 16)}.tgz` : undefined;
    const started = performance.now();
    const { thread, port } = await spawnThread(cacheFile);
    log.info({ port, startMs: Math.round(performance.now() - started) }, 'embedded demo database ready');
    return new DemoEngine(thread, port, cacheFile, log);
  }

  get port(): number {
    return this.portValue;
  }

  /** Replaces the engine with a fresh one (the old thread is terminated, its connections drop). */
  restart(reason: string): Promise<void> {
    this.restarting ??= (async () => {
      this.log.warn({ reason }, 'restarting the embedded demo database');
      const old = this.thread;
      await old.terminate();
      const { thread, port } = await spawnThread(this.cacheFile);
      this.thread = thread;
      this.portValue = port;
      this.watch(thread);
      this.log.info({ port }, 'embedded demo database restarted');
      this.onRestart?.(port);
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  private watch(thread: Worker): void {
    thread.once('exit', (code) => {
      if (this.stopping || this.restarting || thread !== this.thread) return;
      void this.restart(`the engine thread exited with code ${code}`).catch((error: unknown) =>
        this.log.error({ err: error }, 'could not restart the embedded demo database'),
      );
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      this.thread.once('message', (m: { type?: string }) => {
        if (m.type === 'stopped') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    this.thread.postMessage({ type: 'stop' });
    await stopped;
    await this.thread.terminate();
  }
}

function spawnThread(cacheFile: string | undefined): Promise<{ thread: Worker; port: number }> {
  const thread = new Worker(new URL('./demo-engine-thread.js', import.meta.url), { workerData: { cacheFile } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void thread.terminate();
      reject(new Error('the embedded demo database did not start in time'));
    }, START_TIMEOUT_MS);
    thread.once('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && typeof m.port === 'number') {
        clearTimeout(timer);
        resolve({ thread, port: m.port });
      }
    });
    thread.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
