import { FailoverRateLimiter, type FailoverEvents, type RateLimitLog } from './failover-rate-limiter.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/** Options of {@link createRateLimiter}. */
export interface CreateRateLimiterOptions {
  /** Shared limits through this Redis when set; per-process limits otherwise. */
  redisUrl?: string | undefined;
  /** Prepended to every Redis key: `<prefix>rl:<key>`. */
  prefix: string;
  log: RateLimitLog;
  events?: FailoverEvents | undefined;
  /** Bound on each Redis call (default 250 ms). */
  commandTimeoutMs?: number | undefined;
}

/** Redis (with in-memory fallback) when `redisUrl` is set, else memory only. */
export function createRateLimiter(options: CreateRateLimiterOptions): RateLimiter {
  if (!options.redisUrl) return new MemoryRateLimiter();
  return new FailoverRateLimiter({
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    log: options.log,
    events: options.events,
    commandTimeoutMs: options.commandTimeoutMs,
  });
}
