import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { GATEWAY_ENTRY, GATEWAY_NODE_FLAGS, NEUTRAL_CWD } from './paths.js';
import { DATABASE_URL } from './test-database.js';

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
  /** Sends a signal (SIGTERM by default) and waits for the exit; then removes the gateway's own store. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The gateway's data directory (spool file; the embedded store when `store: 'embedded'`). */
  dataDir: string;
  /** The store schema in the test server (`store: 'postgres'`). */
  schema: string | undefined;
}

export interface StartGatewayOptions {
  /** Variables on top of a minimal environment (HOST=127.0.0.1, PORT=0, METRICS_PORT=0). */
  env?: Record<string, string>;
  /** Wait until /ready answers 200 (default true). */
  waitReady?: boolean;
  timeoutMs?: number;
  /**
   * The gateway store: `postgres` (default) — a schema of its own in the test server at
   * DATABASE_URL, dropped by stop(); `embedded` — PGlite in a fresh data directory; `given` — as
   * `env` says (DATABASE_URL / DATABASE_SCHEMA / MCPGW_DATA_DIR are then the caller's, kept after stop).
   */
  store?: 'postgres' | 'embedded' | 'given';
  /** Extra node flags before the entry, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/prof']` (not allowed in NODE_OPTIONS). */
  nodeFlags?: string[];
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
    // Tests make far more than the default 100 calls a minute; tests of rate limiting set their own.
    RATE_LIMIT_MAX_REQUESTS: '0',
  };
  const storeKind = options.store ?? 'postgres';
  const dataDir = options.env?.['MCPGW_DATA_DIR'] ?? mkdtempSync(join(tmpdir(), 'mcpgw-gw-'));
  const ownDataDir = options.env?.['MCPGW_DATA_DIR'] === undefined;
  env['MCPGW_DATA_DIR'] = dataDir;
  let schema: string | undefined;
  if (storeKind === 'postgres') {
    schema = `gw_${process.pid}_${randomBytes(4).toString('hex')}`;
    env['DATABASE_URL'] = DATABASE_URL;
    env['DATABASE_SCHEMA'] = schema;
  }
  Object.assign(env, options.env);
  if (storeKind === 'given') schema = options.env?.['DATABASE_SCHEMA'];
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...(options.nodeFlags ?? []), GATEWAY_ENTRY], { cwd: NEUTRAL_CWD, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    dataDir,
    schema,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const status = await exited;
      if (storeKind === 'postgres' && schema) await dropSchema(schema);
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      return status;
    },
  };
  if (options.waitReady !== false) await waitFor(async () => (await fetch(`${gateway.url}/ready`)).status === 200, timeoutMs);
  return gateway;
}

/**
 * Variables for an in-process gateway (`buildApp(loadConfig(...))`) with a store of its own: a fresh
 * schema in the test server and a fresh data directory. `cleanup()` drops and removes both.
 */
export function testStoreEnv(): { env: Record<string, string>; cleanup(): Promise<void> } {
  const schema = `gw_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-app-'));
  return {
    env: { DATABASE_URL, DATABASE_SCHEMA: schema, MCPGW_DATA_DIR: dataDir },
    cleanup: async () => {
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
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

/**
 * Polls `check` every `intervalMs` (25 ms) until it returns true; throws after `timeoutMs`. Poll a
 * rate-limited endpoint slowly, or the polling itself uses up the limit.
 */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition', intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
