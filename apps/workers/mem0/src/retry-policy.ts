import { setTimeout as sleepFor } from 'node:timers/promises';

/** How requests are retried: a few attempts, exponential back-off with jitter, Retry-After honoured up to a bound. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Back-off before the second attempt; doubles after each failure. */
  baseDelayMs: number;
  /** No single back-off is longer than this. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails at once and reports it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 30_000 };

/** Back-off before attempt `failedAttempts + 1`: base × 2^(n-1), capped, half fixed and half random. */
export function backoffDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`; rejects as soon as `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, signal ? { signal } : undefined);
}
