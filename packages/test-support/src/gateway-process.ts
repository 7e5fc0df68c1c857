import { spawn, type ChildProcess } from 'node:child_process';
import { GATEWAY_ENTRY, GATEWAY_NODE_FLAGS, REPO_ROOT } from './paths.js';

export interface GatewayProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  /** http://127.0.0.1:<metricsPort> */
  metricsUrl: string;
  pid: number;
  child: ChildProcess;
  /** Every line the gateway (and its workers, via stderr) wrote so far. */
  output: string[];
  /** Resolves with the exit status. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartGatewayOptions {
  /** Variables on top of a minimal environment (HOST=127.0.0.1, PORT=0, METRICS_PORT=0). */
  env?: Record<string, string>;
  /** Wait until /ready answers 200 (default true). */
  waitReady?: boolean;
  timeoutMs?: number;
}

/** Starts `node apps/gateway/dist/server.js` on free ports and waits until it listens (and is ready). */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayProcess> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, GATEWAY_ENTRY], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const timeoutMs = options.timeoutMs ?? 30_000;
  const listening = new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not listen within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    const onLine = (line: string): void => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { port?: number; metricsPort?: number; msg?: string };
        if (typeof entry.port === 'number' && typeof entry.metricsPort === 'number' && entry.msg?.startsWith('mcp-gateway listening')) {
          clearTimeout(timer);
          resolve({ port: entry.port, metricsPort: entry.metricsPort });
        }
      } catch {
        // not JSON (pretty output or a crash trace): kept in output
      }
    };
    lines(child.stdout!, onLine);
    lines(child.stderr!, (line) => output.push(line));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before listening:\n${output.join('\n')}`));
    });
  });
  const { port, metricsPort } = await listening;
  const gateway: GatewayProcess = {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    pid: child.pid!,
    child,
    output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady !== false) await waitFor(async () => (await fetch(`${gateway.url}/ready`)).status === 200, timeoutMs);
  return gateway;
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  });
}

/** Polls `check` every 25 ms until it returns true; throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
