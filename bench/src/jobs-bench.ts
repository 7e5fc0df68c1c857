import { readFileSync, readdirSync } from 'node:fs';
import { BullQueue, BullQueueEvents, BullWorker, consumerLanes } from '@mcpgw/gateway';
import { TEST_WORKER_ENTRY, deleteRedisKeys, startGateway, testRedisPrefix, type GatewayProcess } from '@mcpgw/test-support';
import { table } from './autocannon-load.js';
import { HttpLane } from './http-lane.js';

/**
 * Async jobs under load: submit → complete through the gateway (`mcp.submit` over HTTP, the
 * gateway's own consumer runs the echo tool on the test worker) next to raw BullMQ add → complete
 * (a Queue and a Worker in this process with a trivial processor), same Redis, same run.
 *
 * Completion is observed the same way on both sides: a BullMQ QueueEvents in this process on the
 * queue (`jobs-echo` under the gateway's prefix; the raw queue under its own). It is push-based and
 * costs the measured path nothing; polling `mcp.getJob` instead would add HTTP requests to the
 * gateway that the raw side does not pay, and its interval would bound the latency measured.
 *
 * Closed loops: `c` lanes, each submitting one job and waiting for its completion before the next;
 * a gateway lane is one keep-alive HTTP connection (HttpLane: `fetch` would cost the load generator
 * more CPU than the gateway spends, on the same two cores). Raw BullMQ runs the same consumer
 * topology as the gateway's (the same number of Workers and slots each, `consumerLanes`) and the
 * same job options (attempts, back-off, removal). Paths are measured interleaved, round after
 * round; medians over rounds. CPU is counted per process group from /proc for the whole machine
 * (bench process, gateway, its worker, Redis, PostgreSQL), so a side's cost per job includes what
 * it makes Redis and PostgreSQL do. Keys live under fresh prefixes and are deleted afterwards.
 */

export interface JobsBenchOptions {
  /** Lanes (jobs in flight) per measured run, e.g. [1, 50]. */
  concurrencies: number[];
  warmupSec: number;
  durationSec: number;
  rounds: number;
  /** The Redis both sides use (also the gateway's REDIS_URL). */
  redisUrl: string;
  /** Node flags for the gateway process, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/prof']` to profile it. */
  gatewayNodeFlags?: string[];
  progress?: (line: string) => void;
}

export type JobsPath = 'raw BullMQ add → complete' | 'gateway mcp.submit → complete';

export interface JobsRun {
  path: JobsPath;
  concurrency: number;
  jobsPerSec: number;
  p50: number;
  p99: number;
  completed: number;
  errors: number;
  /** CPU µs per job of each process group over the measured window (bench, gateway, worker, redis, postgres). */
  cpuUsPerJob: Record<string, number>;
}

export interface JobsBenchResult {
  /** Every measured run. */
  runs: JobsRun[];
  /** Medians over rounds, per path and concurrency, with the gateway's ratio to raw BullMQ. */
  medians: { concurrency: number; raw: JobsRun; gateway: JobsRun; ratio: number }[];
  /** Consumer topology both sides used at the largest concurrency: slots per BullMQ Worker. */
  lanes: number[];
}

/** How long one job may take before it counts as an error (the loop goes on). */
const JOB_DEADLINE_MS = 15_000;
/** The queue's job options, as the gateway's mcp.submit sets them for a read-only tool (job-service.ts). */
const JOB_OPTIONS = { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 }, removeOnComplete: { age: 86_400, count: 10_000 }, removeOnFail: false };

/**
 * Resolves waits for job ids from one QueueEvents: `completed` → true, `failed` → false. A job
 * may finish before its submitter learns its id (the HTTP answer can lose the race), so outcomes
 * nobody waits for yet are kept until asked for.
 */
class Completions {
  private readonly waiting = new Map<string, (ok: boolean) => void>();
  private readonly early = new Map<string, boolean>();

  wait(id: string): Promise<boolean> {
    const known = this.early.get(id);
    if (known !== undefined) {
      this.early.delete(id);
      return Promise.resolve(known);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(false);
      }, JOB_DEADLINE_MS);
      this.waiting.set(id, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
    });
  }

  /** A job finished: `ok` when it completed. */
  settle(id: string, ok: boolean): void {
    const resolve = this.waiting.get(id);
    if (resolve) {
      this.waiting.delete(id);
      resolve(ok);
    } else {
      this.early.set(id, ok);
    }
  }

  /** Forgets outcomes of jobs nobody waited for (warm-up leftovers). */
  reset(): void {
    this.early.clear();
  }
}

/** Completions of a queue's jobs, from its QueueEvents. */
function completionsOf(events: { on(event: 'completed' | 'failed', listener: (args: { jobId: string }) => void): unknown }): Completions {
  const completions = new Completions();
  events.on('completed', ({ jobId }) => completions.settle(jobId, true));
  events.on('failed', ({ jobId }) => completions.settle(jobId, false));
  return completions;
}

