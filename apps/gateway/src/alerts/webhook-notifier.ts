import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayLogger } from '../logger.js';
import { resolveWebhookTarget, WebhookTargetRefused, type Resolver } from './ssrf-guard.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature.js';

export type AlertEvent = 'opened' | 'resolved' | 'acknowledged';

/** How a delivery to one URL ended: delivered, failed after every attempt, or refused before any (SSRF guard, 3xx/4xx). */
export type DeliveryOutcome = 'delivered' | 'failed' | 'refused';

export interface WebhookNotifierOptions {
  urls: readonly string[];
  secret: string;
  allowHosts: readonly string[];
  /** Attempts per URL and event (first try included). */
  attempts: number;
  /** Per attempt, connect to last byte. */
  timeoutMs: number;
  /** First back-off; doubled after each failed attempt, with ±25 % jitter, capped at 30 s. */
  backoffBaseMs: number;
  log: GatewayLogger;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  resolver?: Resolver;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Posts alert events to every ALERT_WEBHOOK_URLS entry: JSON `{event, alert, sentAt}`, signed (see
 * webhook-signature.ts), retried with exponential back-off on network errors, timeouts, 429 and 5xx.
 * Redirects are never followed (a 3xx is a refusal: it could point anywhere). Deliveries run in the
 * background; `close()` waits for the ones in progress up to a deadline. Each delivery carries
 * X-MCPGW-Delivery (one id for all its attempts) so receivers can drop duplicates.
 */
export class WebhookNotifier {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  private readonly stop = new AbortController();

  constructor(private readonly options: WebhookNotifierOptions) {}

  get enabled(): boolean {
    return this.options.urls.length > 0;
  }

  /** Queues the event for every URL and returns at once. */
  notify(event: AlertEvent, alert: Record<string, unknown>): void {
    if (!this.enabled || this.closed) return;
    const body = JSON.stringify({ event, alert, sentAt: new Date().toISOString() });
    const delivery = randomUUID();
    for (const url of this.options.urls) {
      const task = this.deliver(url, body, delivery, event).finally(() => this.pending.delete(task));
      this.pending.add(task);
    }
  }

  /** Waits for deliveries in progress (retries included) until `deadlineMs`, then abandons them. */
  async close(deadlineMs: number): Promise<void> {
    this.closed = true;
    if (this.pending.size === 0) return;
    const timer = delay(deadlineMs, undefined, { ref: false }).then(() => this.stop.abort());
    await Promise.race([Promise.allSettled([...this.pending]), timer]);
    this.stop.abort();
  }

  private async deliver(url: string, body: string, delivery: string, event: AlertEvent): Promise<void> {
    const { attempts, log } = this.options;
    const target = new URL(url);
    const where = `${target.origin}${target.pathname}`; // never the query string: it may hold a token
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.stop.signal.aborted) break;
      let result: { retry: boolean; reason: string; status?: number };
      try {
        const status = await this.post(target, body, delivery);
        if (status >= 200 && status < 300) {
          log.info({ webhook: where, event, delivery, attempt, status }, 'alert webhook delivered');
          this.options.onOutcome?.('delivered');
          return;
        }
        result = { retry: status === 429 || status >= 500, reason: `HTTP ${status}`, status };
      } catch (error) {
        if (error instanceof WebhookTargetRefused) {
          log.error({ webhook: where, event, delivery }, error.message);
          this.options.onOutcome?.('refused');
          return;
        }
        result = { retry: true, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
      }
      if (!result.retry) {
        log.error({ webhook: where, event, delivery, attempt, status: result.status }, `alert webhook refused the delivery (${result.reason}); not retried`);
        this.options.onOutcome?.('refused');
        return;
      }
      if (attempt < attempts) {
        const wait = Math.min(MAX_BACKOFF_MS, this.options.backoffBaseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
        log.warn({ webhook: where, event, delivery, attempt, reason: result.reason, retryInMs: Math.round(wait) }, 'alert webhook delivery failed; retrying');
        try {
          await delay(wait, undefined, { signal: this.stop.signal });
        } catch {
          break;
        }
      } else {
        log.error({ webhook: where, event, delivery, attempts, reason: result.reason }, 'alert webhook delivery failed after every attempt');
      }
    }
    this.options.onOutcome?.('failed');
  }

  /** One POST to the checked address; resolves with the status code (the body is drained, unread). */
  private async post(target: URL, body: string, delivery: string): Promise<number> {
    const { address, family } = await resolveWebhookTarget(target, this.options.allowHosts, this.options.resolver);
    const timestamp = Math.floor(Date.now() / 1000);
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return await new Promise<number>((resolve, reject) => {
      const req = send(
        target,
        {
          method: 'POST',
          lookup: pinned,
          timeout: this.options.timeoutMs,
          signal: this.stop.signal,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'mcp-gateway-alerts',
            [SIGNATURE_HEADER]: signWebhook(this.options.secret, timestamp, body),
            [TIMESTAMP_HEADER]: String(timestamp),
            [DELIVERY_HEADER]: delivery,
          },
        },
        (res: IncomingMessage) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }
}
