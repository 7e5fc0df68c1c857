import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RemoteConnection, StdioConnection } from '@mcpgw/gateway';
import { REPO_ROOT, TEST_WORKER_ENTRY, getJson, postJson, startGateway, startHttpWorker, waitFor } from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type autocannon from 'autocannon';
import pino from 'pino';
import { cpuMicros, load as loadWith, rssMiB, table, type LoadSettings, type Row } from './autocannon-load.js';
import { benchFrontDoor, formatFrontDoor, type FrontDoorResult } from './front-door-bench.js';
import { benchJobs, formatJobs, type JobsBenchResult } from './jobs-bench.js';
import { benchMcp, formatMcp, type McpBenchResult } from './mcp-bench.js';
import { benchTracing } from './tracing-bench.js';

/**
 * `pnpm bench`: every path measured in the same run, on 127.0.0.1, with bounded load, and
 * reported as ratios to a baseline measured alongside (absolute numbers move 10-30 % between
 * runs on a shared machine; ratios measured together do not).
 *
 * Three parts:
 * - the spine: bare Fastify (the ceiling), the worker on its own HTTP transport, mcp.execute and a
 *   slash command through the gateway (local caller, rate limit off), the worker clients, cold start;
 * - the front door (front-door-bench.ts): mcp.execute as a local caller with no limiter (the
 *   baseline), with an API key + in-memory limiter (target ≥ 0.85 of the baseline), with an API
 *   key + Redis limiter (target ≥ 0.65), and with an HS256 JWT; one gateway each, interleaved rounds;
 * - the MCP front (mcp-bench.ts): tools/call over Streamable HTTP through the gateway's /mcp and
 *   /mcp/echo, against the same worker fronted by supergateway and by mcp-proxy, and called directly
 *   (targets: /mcp ≥ 4 × mcp-proxy, ≥ 8 × supergateway);
 * - async jobs (jobs-bench.ts): mcp.submit → complete through the gateway next to raw BullMQ
 *   add → complete, at c=1 and c=BENCH_CONNECTIONS (target: gateway ≥ 70 % of raw BullMQ throughput).
 *
 * Knobs:
 * - BENCH_DURATION (s per measured run, default 10), BENCH_WARMUP (s before each, default 3),
 *   BENCH_CONNECTIONS (default 50);
 * - BENCH_ONLY: `spine`, `front-door`, `mcp` or `jobs` runs only that part (default: all four);
 * - BENCH_FRONT_DOOR_ROUNDS (interleaved rounds, default 3), BENCH_FRONT_DOOR_JWT (`0` leaves the
 *   JWT path out; default on);
 * - BENCH_MCP_ROUNDS (interleaved rounds of the MCP front, default 3);
 * - BENCH_JOBS_ROUNDS (interleaved rounds of the jobs bench, default 2), BENCH_GATEWAY_NODE_FLAGS
 *   (node flags for the jobs bench's gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it);
 * - BENCH_TRACING=1 adds two spine rows (tracing-bench.ts): mcp.execute with tracing off and with
 *   OpenTelemetry tracing on (OTLP to a local sink that drops what it gets; every request sampled),
 *   interleaved for BENCH_TRACING_ROUNDS rounds (default 3), medians;
 * - REDIS_URL for the Redis-limiter path (default redis://127.0.0.1:6379; keys under a random
 *   prefix, deleted afterwards), DATABASE_URL for the gateways' store (see @mcpgw/test-support).
 *
 * The front door alone, about 4 × rounds × (warm-up + duration) s: `BENCH_ONLY=front-door pnpm bench`.
 * The MCP front alone, about 5 × rounds × (warm-up + duration) s: `BENCH_ONLY=mcp pnpm bench`.
 * Async jobs alone, about 4 × rounds × (warm-up + duration) s: `BENCH_ONLY=jobs pnpm bench`.
 */