/** One side: how a lane submits a job (→ its id) and where its completion shows. */
interface Side {
  path: JobsPath;
  /** A lane's submitter (its own connection, for the gateway) and how to release it. */
  lane: () => Promise<{ submit: () => Promise<string>; close: () => void }>;
  completions: Completions;
}

/** Process groups whose CPU is counted. */
type Group = 'bench' | 'gateway' | 'worker' | 'redis' | 'postgres';

/** User + system CPU (µs) so far of every process of each group: this process, the gateway and its children, redis-server, postgres. */
function groupCpu(gatewayPid: number): Record<Group, number> {
  const totals: Record<Group, number> = { bench: 0, gateway: 0, worker: 0, redis: 0, postgres: 0 };
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    const group: Group | undefined =
      pid === process.pid ? 'bench' : pid === gatewayPid ? 'gateway' : ppid === gatewayPid ? 'worker' : comm.startsWith('redis-server') ? 'redis' : comm.startsWith('postgres') ? 'postgres' : undefined;
    if (group) totals[group] += (Number(fields[11]) + Number(fields[12])) * 10_000; // clock ticks of 10 ms
  }
  return totals;
}

async function loop(side: Side, concurrency: number, seconds: number, latencies: number[] | undefined): Promise<{ completed: number; errors: number; elapsedSec: number }> {
  const lanes = await Promise.all(Array.from({ length: concurrency }, () => side.lane()));
  const started = performance.now();
  const until = started + seconds * 1000;
  let completed = 0;
  let errors = 0;
  const run = async (lane: { submit: () => Promise<string> }) => {
    while (performance.now() < until) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await side.completions.wait(await lane.submit());
      } catch {
        ok = false;
      }
      if (ok) {
        completed++;
        latencies?.push(performance.now() - t0);
      } else {
        errors++;
      }
    }
  };
  await Promise.all(lanes.map(run));
  const elapsedSec = (performance.now() - started) / 1000;
  for (const lane of lanes) lane.close();
  return { completed, errors, elapsedSec };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function measure(side: Side, concurrency: number, options: JobsBenchOptions, gatewayPid: number): Promise<JobsRun> {
  await loop(side, concurrency, options.warmupSec, undefined);
  side.completions.reset();
  const latencies: number[] = [];
  const before = groupCpu(gatewayPid);
  const { completed, errors, elapsedSec } = await loop(side, concurrency, options.durationSec, latencies);
  const after = groupCpu(gatewayPid);
  latencies.sort((a, b) => a - b);
  const cpuUsPerJob = Object.fromEntries(Object.entries(after).map(([group, us]) => [group, completed > 0 ? Math.round((us - before[group as Group]) / completed) : 0]));
  return { path: side.path, concurrency, jobsPerSec: Math.round(completed / elapsedSec), p50: percentile(latencies, 50), p99: percentile(latencies, 99), completed, errors, cpuUsPerJob };
}

function connectionOf(redisUrl: string): { host: string; port: number; db?: number; username?: string; password?: string; maxRetriesPerRequest: null } {
  const url = new URL(redisUrl);
  const db = Number(url.pathname.slice(1));
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(db > 0 ? { db } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    maxRetriesPerRequest: null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 100) / 100;
}

