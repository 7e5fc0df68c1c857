import { spawn, type ChildProcess } from 'node:child_process';
import { NEUTRAL_CWD } from './paths.js';

/** A worker process serving MCP Streamable HTTP on a loopback port (`<entry> --http PORT`). */
export interface HttpWorkerProcess {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit status. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartHttpWorkerOptions {
  /** The port to bind (default 0: a free one). */
  port?: number;
  /** Variables on top of PATH and LOG_LEVEL=info (the port is read from the log). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts a built worker with `--http PORT` and waits until its log says which port it took. */
export function startHttpWorker(entry: string, options: StartHttpWorkerOptions = {}): Promise<HttpWorkerProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, '--http', String(options.port ?? 0)], {
      cwd: NEUTRAL_CWD,
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    };
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${entry} did not report its port within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const port = /"port":(\d+)/.exec(stderr)?.[1];
      if (port) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve({ url: `http://127.0.0.1:${port}/mcp`, port: Number(port), pid: child.pid!, child, exited, stop });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
}
