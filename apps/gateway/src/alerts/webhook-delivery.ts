import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { GatewayLogger } from '../logger.js';
import { resolveWebhookTarget, WebhookTargetRefused, type Resolver } from './ssrf-guard.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature.js';

export type AlertEvent = 'opened' | 'resolved' | 'acknowledged';

/** How a delivery to one URL ended: delivered, failed after every attempt, or refused (SSRF guard, 3xx/4xx, URL no longer configured). */
export type DeliveryOutcome = 'delivered' | 'failed' | 'refused';

/** What one attempt needs besides the URL and body; the secret never leaves the process (not queued). */
export interface WebhookTransport {
  secret: string;
  allowHosts: readonly string[];
  /** Per attempt, connect to last byte. */
  timeoutMs: number;
  resolver?: Resolver;
}

/** One attempt's result: delivered (2xx), worth retrying (network error, timeout, 408, 429, 5xx), or refused for good. */
export type AttemptResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: string; status?: number }
  | { kind: 'refused'; reason: string; status?: number };

/** Jitter of the back-off between attempts: each wait is 75–100 % of its exponential value (BullMQ's `jitter`). */
export const WEBHOOK_BACKOFF_JITTER = 0.25;

/**
 * The wait after failed attempt `attemptsMade` (1-based): `baseMs × 2^(attemptsMade−1)`, less up to
 * WEBHOOK_BACKOFF_JITTER — the formula of BullMQ's `{type: 'exponential', delay, jitter}`, which the
 * durable queue uses, so both delivery paths space attempts alike.
 */
export function webhookBackoffMs(baseMs: number, attemptsMade: number): number {
  const max = Math.round(2 ** (attemptsMade - 1) * baseMs);
  return Math.floor(max * (1 - WEBHOOK_BACKOFF_JITTER) + Math.random() * max * WEBHOOK_BACKOFF_JITTER);
}

/** How a webhook is named in logs and listings: origin and path, never the query string (it may hold a token). */
export function webhookLabel(url: string | URL): string {
  const target = typeof url === 'string' ? new URL(url) : url;
  return `${target.origin}${target.pathname}`;
}

/**
 * One signed POST of `body` to `url`: the host passes the SSRF guard first (a refusal sends nothing),
 * the request connects to the checked address, and carries a fresh X-MCPGW-Timestamp and signature
 * with the delivery's fixed X-MCPGW-Delivery. Redirects are never followed (a 3xx is a refusal: it
 * could point anywhere). Never throws: every failure is a result.
 */
export async function attemptWebhook(url: URL, body: string, delivery: string, transport: WebhookTransport, signal?: AbortSignal): Promise<AttemptResult> {
  try {
    const status = await post(url, body, delivery, transport, signal);
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    const retry = status === 408 || status === 429 || status >= 500;
    const reason = `HTTP ${status}`;
    return retry ? { kind: 'retry', reason, status } : { kind: 'refused', reason: `the receiver answered ${reason}; not retried`, status };
  } catch (error) {
    if (error instanceof WebhookTargetRefused) return { kind: 'refused', reason: error.message };
    return { kind: 'retry', reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

/** Who a delivery is, in logs. */
export interface DeliveryContext {
  webhook: string;
  event: string;
  delivery: string;
}

/**
 * The log line and outcome of a delivery step, the same for the in-memory and the queued path:
 * delivered (info), retrying (warn), refused or failed after every attempt (error).
 */
export function reportDelivery(
  log: GatewayLogger,
  onOutcome: ((outcome: DeliveryOutcome) => void) | undefined,
  context: DeliveryContext,
  step:
    | { kind: 'delivered'; attempt: number; status: number }
    | { kind: 'retrying'; attempt: number; reason: string; retryInMs: number }
    | { kind: 'refused'; attempt: number; reason: string; status?: number }
    | { kind: 'failed'; attempts: number; reason: string },
): void {
  switch (step.kind) {
    case 'delivered':
      log.info({ ...context, attempt: step.attempt, status: step.status }, 'alert webhook delivered');
      onOutcome?.('delivered');
      return;
    case 'retrying':
      log.warn({ ...context, attempt: step.attempt, reason: step.reason, retryInMs: Math.round(step.retryInMs) }, 'alert webhook delivery failed; retrying');
      return;
    case 'refused':
      log.error({ ...context, attempt: step.attempt, status: step.status }, `alert webhook delivery refused: ${step.reason}`);
      onOutcome?.('refused');
      return;
    case 'failed':
      log.error({ ...context, attempts: step.attempts, reason: step.reason }, 'alert webhook delivery failed after every attempt');
      onOutcome?.('failed');
      return;
  }
}

/** One POST to the checked address; resolves with the status code (the body is drained, unread). */
async function post(target: URL, body: string, delivery: string, transport: WebhookTransport, signal: AbortSignal | undefined): Promise<number> {
  const { address, family } = await resolveWebhookTarget(target, transport.allowHosts, transport.resolver);
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
        timeout: transport.timeoutMs,
        ...(signal ? { signal } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'mcp-gateway-alerts',
          [SIGNATURE_HEADER]: signWebhook(transport.secret, timestamp, body),
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
