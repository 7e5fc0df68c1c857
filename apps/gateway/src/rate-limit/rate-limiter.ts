import { createHash } from 'node:crypto';

/** At most `max` units per `windowMs` for one key. */
export interface RateLimitRule {
  max: number;
  windowMs: number;
}

/** The answer to one `consume` or `peek`; the numbers behind the `RateLimit-*` headers. */
export interface RateLimitDecision {
  /** How many of `cost` units were allowed (0..cost); the first `allowed` calls proceed. */
  allowed: number;
  /** `rule.max`. */
  limit: number;
  /** Units left after this consume (>= 0). */
  remaining: number;
  /**
   * Ms until the window moves on (>= 0). When `remaining` is 0 it is instead the time until the next
   * unit frees up, so it can be used directly as Retry-After.
   */
  resetMs: number;
  backend: 'redis' | 'memory';
}

/**
 * Counts units per key (an agent identity, a peer address, ...) in a sliding window. Refused units
 * are never counted, so a caller that keeps retrying is not pushed further out.
 */
export interface RateLimiter {
  /** Takes up to `cost` units; a batch of `cost` calls may be partially allowed. */
  consume(key: string, cost: number, rule: RateLimitRule): Promise<RateLimitDecision>;
  /** Current state without consuming (used to refuse a peer that already failed auth too often); allowed = 1 when remaining > 0 else 0. */
  peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Keys longer than this are stored as a hash, so caller-chosen keys cannot inflate memory or Redis. */
export const MAX_KEY_LENGTH = 200;

/** The key as stored: itself when short, else `#` + its SHA-256 (base64url). */
export function storageKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `#${createHash('sha256').update(key).digest('base64url')}`;
}

/** Throws on a rule or cost the window arithmetic cannot take (a programming error, not a caller's). */
export function checkArguments(cost: number, rule: RateLimitRule): void {
  if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`rate limit cost must be an integer >= 0 (got ${cost})`);
  if (!Number.isSafeInteger(rule.max) || rule.max < 1) throw new RangeError(`rate limit max must be an integer >= 1 (got ${rule.max})`);
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new RangeError(`rate limit windowMs must be an integer >= 1 (got ${rule.windowMs})`);
  }
}
