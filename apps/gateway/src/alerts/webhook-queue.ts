import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { GatewayLogger } from '../logger.js';
import { withinDeadline } from '../redis/within-deadline.js';
import {
  attemptWebhook,
  reportDelivery,
  WEBHOOK_BACKOFF_JITTER,
  webhookLabel,
  type AlertEvent,
  type DeliveryContext,
  type DeliveryOutcome,
  type WebhookTransport,
} from './webhook-delivery.js';

/** The BullMQ queue of alert webhook deliveries (keys under `<REDIS_KEY_PREFIX>bull:alert-webhooks:`). */
export const ALERT_WEBHOOKS_QUEUE = 'alert-webhooks';

/** One (event, URL) delivery as stored in Redis: no secret, and not the URL (its query may hold a token). */
export interface WebhookJobData {
  /** X-MCPGW-Delivery: the same for every attempt (and every URL) of the event. */
  delivery: string;
  event: AlertEvent;
  /** SHA-256 of the URL: the consumer sends only to the ALERT_WEBHOOK_URLS entry that has this hash. */
  target: string;
  /** Origin and path of the URL, for logs and listings. */
  webhook: string;
  /** The JSON body exactly as it is signed and sent. */
  body: string;
}

interface WebhookJobResult {
  status: number;
  attempt: number;
}

type WebhookJob = Job<WebhookJobData, WebhookJobResult, string>;

/** The queue states a listing can ask for. */
export const DELIVERY_STATES = ['waiting', 'delayed', 'active', 'failed', 'completed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** A queued delivery as `GET /alerts/webhooks` shows it. */
export interface QueuedDelivery {
  id: string;
  delivery: string;
  event: AlertEvent;
  alertId: string | null;
  check: string | null;
  webhook: string;
  state: DeliveryState;
  /** Attempts made so far, and allowed. */
  attempts: number;
  maxAttempts: number;
  /** The last failed attempt's reason (HTTP status, network error, refusal). */
  reason: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface WebhookQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix: REDIS_KEY_PREFIX + 'bull' (as the job queues and checks). */
  prefix: string;
  urls: readonly string[];
  /** Attempts per delivery, the first included (ALERT_WEBHOOK_ATTEMPTS). */
  attempts: number;
  /** First back-off (ALERT_WEBHOOK_BACKOFF_MS), doubled per attempt, with jitter. */
  backoffMs: number;
  transport: WebhookTransport;
  log: GatewayLogger;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  /** Deliveries this process sends at once (default 4). */
  concurrency?: number;
}

/** How long enqueueing or a listing may wait for Redis before the caller falls back (never hang). */
const OPERATION_TIMEOUT_MS = 2_000;
/** A delivery's lock; a process that dies mid-attempt leaves the job to the next consumer after about this long. */
const LOCK_MS = 15_000;
/** Completed deliveries kept for a day (at most 1,000), failed ones the last 1,000: Redis stays bounded. */
const KEEP_COMPLETED = { age: 24 * 3_600, count: 1_000 };
const KEEP_FAILED = { count: 1_000 };
/** Times a delivery may be interrupted by a crash before BullMQ fails it ("job stalled more than allowable limit"). */
const MAX_STALLS = 3;

/** The hash the job carries instead of the URL. */
export function webhookTargetHash(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

/** A refusal (SSRF guard, 3xx, 4xx, URL no longer configured): the job ends at once. */
class DeliveryRefused extends UnrecoverableError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A failed attempt worth another (network error, timeout, 408, 429, 5xx). */
class DeliveryAttemptFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryAttemptFailed';
  }
}

/**
 * Durable alert webhook deliveries: each (event, URL) is a BullMQ job on `alert-webhooks` with
 * ALERT_WEBHOOK_ATTEMPTS attempts and exponential back-off with jitter, so a delivery that is
 * failing or backing off when the process stops (deploy, crash, SIGKILL) is sent by the next
 * consumer on the same Redis. The consumer (a small BullMQ Worker in every gateway process that has
 * webhooks) signs each attempt afresh with the secret it holds, sends only to a URL still in its
 * ALERT_WEBHOOK_URLS, and runs the SSRF guard at send time. Refusals end the job at once;
 * exhausted jobs stay in the failed set (the last 1,000) for `GET /alerts/webhooks`.
 */