/** Runs the jobs bench: both sides at every concurrency, interleaved over rounds. */
export async function benchJobs(options: JobsBenchOptions): Promise<JobsBenchResult> {
  const say = options.progress ?? (() => undefined);
  const connection = connectionOf(options.redisUrl);
  const workerConcurrency = Math.max(...options.concurrencies);
  const rawPrefix = testRedisPrefix().replace('mcpgw-test-', 'mcpgw-bench-jobs-raw-');
  const gatewayPrefix = testRedisPrefix().replace('mcpgw-test-', 'mcpgw-bench-jobs-gw-');
  const closers: (() => Promise<unknown>)[] = [];
  try {
    // Raw BullMQ: everything in this process, the gateway consumer's topology.
    const lanes = consumerLanes(workerConcurrency);
    const rawQueue = new BullQueue('bench-raw', { connection, prefix: `${rawPrefix}bull` });
    closers.push(() => rawQueue.close());
    const rawWorkers = lanes.map((slots) => new BullWorker('bench-raw', async (job) => ({ echo: job.data }), { connection, prefix: `${rawPrefix}bull`, concurrency: slots }));
    for (const worker of rawWorkers) closers.push(() => worker.close());
    const rawEvents = new BullQueueEvents('bench-raw', { connection, prefix: `${rawPrefix}bull` });
    closers.push(() => rawEvents.close());
    await Promise.all([rawQueue.waitUntilReady(), ...rawWorkers.map((w) => w.waitUntilReady()), rawEvents.waitUntilReady()]);
    const rawPayload = { service: 'echo', tool: 'echo', arguments: { message: 'hi' } };
    const rawSubmit = async () => (await rawQueue.add('call', rawPayload, JOB_OPTIONS)).id!;
    const raw: Side = {
      path: 'raw BullMQ add → complete',
      lane: () => Promise.resolve({ submit: rawSubmit, close: () => undefined }),
      completions: completionsOf(rawEvents),
    };

    // The gateway: its consumer in its own process, the same concurrency as the raw Worker.
    const gateway: GatewayProcess = await startGateway({
      env: {
        WORKERS: 'none',
        EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
        REDIS_URL: options.redisUrl,
        REDIS_KEY_PREFIX: gatewayPrefix,
        RATE_LIMIT_MAX_REQUESTS: '0',
        JOBS_CONCURRENCY: String(workerConcurrency),
      },
      nodeFlags: options.gatewayNodeFlags ?? [],
    });
    closers.push(() => gateway.stop());
    const gatewayEvents = new BullQueueEvents('jobs-echo', { connection, prefix: `${gatewayPrefix}bull` });
    closers.push(() => gatewayEvents.close());
    await gatewayEvents.waitUntilReady();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.submit', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } });
    const gatewaySide: Side = {
      path: 'gateway mcp.submit → complete',
      lane: async () => {
        const http = await HttpLane.open(`${gateway.url}/mcp/rpc`, body);
        const submit = async () => {
          const answer = JSON.parse(await http.post()) as { result?: { jobId?: string } };
          if (!answer.result?.jobId) throw new Error(`mcp.submit answered ${http.lastStatus}`);
          return answer.result.jobId;
        };
        return { submit, close: () => http.close() };
      },
      completions: completionsOf(gatewayEvents),
    };

    const runs: JobsRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        runs.push(await measure(raw, concurrency, options, gateway.pid));
        say(`round ${round}, c=${concurrency}: raw BullMQ ${runs.at(-1)!.jobsPerSec} jobs/s, CPU µs/job ${JSON.stringify(runs.at(-1)!.cpuUsPerJob)}`);
        const run = await measure(gatewaySide, concurrency, options, gateway.pid);
        runs.push(run);
        say(`round ${round}, c=${concurrency}: gateway ${run.jobsPerSec} jobs/s, CPU µs/job ${JSON.stringify(run.cpuUsPerJob)}`);
      }
    }
    const medians = options.concurrencies.map((concurrency) => {
      const of = (path: JobsPath): JobsRun => {
        const these = runs.filter((r) => r.path === path && r.concurrency === concurrency);
        return {
          path,
          concurrency,
          jobsPerSec: Math.round(median(these.map((r) => r.jobsPerSec))),
          p50: median(these.map((r) => r.p50)),
          p99: median(these.map((r) => r.p99)),
          completed: these.reduce((a, r) => a + r.completed, 0),
          errors: these.reduce((a, r) => a + r.errors, 0),
          cpuUsPerJob: Object.fromEntries(Object.keys(these[0]!.cpuUsPerJob).map((group) => [group, Math.round(median(these.map((r) => r.cpuUsPerJob[group]!)))])),
        };
      };
      const rawMedian = of('raw BullMQ add → complete');
      const gatewayMedian = of('gateway mcp.submit → complete');
      return { concurrency, raw: rawMedian, gateway: gatewayMedian, ratio: Math.round((gatewayMedian.jobsPerSec / rawMedian.jobsPerSec) * 100) / 100 };
    });
    return { runs, medians, lanes };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await Promise.all([deleteRedisKeys(rawPrefix), deleteRedisKeys(gatewayPrefix)]).catch(() => undefined);
  }
}

/** The table for the console and docs/performance.md. */
export function formatJobs(result: JobsBenchResult): string {
  const cpu = (r: JobsRun) => {
    const c = r.cpuUsPerJob;
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    return `${total} (bench ${c['bench']}, gateway ${c['gateway']}, worker ${c['worker']}, redis ${c['redis']}, pg ${c['postgres']})`;
  };
  const rows = result.medians.flatMap((m) => [
    [m.raw.path, m.concurrency, m.raw.jobsPerSec, m.raw.p50, m.raw.p99, m.raw.errors, '1.00', cpu(m.raw)],
    [m.gateway.path, m.concurrency, m.gateway.jobsPerSec, m.gateway.p50, m.gateway.p99, m.gateway.errors, m.ratio.toFixed(2), cpu(m.gateway)],
  ]);
  const lines = [
    `Async jobs: submit → complete (completion seen by BullMQ QueueEvents on both sides; consumer: ${result.lanes.length} BullMQ Worker(s) of ${result.lanes.join('/')} slots on both sides), medians over rounds:\n`,
    table(['path', 'c', 'jobs/s', 'p50 ms', 'p99 ms', 'errors', 'ratio to raw BullMQ', 'machine CPU µs/job'], rows),
    '',
    ...result.medians.map((m) => `c=${m.concurrency}: gateway at ${(m.ratio * 100).toFixed(0)} % of raw BullMQ throughput (target ≥ 70 %)`),
  ];
  return lines.join('\n');
}