const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const ONLY = process.env['BENCH_ONLY'] ?? '';
const FRONT_DOOR_ROUNDS = Number(process.env['BENCH_FRONT_DOOR_ROUNDS'] ?? 3);
const FRONT_DOOR_JWT = process.env['BENCH_FRONT_DOOR_JWT'] !== '0';
const MCP_ROUNDS = Number(process.env['BENCH_MCP_ROUNDS'] ?? 3);
const JOBS_ROUNDS = Number(process.env['BENCH_JOBS_ROUNDS'] ?? 2);
const REDIS_URL = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
/** BENCH_TRACING=1 adds mcp.execute with tracing off and on, interleaved (tracing-bench.ts). */
const TRACING = process.env['BENCH_TRACING'] === '1';
const TRACING_ROUNDS = Number(process.env['BENCH_TRACING_ROUNDS'] ?? 3);
const GATEWAY_NODE_FLAGS = (process.env['BENCH_GATEWAY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SETTINGS: LoadSettings = { connections: CONNECTIONS, warmupSec: WARMUP, durationSec: DURATION };

/**
 * Local callers are rate limited too (RATE_LIMIT_MAX_REQUESTS, default 100 per minute per agent):
 * the spine's gateways run with the limit off, as before the front door existed.
 */
const NO_RATE_LIMIT = { RATE_LIMIT_MAX_REQUESTS: '0' };

const load = (path: string, options: autocannon.Options, pids: number[]): Promise<Row> => loadWith(path, options, pids, SETTINGS);

function spawnNode(entry: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [entry, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first JSON object on the stream that has a numeric `port`. */
function portFrom(stream: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      for (const line of buffer.split('\n')) {
        try {
          const parsed = JSON.parse(line) as { port?: unknown };
          if (typeof parsed.port === 'number') resolve(parsed.port);
        } catch {
          // partial line
        }
      }
    });
  });
}

async function benchBareFastify(): Promise<Row> {
  const child = spawnNode(`${HERE}bare-fastify.js`, []);
  const port = await portFrom(child.stdout!);
  try {
    return await load('bare Fastify hello (JSON POST)', {
      url: `http://127.0.0.1:${port}/hello`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello' }),
    }, [child.pid!]);
  } finally {
    child.kill('SIGTERM');
  }
}

async function benchWorkerDirect(): Promise<Row> {
  // The worker's own Streamable HTTP transport (the SDK's), no gateway in between.
  const child = spawnNode(TEST_WORKER_ENTRY, ['--http', '0'], { LOG_LEVEL: 'info' });
  const port = await portFrom(child.stderr!);
  const url = `http://127.0.0.1:${port}/mcp`;
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  try {
    const init = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await (await fetch(url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    return await load('worker direct: MCP tools/call over its Streamable HTTP (SDK), no gateway', {
      url,
      method: 'POST',
      headers: sessionHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } }),
    }, [child.pid!]);
  } finally {
    child.kill('SIGTERM');
  }
}

async function benchGateway(): Promise<{ rows: Row[]; rss: { gateway: number; worker: number } }> {
  const gateway = await startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, ...NO_RATE_LIMIT } });
  try {
    const workerPid = (await getJson<{ workers: { pid: number }[] }>(`${gateway.url}/health/detailed`)).body.workers[0]!.pid;
    const pids = [gateway.pid, workerPid];
    const rpc = await load('gateway: mcp.execute on /mcp/rpc → echo worker (stdio)', {
      url: `${gateway.url}/mcp/rpc`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } }),
    }, pids);
    const slash = await load('gateway: slash command on /mcp/execute → echo worker', {
      url: `${gateway.url}/mcp/execute`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: '/mcp-echo echo hi' }),
    }, pids);
    const traced = TRACING ? await benchTracing(load, TRACING_ROUNDS, NO_RATE_LIMIT) : [];
    return { rows: [rpc, slash, ...traced], rss: { gateway: rssMiB(gateway.pid), worker: rssMiB(workerPid) } };
  } finally {
    await gateway.stop();
  }
}

/**
 * The same call to the same echo worker, run as its own process and reached over Streamable HTTP
 * (WORKER_URLS, as on Kubernetes): what the HTTP hop costs against stdio.
 */
async function benchRemoteWorker(): Promise<Row> {
  const token = 'bench-token-0123456789abcdef0123456789';
  const worker = await startHttpWorker(TEST_WORKER_ENTRY, { env: { WORKER_AUTH_TOKEN: token } });
  const gateway = await startGateway({ env: { WORKERS: 'none', WORKER_URLS: `echo=${worker.url}`, WORKER_AUTH_TOKEN: token, ...NO_RATE_LIMIT } });
  try {
    return await load('gateway: mcp.execute on /mcp/rpc → echo worker over Streamable HTTP (WORKER_URLS)', {
      url: `${gateway.url}/mcp/rpc`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } }),
    }, [gateway.pid, worker.pid]);
  } finally {
    await gateway.stop();
    await worker.stop();
  }
}

