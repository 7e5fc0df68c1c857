import { EventEmitter } from 'node:events';
import { restartDelay, type BackoffPolicy } from './backoff.js';
import { RemoteConnection } from './remote-connection.js';
import { StdioConnection } from './stdio-connection.js';
import type { ExitInfo, WorkerConnection } from './worker-connection.js';
import type { WorkerSpec } from './worker-spec.js';
import type { GatewayLogger } from '../logger.js';

export type WorkerState = 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped';

export interface SupervisorOptions extends BackoffPolicy {
  startTimeoutMs: number;
  stopTimeoutMs: number;
  clientVersion: string;
  /** Sent to remote workers as `Authorization: Bearer ...` (WORKER_AUTH_TOKEN). */
  authToken?: string | undefined;
  /** A worker that stayed up this long gets its back-off reset when it next exits. */
  stableAfterMs?: number;
  random?: () => number;
}

export interface SupervisorEvents {
  ready: [connection: WorkerConnection];
  exit: [info: ExitInfo];
  restart: [];
}

/**
 * Keeps one worker process running: starts it, and when it exits (or fails to start) starts it
 * again after an exponential back-off with jitter. Emits `ready` with each new connection. A
 * remote worker is handled alike: connecting is the handshake, and a lost connection is an exit.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  state: WorkerState = 'starting';
  /** Times the worker was started again after the first start. */
  restarts = 0;
  lastExit: (ExitInfo & { at: string }) | undefined;
  lastError: string | undefined;
  /** When the next start attempt is due (epoch ms), while restarting. */
  nextAttemptAt: number | undefined;
  /** The back-off chosen for the pending (or last) restart, in ms. */
  restartDelayMs: number | undefined;
  private connectionValue: WorkerConnection | undefined;
  private consecutiveFailures = 0;
  private readySince = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    readonly spec: WorkerSpec,
    private readonly options: SupervisorOptions,
    private readonly log: GatewayLogger,
  ) {
    super();
  }

  /** The live connection, or undefined while the worker is down. */
  get connection(): WorkerConnection | undefined {
    return this.connectionValue;
  }

  /** Starts the worker; resolves after the first attempt, whether it succeeded or a restart is scheduled. */
  start(): Promise<void> {
    return this.launch();
  }

  /** Stops the worker and any pending restart. Calls in flight are rejected with SHUTTING_DOWN. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.state = 'stopping';
    const connection = this.connectionValue;
    if (connection) await connection.close(this.options.stopTimeoutMs);
    this.connectionValue = undefined;
    this.state = 'stopped';
  }

  private async launch(): Promise<void> {
    try {
      const open = { startTimeoutMs: this.options.startTimeoutMs, clientVersion: this.options.clientVersion };
      const connection: WorkerConnection =
        this.spec.kind === 'remote'
          ? await RemoteConnection.open(this.spec, this.log, { ...open, authToken: this.options.authToken })
          : await StdioConnection.open(this.spec, this.log, open);
      if (this.stopping) {
        await connection.close(0);
        return;
      }
      this.connectionValue = connection;
      this.state = 'ready';
      this.nextAttemptAt = undefined;
      this.readySince = Date.now();
      void connection.exited.then((info) => this.onExit(connection, info));
      this.log.info({ service: this.spec.name, workerPid: connection.pid, url: connection.url, restarts: this.restarts }, 'worker ready');
      this.emit('ready', connection);
    } catch (error) {
      if (this.stopping) return;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.error({ service: this.spec.name, err: error }, 'worker failed to start');
      this.scheduleRestart();
    }
  }

  private onExit(connection: WorkerConnection, info: ExitInfo): void {
    if (this.connectionValue !== connection) return;
    this.connectionValue = undefined;
    this.lastExit = { ...info, at: new Date().toISOString() };
    if (this.stopping) return;
    if (info.reason !== undefined) {
      this.lastError = info.reason;
      this.log.warn({ service: this.spec.name, url: connection.url, reason: info.reason }, 'lost the connection to the remote worker; reconnecting');
    } else {
      this.log.warn({ service: this.spec.name, workerPid: connection.pid, ...info }, 'worker exited; restarting');
    }
    this.emit('exit', info);
    if (Date.now() - this.readySince >= (this.options.stableAfterMs ?? 60_000)) this.consecutiveFailures = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = restartDelay(this.options, this.consecutiveFailures++, this.options.random);
    this.restartDelayMs = delay;
    this.state = 'restarting';
    this.nextAttemptAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.restarts++;
      this.emit('restart');
      void this.launch();
    }, delay);
    this.timer.unref();
  }
}