export class WebhookQueue {
  private readonly producer: Redis;
  private readonly queue: Queue<WebhookJobData, WebhookJobResult, string>;
  private worker: Worker<WebhookJobData, WebhookJobResult, string> | undefined;
  private workerConnection: Redis | undefined;
  private readonly byHash: Map<string, string>;
  private readonly stop = new AbortController();

  constructor(private readonly options: WebhookQueueOptions) {
    this.byHash = new Map(options.urls.map((url) => [webhookTargetHash(url), url]));
    // Fails fast while Redis is down (no offline queue), so notify() falls back to memory at once.
    this.producer = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: OPERATION_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
      // A socket still connecting at close is destroyed soon, not after ioredis's default 2 s.
      disconnectTimeout: 200,
    });
    this.producer.on('error', () => undefined);
    this.queue = new Queue<WebhookJobData, WebhookJobResult, string>(ALERT_WEBHOOKS_QUEUE, { connection: this.producer, prefix: options.prefix });
    this.queue.on('error', () => undefined);
  }

  /** Queues the event for every URL in one transaction; rejects within two seconds when Redis is unreachable. */
  async enqueue(event: AlertEvent, body: string, delivery: string): Promise<void> {
    const { urls, attempts, backoffMs } = this.options;
    await this.run(() =>
      this.queue.addBulk(
        urls.map((url) => {
          const target = webhookTargetHash(url);
          return {
            name: event,
            data: { delivery, event, target, webhook: webhookLabel(url), body },
            opts: {
              // One job per (event, URL): queueing it twice (a retried enqueue) adds nothing.
              jobId: `${delivery}.${target.slice(0, 16)}`,
              attempts,
              backoff: { type: 'exponential', delay: backoffMs, jitter: WEBHOOK_BACKOFF_JITTER },
              removeOnComplete: KEEP_COMPLETED,
              removeOnFail: KEEP_FAILED,
            },
          };
        }),
      ),
    );
  }

  /**
   * Starts this process's consumer; it connects (and reconnects) in the background. The BullMQ
   * Worker is made once Redis first answers, so a process that never reached Redis closes at once.
   */
  start(): void {
    if (this.workerConnection || this.stop.signal.aborted) return;
    const connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null, disconnectTimeout: 200 });
    connection.on('error', () => undefined);
    this.workerConnection = connection;
    connection.once('ready', () => {
      if (!this.stop.signal.aborted) this.consume(connection);
    });
  }

  private consume(connection: Redis): void {
    const { options } = this;
    this.worker = new Worker<WebhookJobData, WebhookJobResult, string>(ALERT_WEBHOOKS_QUEUE, (job, token) => this.process(job, token), {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 4,
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS,
      maxStalledCount: MAX_STALLS,
    });
    this.worker.on('error', (error) => options.log.warn({ error: error.message }, 'alert webhook consumer: Redis error (deliveries resume when Redis is back)'));
    // Reported after BullMQ moved the job, so the log and metric match what Redis holds.
    this.worker.on('completed', (job, result) => reportDelivery(options.log, options.onOutcome, context(job), { kind: 'delivered', attempt: result.attempt, status: result.status }));
    this.worker.on('failed', (job, error) => {
      if (!job) return;
      if (error instanceof UnrecoverableError) {
        reportDelivery(options.log, options.onOutcome, context(job), { kind: 'refused', attempt: job.attemptsMade, reason: error.message, ...(error instanceof DeliveryRefused && error.status ? { status: error.status } : {}) });
      } else if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
        reportDelivery(options.log, options.onOutcome, context(job), { kind: 'failed', attempts: job.attemptsMade, reason: error.message });
      } else {
        reportDelivery(options.log, options.onOutcome, context(job), { kind: 'retrying', attempt: job.attemptsMade, reason: error.message, retryInMs: job.delay });
      }
    });
  }

  private async process(job: WebhookJob, token: string | undefined): Promise<WebhookJobResult> {
    const url = this.byHash.get(job.data.target);
    if (!url) throw new DeliveryRefused(`${job.data.webhook} is no longer in ALERT_WEBHOOK_URLS; the delivery is dropped`);
    if (this.stop.signal.aborted) return await this.handBack(job, token);
    const result = await attemptWebhook(new URL(url), job.data.body, job.data.delivery, this.options.transport, this.stop.signal);
    if (result.kind === 'delivered') return { status: result.status, attempt: job.attemptsMade + 1 };
    // Cut short by shutdown: back to the queue without using up an attempt.
    if (this.stop.signal.aborted) return await this.handBack(job, token);
    if (result.kind === 'refused') throw new DeliveryRefused(result.reason, result.status);
    throw new DeliveryAttemptFailed(result.reason);
  }

  private async handBack(job: WebhookJob, token: string | undefined): Promise<never> {
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }

  /** Counts per state, and the newest `limit` deliveries in `state`. */
  async overview(state: DeliveryState, limit: number): Promise<{ counts: Record<DeliveryState, number>; deliveries: QueuedDelivery[] }> {
    return await this.run(async () => {
      const [counts, jobs] = await Promise.all([this.queue.getJobCounts(...DELIVERY_STATES), this.queue.getJobs([state], 0, limit - 1, false)]);
      return {
        counts: Object.fromEntries(DELIVERY_STATES.map((s) => [s, counts[s] ?? 0])) as Record<DeliveryState, number>,
        deliveries: jobs.filter((job): job is WebhookJob => Boolean(job)).map((job) => view(job, state)),
      };
    });
  }

  /** Deliveries not yet finished, and failed ones kept (for the metric). */
  async counts(): Promise<Record<'waiting' | 'delayed' | 'active' | 'failed', number>> {
    const counts = await this.run(() => this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed'));
    return { waiting: counts['waiting'] ?? 0, delayed: counts['delayed'] ?? 0, active: counts['active'] ?? 0, failed: counts['failed'] ?? 0 };
  }

  /**
   * Stops taking deliveries; the ones in progress finish until `deadlineMs`, then are cut short and
   * handed back to the queue. Anything not sent stays in Redis for the next consumer (a delivery
   * whose hand-back did not make it is retaken when its lock expires).
   */
  async close(deadlineMs: number): Promise<void> {
    const timer = setTimeout(() => this.stop.abort(), deadlineMs);
    timer.unref();
    try {
      if (this.worker) {
        const aborted = new Promise<void>((resolve) => this.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
        await Promise.race([this.worker.close().catch(() => undefined), aborted.then(() => delay(1_000, undefined, { ref: false }))]);
      }
    } finally {
      clearTimeout(timer);
      this.stop.abort();
    }
    await Promise.race([this.queue.close().catch(() => undefined), delay(1_000, undefined, { ref: false })]);
    this.workerConnection?.disconnect();
    this.producer.disconnect();
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    // Known to be down (it was connected, or tried): no need to wait for the deadline.
    if (['reconnecting', 'close', 'end'].includes(this.producer.status)) throw new Error(`Redis is unreachable (${this.producer.status})`);
    return await withinDeadline(operation, OPERATION_TIMEOUT_MS, () => new Error(`Redis did not answer within ${OPERATION_TIMEOUT_MS} ms`));
  }
}

function context(job: WebhookJob): DeliveryContext {
  return { webhook: job.data.webhook, event: job.data.event, delivery: job.data.delivery };
}

function view(job: WebhookJob, state: DeliveryState): QueuedDelivery {
  let alert: { id?: unknown; check?: unknown } = {};
  try {
    alert = (JSON.parse(job.data.body) as { alert?: typeof alert }).alert ?? {};
  } catch {
    // not ours to fail on: the listing shows what it can
  }
  return {
    id: job.id!,
    delivery: job.data.delivery,
    event: job.data.event,
    alertId: typeof alert.id === 'string' ? alert.id : null,
    check: typeof alert.check === 'string' ? alert.check : null,
    webhook: job.data.webhook,
    state,
    attempts: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    reason: job.failedReason || null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
