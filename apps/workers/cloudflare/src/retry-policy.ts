/** How requests are retried: a few attempts, exponential back-off with jitter, Cloudflare's retry-after honoured up to a bound. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Back-off before the second attempt; doubles after each failure. */
  baseDelayMs: number;
  /** No single back-off is longer than this. */
  maxDelayMs: number;
  /**
   * A retry-after longer than this is not waited for: the call fails at once and reports it. Cloudflare
   * blocks a token for the rest of its 5-minute window, so waits can be minutes; a tool call should not.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 30_000 };

/** Back-off before attempt `failedAttempts + 1`: base × 2^(n-1), capped, half fixed and half random. */
export function backoffDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * The wait a 429 asks for, in ms: `retry-after` (seconds or an HTTP date), else the `t=` (seconds to
 * reset) of Cloudflare's `Ratelimit: "default";r=0;t=30` header; undefined when neither is readable.
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const header = headers.get('retry-after')?.trim();
  if (header) {
    if (/^\d+(\.\d+)?$/.test(header)) return Math.round(Number(header) * 1_000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = /(?:^|;)\s*t=(\d+)/.exec(headers.get('ratelimit') ?? '')?.[1];
  return reset === undefined ? undefined : Number(reset) * 1_000;
}

/** Waits `ms`, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
