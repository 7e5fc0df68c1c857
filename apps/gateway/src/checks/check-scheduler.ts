import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { GatewayLogger } from '../logger.js';
import type { CheckDefinition } from './checks-file.js';
import type { CheckRunner } from './check-runner.js';

/** The one BullMQ queue of scheduled checks. */
export const CHECKS_QUEUE = 'checks';

interface CheckJobData {
  check: string;
  /** The definition's hash: a replica with a different file skips runs it does not know. */
  hash: string;
}

export interface CheckSchedulerOptions {
  redisUrl: string;
  /** BullMQ key prefix: REDIS_KEY_PREFIX + 'bull'. */
  prefix: string;
  checks: readonly CheckDefinition[];
  runner: Pick<CheckRunner, 'run'>;
  log: GatewayLogger;
  /** Checks run at once in this replica. */
  concurrency?: number;
}

/** A stable hash of what makes a check: a changed file updates its scheduler, an unchanged one leaves it alone. */
export function checkHash(check: CheckDefinition): string {
  return createHash('sha256').update(JSON.stringify(check)).digest('hex').slice(0, 16);
}

/**
 * Schedules checks as BullMQ job schedulers (one per check, id = check name) on the `checks` queue
 * and consumes them. The scheduler lives in Redis, so with several replicas each tick produces one
 * job that one replica runs. At start the schedulers are reconciled with the file: new or changed
 * checks are upserted, removed ones deleted; unchanged ones are left alone so a restart does not
 * move their next run. An interval check's first run is one interval after it is first scheduled.
 */
export class CheckScheduler {
  private readonly queue: Queue<CheckJobData>;
  private readonly worker: Worker<CheckJobData>;
  private readonly connections: Redis[] = [];
  private readonly byName: Map<string, { check: CheckDefinition; hash: string }>;

  constructor(private readonly options: CheckSchedulerOptions) {
    this.byName = new Map(options.checks.map((c) => [c.name, { check: c, hash: checkHash(c) }]));
    const connect = (): Redis => {
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
      // Reported by BullMQ and retried by ioredis; without a listener an error would crash the process.
      redis.on('error', () => undefined);
      this.connections.push(redis);
      return redis;
    };
    this.queue = new Queue<CheckJobData>(CHECKS_QUEUE, { connection: connect(), prefix: options.prefix });
    this.queue.on('error', (error) => options.log.warn({ error: error.message }, 'checks queue: Redis error'));
    this.worker = new Worker<CheckJobData>(CHECKS_QUEUE, (job) => this.process(job), {
      connection: connect(),
      prefix: options.prefix,
      concurrency: options.concurrency ?? 4,
      autorun: false,
    });
    this.worker.on('error', (error) => options.log.warn({ error: error.message }, 'checks worker: Redis error'));
  }

  /** Reconciles the schedulers with the file, then starts consuming. */
  async start(): Promise<void> {
    const { log } = this.options;
    const existing = await this.queue.getJobSchedulers(0, -1, true);
    for (const scheduler of existing) {
      const id = scheduler.id ?? scheduler.key;
      if (!this.byName.has(id)) {
        await this.queue.removeJobScheduler(id);
        log.info({ check: id }, 'check removed from the schedule (no longer in the checks file)');
      }
    }
    for (const { check, hash } of this.byName.values()) {
      const current = existing.find((s) => (s.id ?? s.key) === check.name);
      if (current?.template?.data?.hash === hash) continue;
      const repeat =
        'cron' in check.schedule
          ? { pattern: check.schedule.cron, tz: check.schedule.tz }
          : { every: check.schedule.everyMs, startDate: new Date(Date.now() + check.schedule.everyMs) };
      try {
        await this.queue.upsertJobScheduler(check.name, repeat, {
          name: 'check',
          data: { check: check.name, hash },
          opts: { attempts: 1, removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } },
        });
      } catch (error) {
        // A cron pattern BullMQ cannot parse: this check is off, the others run.
        log.error({ check: check.name, error: (error as Error).message }, 'check not scheduled: fix its schedule in the checks file');
        continue;
      }
      log.info({ check: check.name, schedule: check.schedule }, 'check scheduled');
    }
    void this.worker.run().catch((error: unknown) => log.error({ error: (error as Error).message }, 'checks worker stopped'));
  }

  private async process(job: Job<CheckJobData>): Promise<string> {
    const entry = this.byName.get(job.data.check);
    if (!entry || entry.hash !== job.data.hash) {
      // Another replica runs a different checks file; the run is left to the owner of the definition's hash.
      this.options.log.warn({ check: job.data.check }, 'skipped a check run whose definition this replica does not have (replicas disagree on CHECKS_FILE)');
      return 'skipped';
    }
    const { outcome } = await this.options.runner.run(entry.check);
    return outcome;
  }

  /** Stops taking runs (the one in progress finishes) and closes the Redis connections. */
  async close(): Promise<void> {
    await this.worker.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const redis of this.connections) redis.disconnect();
  }
}
