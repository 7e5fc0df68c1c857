import { GatewayError } from '@mcpgw/protocol';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { withinDeadline } from '../redis/within-deadline.js';
import { coalesceWrites } from './coalesced-writes.js';
import { bullPrefix, queueName, type JobPayload } from './job-payload.js';

/** How long a producer operation may take before the caller gets QUEUE_UNAVAILABLE (F5: never hang). */
const OPERATION_TIMEOUT_MS = 2_000;

export type QueueJob = Job<JobPayload, unknown, string>;

/**
 * The producer side of the job queues: one BullMQ Queue per service (`jobs-<service>`, keys under
 * `<REDIS_KEY_PREFIX>bull`) over one shared connection that fails fast (no offline queue), and the
 * channel cancellations are published on. Every operation answers QUEUE_UNAVAILABLE within
 * two seconds when Redis is down.
 */
export class JobQueues {
  readonly connection: Redis;
  readonly prefix: string;
  readonly cancelChannel: string;
  private readonly queues = new Map<string, Queue<JobPayload, unknown, string>>();

  constructor(url: string, keyPrefix: string) {
    this.prefix = bullPrefix(keyPrefix);
    this.cancelChannel = `${keyPrefix}jobs:cancel`;
    this.connection = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: OPERATION_TIMEOUT_MS,
      // Keep reconnecting (capped), so submission works again as soon as Redis is back.
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Connection errors are reported by the calls that need Redis (QUEUE_UNAVAILABLE), not thrown here.
    this.connection.on('error', () => undefined);
    coalesceWrites(this.connection);
  }

  /** The service's queue; QUEUE_UNAVAILABLE while Redis is not connected. */
  queue(service: string): Queue<JobPayload, unknown, string> {
    if (this.connection.status !== 'ready') throw unavailable();
    let queue = this.queues.get(service);
    if (!queue) {
      queue = new Queue<JobPayload, unknown, string>(queueName(service), { connection: this.connection, prefix: this.prefix });
      queue.on('error', () => undefined);
      this.queues.set(service, queue);
    }
    return queue;
  }

  /** Runs a Redis operation with the fail-fast deadline; any Redis failure becomes QUEUE_UNAVAILABLE. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(operation, OPERATION_TIMEOUT_MS, () => unavailable());
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw unavailable();
    }
  }

  /** The job, from the queue of the service its id names; undefined when BullMQ no longer has it. */
  getJob(service: string, id: string): Promise<QueueJob | undefined> {
    return this.run(() => this.queue(service).getJob(id));
  }

  /** Jobs per state in each service's queue (for the `mcp_jobs` gauge); QUEUE_UNAVAILABLE while Redis is down. */
  counts(services: readonly string[]): Promise<{ service: string; counts: Record<string, number> }[]> {
    return this.run(() =>
      Promise.all(services.map(async (service) => ({ service, counts: await this.queue(service).getJobCounts('waiting', 'delayed', 'active', 'failed') }))),
    );
  }

  /** Tells every consumer (in any process) to cancel the job if it is running it. */
  publishCancel(id: string): Promise<number> {
    return this.run(() => this.connection.publish(this.cancelChannel, id));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}

/** QUEUE_UNAVAILABLE with what to do about it. */
export function unavailable(reason = 'Redis (REDIS_URL) is unreachable'): GatewayError {
  return new GatewayError('QUEUE_UNAVAILABLE', `async jobs are unavailable: ${reason}; synchronous calls (mcp.execute) still work`, { retryAfterSeconds: 5 });
}