/** Gateway plus every default worker (postgres on its embedded demo database) plus the echo worker. */
async function coldStart(): Promise<{ readyMs: number; demoDatabaseMs: number; rss: Record<string, number> }> {
  const started = performance.now();
  const gateway = await startGateway({ env: { EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, ...NO_RATE_LIMIT }, timeoutMs: 60_000 });
  const readyMs = Math.round(performance.now() - started);
  try {
    await waitFor(async () => (await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo query "select 1"' })).status === 200, 60_000, 'the demo database');
    const demoDatabaseMs = Math.round(performance.now() - started);
    const workers = (await getJson<{ workers: { name: string; pid: number }[] }>(`${gateway.url}/health/detailed`)).body.workers;
    const rss: Record<string, number> = { gateway: rssMiB(gateway.pid) };
    for (const w of workers) rss[w.name] = rssMiB(w.pid);
    return { readyMs, demoDatabaseMs, rss };
  } finally {
    await gateway.stop();
  }
}

interface ClientRow {
  client: string;
  callsPerSec: number;
  clientCpuUs: number;
  workerCpuUs: number;
}

/**
 * The client the gateway uses to talk to workers, against the MCP SDK's own Client, both over
 * stdio, and over Streamable HTTP, to the same worker with 50 calls in flight: what each costs the calling process.
 */
async function benchClients(): Promise<ClientRow[]> {
  const seconds = Math.max(3, Math.round(DURATION / 2));
  const measure = async (name: string, workerPid: number, call: () => Promise<unknown>): Promise<ClientRow> => {
    const deadline = performance.now() + 1000;
    const loop = async (until: number) => {
      let n = 0;
      while (performance.now() < until) {
        await call();
        n++;
      }
      return n;
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, () => loop(deadline)));
    const cpu0 = process.cpuUsage();
    const w0 = cpuMicros(workerPid);
    const start = performance.now();
    const counts = await Promise.all(Array.from({ length: CONNECTIONS }, () => loop(start + seconds * 1000)));
    const elapsed = (performance.now() - start) / 1000;
    const calls = counts.reduce((a, b) => a + b, 0);
    const cpu = process.cpuUsage(cpu0);
    return {
      client: name,
      callsPerSec: Math.round(calls / elapsed),
      clientCpuUs: Math.round(((cpu.user + cpu.system) / calls) * 10) / 10,
      workerCpuUs: Math.round(((cpuMicros(workerPid) - w0) / calls) * 10) / 10,
    };
  };

  const rows: ClientRow[] = [];
  const sdkTransport = new StdioClientTransport({ command: process.execPath, args: [TEST_WORKER_ENTRY], env: { LOG_LEVEL: 'warn' }, stderr: 'ignore' });
  const sdk = new Client({ name: 'bench', version: '1' });
  await sdk.connect(sdkTransport);
  rows.push(await measure('MCP SDK Client + StdioClientTransport', sdkTransport.pid!, () => sdk.callTool({ name: 'echo', arguments: { message: 'hi' } })));
  await sdk.close();

  const lean = await StdioConnection.open(
    { name: 'echo', command: process.execPath, args: [TEST_WORKER_ENTRY], env: { LOG_LEVEL: 'warn', PATH: process.env['PATH'] ?? '' }, required: true },
    pino({ level: 'silent' }),
    { startTimeoutMs: 10_000, clientVersion: 'bench' },
  );
  rows.push(
    await measure("gateway's StdioConnection (newline JSON-RPC, id map)", lean.pid, () =>
      lean.request('tools/call', { name: 'echo', arguments: { message: 'hi' }, _meta: { 'mcpgw/structuredOnly': true } }),
    ),
  );
  await lean.close(1_000);

  // The same comparison over Streamable HTTP (remote workers, WORKER_URLS): one worker process, each client in turn.
  const http = await startHttpWorker(TEST_WORKER_ENTRY);
  try {
    const sdkHttp = new Client({ name: 'bench', version: '1' });
    await sdkHttp.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    rows.push(await measure('MCP SDK Client + StreamableHTTPClientTransport', http.pid, () => sdkHttp.callTool({ name: 'echo', arguments: { message: 'hi' } })));
    await sdkHttp.close();
    const remote = await RemoteConnection.open({ name: 'echo', kind: 'remote', url: http.url, required: true }, pino({ level: 'silent' }), {
      startTimeoutMs: 10_000,
      clientVersion: 'bench',
    });
    rows.push(
      await measure("gateway's RemoteConnection (StreamableHttpClient: node:http, SSE line reader)", http.pid, () =>
        remote.request('tools/call', { name: 'echo', arguments: { message: 'hi' }, _meta: { 'mcpgw/structuredOnly': true } }),
      ),
    );
    await remote.close(1_000);
  } finally {
    await http.stop();
  }
  return rows;
}

interface SpineResult {
  rows: Row[];
  clients: ClientRow[];
  cold: Awaited<ReturnType<typeof coldStart>>;
  rss: { gateway: number; worker: number };
}

async function spine(): Promise<SpineResult> {
  const bare = await benchBareFastify();
  const direct = await benchWorkerDirect();
  const gateway = await benchGateway();
  const remote = await benchRemoteWorker();
  const rows = [bare, direct, ...gateway.rows, remote];
  console.log(
    table(
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'ratio to bare Fastify', 'server CPU µs/req'],
      rows.map((r) => [r.path, r.reqPerSec, r.p50, r.p99, r.errors, (r.reqPerSec / bare.reqPerSec).toFixed(2), r.serverCpuUs ?? '']),
    ),
  );
  const rpc = gateway.rows[0]!;
  const ratio = rpc.reqPerSec / bare.reqPerSec;
  console.log(
    `\nmcp.execute through the gateway: ${rpc.reqPerSec} req/s (target ≥ 12000), ${(ratio * 100).toFixed(0)} % of bare Fastify (target ≥ 35 %), ${rpc.errors} errors (target 0)`,
  );
  console.log(`RSS after load: gateway ${gateway.rss.gateway} MiB, echo worker ${gateway.rss.worker} MiB`);

  const clients = await benchClients();
  console.log('\nWorker client, in-process, 50 calls in flight, over stdio and over Streamable HTTP:\n');
  console.log(table(['client', 'calls/s', 'client CPU µs/call', 'worker CPU µs/call'], clients.map((c) => [c.client, c.callsPerSec, c.clientCpuUs, c.workerCpuUs])));

  const cold = await coldStart();
  console.log(
    `\nCold start (gateway, every built-in worker in sandbox mode, echo worker): ready (/ready 200) in ${cold.readyMs} ms; embedded demo database answering in ${cold.demoDatabaseMs} ms`,
  );
  console.log(`RSS at rest: ${Object.entries(cold.rss).map(([k, v]) => `${k} ${v} MiB`).join(', ')}`);
  return { rows, clients, cold, rss: gateway.rss };
}

