import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createLineSplitter } from '@mcpgw/protocol';
import { WorkerConnection, settlesWithin, type ExitInfo, type OpenOptions } from './worker-connection.js';
import type { LocalWorkerSpec } from './worker-spec.js';
import type { GatewayLogger } from '../logger.js';

/** A line longer than this from a worker is a protocol violation (and a memory risk). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * A local worker: a child process speaking MCP as newline-delimited JSON-RPC over stdio. Only the
 * process and the lines are here; requests, answers and relays are WorkerConnection's.
 */
export class StdioConnection extends WorkerConnection {
  readonly pid: number;
  readonly url = undefined;
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private corked = false;

  private constructor(spec: LocalWorkerSpec, log: GatewayLogger) {
    super(spec.name, log);
    this.child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['pipe', 'pipe', 'inherit'], ...(spec.cwd ? { cwd: spec.cwd } : {}) });
    this.pid = this.child.pid ?? -1;
    this.child.once('exit', (code, signal) => this.ended({ code, signal }));
    this.child.once('error', (error) => {
      // spawn failed (ENOENT, EACCES): there will be no 'exit' event carrying a code.
      this.log.error({ err: error, service: spec.name }, 'could not start worker process');
      if (!this.exitInfo) this.child.emit('exit', 127, null);
    });
    this.child.stdin.on('error', () => {
      // EPIPE when the worker died; the exit handler reports it.
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', createLineSplitter((line) => this.onLine(line), MAX_LINE_BYTES, () => this.protocolViolation('a message longer than 64 MiB')));
  }

  /**
   * Starts the worker process and completes the handshake (WorkerConnection.handshake). Kills the
   * process and throws if any step fails or takes too long.
   */
  static open(spec: LocalWorkerSpec, log: GatewayLogger, options: OpenOptions): Promise<StdioConnection> {
    return WorkerConnection.handshake(new StdioConnection(spec, log), spec.description, options);
  }

  /**
   * Stops the worker: closes its stdin (a worker-kit worker exits on that), then SIGTERM after
   * `graceMs`, then SIGKILL. Calls still in flight are rejected with SHUTTING_DOWN.
   */
  async close(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.closing = true;
    this.child.stdin.end();
    const exited = this.exited;
    if (await settlesWithin(exited, graceMs)) return exited;
    this.child.kill('SIGTERM');
    if (await settlesWithin(exited, 2_000)) return exited;
    this.child.kill('SIGKILL');
    return exited;
  }

  /** Kills the process at once (tests use this to simulate a crash). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  protected sendRequest(id: number, method: string, params: Record<string, unknown>): void {
    this.write(`{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}\n`);
  }

  protected sendMessage(message: Record<string, unknown>): void {
    this.write(JSON.stringify(message) + '\n');
  }

  protected lostMessage(info: ExitInfo): string {
    return `${this.name} exited (${info.signal ?? `code ${info.code}`}) while the call was in flight; it is being restarted`;
  }

  private write(line: string): void {
    // Coalesce everything written during one event-loop turn (many sockets' requests) into one
    // writev: syscalls dominate the cost of a call on small machines.
    if (!this.corked) {
      this.corked = true;
      this.child.stdin.cork();
      setImmediate(this.uncork);
    }
    this.child.stdin.write(line);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.child.stdin.uncork();
  };

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // A worker must write only MCP messages to stdout; log (truncated) and go on.
      this.log.warn({ service: this.name, line: line.slice(0, 200) }, 'worker wrote a non-JSON line to stdout');
      return;
    }
    if (message === null || typeof message !== 'object') return;
    this.onMessage(message);
  }

  private protocolViolation(what: string): void {
    this.log.error({ service: this.name }, `worker sent ${what}; killing it`);
    this.child.kill('SIGKILL');
  }
}
