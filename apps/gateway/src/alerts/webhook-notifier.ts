import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayLogger } from '../logger.js';
import type { Resolver } from './ssrf-guard.js';
import { attemptWebhook, reportDelivery, webhookBackoffMs, webhookLabel, type AlertEvent, type DeliveryOutcome, type WebhookTransport } from './webhook-delivery.js';
import { WebhookQueue, type DeliveryState, type QueuedDelivery } from './webhook-queue.js';

export type { AlertEvent, DeliveryOutcome } from './webhook-delivery.js';

export interface WebhookNotifierOptions {
  urls: readonly string[];
  secret: string;
  allowHosts: readonly string[];
  /** Attempts per URL and event (first try included). */
  attempts: number;
  /** Per attempt, connect to last byte. */
  timeoutMs: number;
  /** First back-off; doubled after each failed attempt, less up to 25 % jitter. */
  backoffBaseMs: number;
  log: GatewayLogger;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  resolver?: Resolver;
  /**
   * Durable deliveries on this Redis (REDIS_URL) under `<keyPrefix>bull` (REDIS_KEY_PREFIX): each
   * (event, URL) is a BullMQ job that survives a restart. Without it deliveries live in memory.
   */
  redis?: { url: string; keyPrefix: string };
  /** Deliveries this process's consumer sends at once (durable mode; default 4). */
  concurrency?: number;
}

/**
 * Posts alert events to every ALERT_WEBHOOK_URLS entry: JSON `{event, alert, sentAt}`, signed per
 * attempt (webhook-signature.ts), retried with exponential back-off on network errors, timeouts,
 * 408, 429 and 5xx; never following redirects (see webhook-delivery.ts). Each event carries
 * X-MCPGW-Delivery (one id for all its attempts) so receivers can drop duplicates.
 *
 * With `redis` the deliveries are BullMQ jobs (webhook-queue.ts), sent by the consumer `start()`
 * runs here and in every other gateway process on the same Redis: at-least-once across restarts.
 * When Redis does not take the event (down, or no answer within 2 s), or without `redis`, the event
 * is delivered from memory by this process, with the same attempts and back-off, and is lost if
 * the process stops first.
 */
export class WebhookNotifier {
  /** In-memory deliveries in progress. */
  private readonly pending = new Set<Promise<void>>();
  /** Events being added to the queue. */
  private readonly enqueuing = new Set<Promise<void>>();
  private closed = false;
  private readonly stop = new AbortController();
  private readonly transport: WebhookTransport;
  private readonly queue: WebhookQueue | undefined;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.transport = { secret: options.secret, allowHosts: options.allowHosts, timeoutMs: options.timeoutMs, ...(options.resolver ? { resolver: options.resolver } : {}) };
    if (options.redis && options.urls.length > 0) {
      this.queue = new WebhookQueue({
        redisUrl: options.redis.url,
        prefix: `${options.redis.keyPrefix}bull`,
        urls: options.urls,
        attempts: options.attempts,
        backoffMs: options.backoffBaseMs,
        transport: this.transport,
        log: options.log,
        ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      });
    }
  }

  get enabled(): boolean {
    return this.options.urls.length > 0;
  }

  /** Whether deliveries are queued in Redis (survive a restart). */
  get durable(): boolean {
    return this.queue !== undefined;
  }

  /** Starts this process's consumer of queued deliveries (durable mode; otherwise nothing to do). */
  start(): void {
    if (!this.closed) this.queue?.start();
  }

  /** Queues the event for every URL and returns at once. */
  notify(event: AlertEvent, alert: Record<string, unknown>): void {
    if (!this.enabled || this.closed) return;
    const body = JSON.stringify({ event, alert, sentAt: new Date().toISOString() });
    const delivery = randomUUID();
    if (!this.queue) {
      this.deliverFromMemory(event, body, delivery);
      return;
    }
    this.track(
      this.queue.enqueue(event, body, delivery).catch((error: unknown) => {
        this.options.log.warn(
          { event, delivery, error: (error as Error).message },
          'alert webhook queue unavailable (Redis): delivering this event from memory; it is lost if this process stops before it is delivered',
        );
        this.deliverFromMemory(event, body, delivery);
      }),
      this.enqueuing,
    );
  }

  /** Counts and the newest deliveries in `state`; undefined when deliveries are not queued (no REDIS_URL or no URLs). */
  async deliveries(state: DeliveryState, limit: number): Promise<{ counts: Record<DeliveryState, number>; deliveries: QueuedDelivery[] } | undefined> {
    return await this.queue?.overview(state, limit);
  }

  /** Queued deliveries per state, for the metric; undefined when not durable. */
  queueCounts(): Promise<Record<'waiting' | 'delayed' | 'active' | 'failed', number>> | undefined {
    return this.queue?.counts();
  }

  /**
   * Waits for deliveries in progress until `deadlineMs`, then abandons them. Queued deliveries not
   * finished by then stay in Redis for the next start; in-memory ones are lost.
   */
  async close(deadlineMs: number): Promise<void> {
    this.closed = true;
    const started = Date.now();
    const timer = delay(deadlineMs, undefined, { ref: false }).then(() => this.stop.abort());
    // Events being queued first (each bounded by the 2 s Redis deadline): the connection must not close under them.
    await Promise.race([Promise.allSettled([...this.enqueuing]), timer]);
    await Promise.all([
      this.queue?.close(Math.max(0, deadlineMs - (Date.now() - started))),
      this.pending.size === 0 ? undefined : Promise.race([Promise.allSettled([...this.pending]), timer]),
    ]);
    this.stop.abort();
  }

  private track(task: Promise<void>, set = this.pending): void {
    const tracked = task.finally(() => set.delete(tracked));
    set.add(tracked);
  }

  private deliverFromMemory(event: AlertEvent, body: string, delivery: string): void {
    for (const url of this.options.urls) this.track(this.deliver(url, body, delivery, event));
  }

  private async deliver(url: string, body: string, delivery: string, event: AlertEvent): Promise<void> {
    const { attempts, log, onOutcome } = this.options;
    const target = new URL(url);
    const context = { webhook: webhookLabel(target), event, delivery };
    let reason = 'the gateway stopped before the delivery finished';
    let made = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.stop.signal.aborted) break;
      made = attempt;
      const result = await attemptWebhook(target, body, delivery, this.transport, this.stop.signal);
      if (result.kind === 'delivered') return reportDelivery(log, onOutcome, context, { kind: 'delivered', attempt, status: result.status });
      if (result.kind === 'refused') return reportDelivery(log, onOutcome, context, { kind: 'refused', attempt, reason: result.reason, ...(result.status ? { status: result.status } : {}) });
      reason = this.stop.signal.aborted ? 'the gateway stopped before the delivery finished' : result.reason;
      if (attempt === attempts || this.stop.signal.aborted) break;
      const wait = webhookBackoffMs(this.options.backoffBaseMs, attempt);
      reportDelivery(log, onOutcome, context, { kind: 'retrying', attempt, reason, retryInMs: wait });
      try {
        await delay(wait, undefined, { signal: this.stop.signal });
      } catch {
        break;
      }
    }
    reportDelivery(log, onOutcome, context, { kind: 'failed', attempts: made, reason });
  }
}