async function main(): Promise<void> {
  if (ONLY !== '' && ONLY !== 'spine' && ONLY !== 'front-door' && ONLY !== 'mcp' && ONLY !== 'jobs') {
    throw new Error(`BENCH_ONLY is "spine", "front-door", "mcp" or "jobs" (or unset for all four), not "${ONLY}"`);
  }
  console.log(`mcp-gateway bench: c=${CONNECTIONS}, ${WARMUP} s warm-up + ${DURATION} s per path, ${new Date().toISOString()}\n`);
  let spineResult: SpineResult | undefined;
  let frontDoor: FrontDoorResult | undefined;
  let mcp: McpBenchResult | undefined;
  let jobs: JobsBenchResult | undefined;
  if (ONLY === '' || ONLY === 'spine') spineResult = await spine();
  if (ONLY === '' || ONLY === 'front-door') {
    if (spineResult) console.log('');
    frontDoor = await benchFrontDoor({
      load: SETTINGS,
      rounds: FRONT_DOOR_ROUNDS,
      redisUrl: REDIS_URL,
      jwt: FRONT_DOOR_JWT,
      progress: (line) => console.error(`[front door] ${line}`),
    });
    console.log(formatFrontDoor(frontDoor));
  }
  if (ONLY === '' || ONLY === 'mcp') {
    if (spineResult || frontDoor) console.log('');
    mcp = await benchMcp({ load: SETTINGS, rounds: MCP_ROUNDS, progress: (line) => console.error(`[mcp] ${line}`) });
    console.log(formatMcp(mcp));
  }
  if (ONLY === '' || ONLY === 'jobs') {
    if (spineResult || frontDoor || mcp) console.log('');
    jobs = await benchJobs({
      concurrencies: [1, CONNECTIONS],
      warmupSec: WARMUP,
      durationSec: DURATION,
      rounds: JOBS_ROUNDS,
      redisUrl: REDIS_URL,
      gatewayNodeFlags: GATEWAY_NODE_FLAGS,
      progress: (line) => console.error(`[jobs] ${line}`),
    });
    console.log(formatJobs(jobs));
  }

  mkdirSync(`${REPO_ROOT}bench/results`, { recursive: true });
  const file = `${REPO_ROOT}bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, ...spineResult, frontDoor, mcp, jobs }, null, 2));
  console.log(`\nraw results: ${file}`);
  await delay(100);
}

await main();
