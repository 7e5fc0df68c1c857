import { BullQueue, BullQueueEvents, BullWorker } from '@mcpgw/gateway';
import { TEST_WORKER_ENTRY, deleteRedisKeys, startGateway, testRedisPrefix, type GatewayProcess } from '@mcpgw/test-support';
import { cpuMicros, table } from './autocannon-load.js';

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
 * Closed loops: `c` lanes, each submitting one job and waiting for its completion before the next.
 * The raw Worker runs with the same concurrency and job options (attempts, back-off, removal) as
 * the gateway's consumer. Paths are measured interleaved, round after round; medians over rounds.
 * Keys live under fresh prefixes and are deleted afterwards.
 */

export interface JobsBenchOptions {
  /** Lanes (jobs in flight) per measured run, e.g. [1, 50]. */
  concurrencies: number[];
  warmupSec: number;
  durationSec: number;
  rounds: number;
  /** The Redis both sides use (also the gateway's REDIS_URL). */
  redisUrl: string;
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
}

export interface JobsBenchResult {
  /** Every measured run. */
  runs: JobsRun[];
  /** Medians over rounds, per path and concurrency, with the gateway's ratio to raw BullMQ. */
  medians: { concurrency: number; raw: JobsRun; gateway: JobsRun; ratio: number }[];
  /** Gateway process CPU per job (µs), over every measured gateway run. */
  gatewayCpuUsPerJob: number;
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

/** One side: how to submit a job (→ its id) and where its completion shows. */
interface Side {
  path: JobsPath;
  submit: () => Promise<string>;
  completions: Completions;
}

async function loop(side: Side, concurrency: number, seconds: number, latencies: number[] | undefined): Promise<{ completed: number; errors: number; elapsedSec: number }> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let completed = 0;
  let errors = 0;
  const lane = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await side.completions.wait(await side.submit());
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
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { completed, errors, elapsedSec: (performance.now() - started) / 1000 };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function measure(side: Side, concurrency: number, options: JobsBenchOptions): Promise<JobsRun> {
  await loop(side, concurrency, options.warmupSec, undefined);
  side.completions.reset();
  const latencies: number[] = [];
  const { completed, errors, elapsedSec } = await loop(side, concurrency, options.durationSec, latencies);
  latencies.sort((a, b) => a - b);
  return { path: side.path, concurrency, jobsPerSec: Math.round(completed / elapsedSec), p50: percentile(latencies, 50), p99: percentile(latencies, 99), completed, errors };
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
    // Raw BullMQ: everything in this process.
    const rawQueue = new BullQueue('bench-raw', { connection, prefix: `${rawPrefix}bull` });
    closers.push(() => rawQueue.close());
    const rawWorker = new BullWorker('bench-raw', async (job) => ({ echo: job.data }), { connection, prefix: `${rawPrefix}bull`, concurrency: workerConcurrency });
    closers.push(() => rawWorker.close());
    const rawEvents = new BullQueueEvents('bench-raw', { connection, prefix: `${rawPrefix}bull` });
    closers.push(() => rawEvents.close());
    await Promise.all([rawQueue.waitUntilReady(), rawWorker.waitUntilReady(), rawEvents.waitUntilReady()]);
    const rawPayload = { service: 'echo', tool: 'echo', arguments: { message: 'hi' } };
    const raw: Side = {
      path: 'raw BullMQ add → complete',
      submit: async () => (await rawQueue.add('call', rawPayload, JOB_OPTIONS)).id!,
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
    });
    closers.push(() => gateway.stop());
    const gatewayEvents = new BullQueueEvents('jobs-echo', { connection, prefix: `${gatewayPrefix}bull` });
    closers.push(() => gatewayEvents.close());
    await gatewayEvents.waitUntilReady();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.submit', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } });
    const gatewaySide: Side = {
      path: 'gateway mcp.submit → complete',
      submit: async () => {
        const response = await fetch(`${gateway.url}/mcp/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const answer = (await response.json()) as { result?: { jobId?: string } };
        if (!answer.result?.jobId) throw new Error(`mcp.submit answered ${response.status}`);
        return answer.result.jobId;
      },
      completions: completionsOf(gatewayEvents),
    };

    const runs: JobsRun[] = [];
    let gatewayCpu = 0;
    let gatewayJobs = 0;
    for (let round = 1; round <= options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        runs.push(await measure(raw, concurrency, options));
        say(`round ${round}, c=${concurrency}: raw BullMQ ${runs.at(-1)!.jobsPerSec} jobs/s`);
        const cpu0 = cpuMicros(gateway.pid);
        const run = await measure(gatewaySide, concurrency, options);
        // CPU over warm-up and measurement, divided by the jobs of both (about: warm-up counted at the measured rate).
        gatewayCpu += cpuMicros(gateway.pid) - cpu0;
        gatewayJobs += run.completed * ((options.warmupSec + options.durationSec) / options.durationSec);
        runs.push(run);
        say(`round ${round}, c=${concurrency}: gateway ${run.jobsPerSec} jobs/s`);
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
        };
      };
      const rawMedian = of('raw BullMQ add → complete');
      const gatewayMedian = of('gateway mcp.submit → complete');
      return { concurrency, raw: rawMedian, gateway: gatewayMedian, ratio: Math.round((gatewayMedian.jobsPerSec / rawMedian.jobsPerSec) * 100) / 100 };
    });
    return { runs, medians, gatewayCpuUsPerJob: gatewayJobs > 0 ? Math.round(gatewayCpu / gatewayJobs) : 0 };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await Promise.all([deleteRedisKeys(rawPrefix), deleteRedisKeys(gatewayPrefix)]).catch(() => undefined);
  }
}

/** The table for the console and docs/performance.md. */
export function formatJobs(result: JobsBenchResult): string {
  const rows = result.medians.flatMap((m) => [
    [m.raw.path, m.concurrency, m.raw.jobsPerSec, m.raw.p50, m.raw.p99, m.raw.errors, '1.00'],
    [m.gateway.path, m.concurrency, m.gateway.jobsPerSec, m.gateway.p50, m.gateway.p99, m.gateway.errors, m.ratio.toFixed(2)],
  ]);
  const lines = [
    'Async jobs: submit → complete (completion seen by BullMQ QueueEvents on both sides), medians over rounds:\n',
    table(['path', 'c', 'jobs/s', 'p50 ms', 'p99 ms', 'errors', 'ratio to raw BullMQ'], rows),
    '',
    ...result.medians.map((m) => `c=${m.concurrency}: gateway at ${(m.ratio * 100).toFixed(0)} % of raw BullMQ throughput (target ≥ 70 %)`),
    `gateway CPU ≈ ${result.gatewayCpuUsPerJob} µs per job (HTTP submit, consumer, worker call, history and audit writes)`,
  ];
  return lines.join('\n');
}
