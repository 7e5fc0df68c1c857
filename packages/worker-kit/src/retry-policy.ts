/**
 * How a worker's client retries an upstream: a few attempts, exponential back-off with jitter, and the
 * upstream's Retry-After honoured up to a bound. One policy for every worker; a worker whose defaults
 * differ keeps its own values and passes them in.
 */
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

/** What `backoffDelayMs` needs of a policy. */
export type BackoffPolicy = Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 30_000 });

/**
 * Back-off before attempt `failedAttempts + 1`: base × 2^(n-1), capped at maxDelayMs, with "equal jitter"
 * (half fixed, half random) so concurrent callers do not retry in lock-step yet never retry immediately.
 */
export function backoffDelayMs(failedAttempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Parses a Retry-After header (delta-seconds or an HTTP-date) into milliseconds; undefined when absent, empty or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1_000);
  // An HTTP-date names its month; without that guard Date.parse reads garbage such as "-5" as a year.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (at once when it already has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
