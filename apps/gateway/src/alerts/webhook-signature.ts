import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a signed webhook delivery. */
export const SIGNATURE_HEADER = 'x-mcpgw-signature';
export const TIMESTAMP_HEADER = 'x-mcpgw-timestamp';
export const DELIVERY_HEADER = 'x-mcpgw-delivery';

/**
 * The signature of a delivery: `sha256=` + hex HMAC-SHA256, keyed with ALERT_WEBHOOK_SECRET, of
 * `<timestamp>.<body>`. The timestamp (unix seconds, also sent in X-MCPGW-Timestamp) is inside the
 * MAC so a captured delivery cannot be replayed later with a fresh timestamp.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (also the reference for docs/alerts.md): recompute, compare in constant time,
 * and refuse timestamps further than `toleranceSec` from its own clock.
 */
export function verifyWebhook(secret: string, headers: { signature: string | undefined; timestamp: string | undefined }, body: string, nowSec = Math.floor(Date.now() / 1000), toleranceSec = 300): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
