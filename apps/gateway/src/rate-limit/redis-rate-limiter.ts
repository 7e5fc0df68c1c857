import type { Redis } from 'ioredis';
import { checkArguments, storageKey, type RateLimitDecision, type RateLimiter, type RateLimitRule } from './rate-limiter.js';

/**
 * One atomic step of the sliding-window counter (see sliding-window.ts, which this mirrors line for
 * line). KEYS[1] is a hash {s: window start, c: units this window, p: units last window};
 * ARGV = max, windowMs, cost, now (0 = the Redis clock, so every replica shares one clock).
 * Only allowed units are written, so refused calls leave no trace and cost no write.
 * Returns {allowed, remaining, resetMs}.
 */
export const RATE_LIMIT_SCRIPT = `
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now <= 0 then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 's', 'c', 'p')
local start = tonumber(state[1])
local count = tonumber(state[2]) or 0
local previous = tonumber(state[3]) or 0
if start == nil then
  start = now
  count = 0
  previous = 0
elseif now - start >= window then
  local windows = math.floor((now - start) / window)
  if windows == 1 then previous = count else previous = 0 end
  count = 0
  start = start + windows * window
end
local elapsed = now - start
if elapsed < 0 then elapsed = 0 end
local free = math.floor((max * window - previous * (window - elapsed)) / window) - count
if free < 0 then free = 0 end
local allowed = cost
if allowed > free then allowed = free end
if allowed > 0 then
  count = count + allowed
  redis.call('HSET', KEYS[1], 's', start, 'c', count, 'p', previous)
  redis.call('PEXPIRE', KEYS[1], start + 2 * window - now)
end
local remaining = free - allowed
local reset
if remaining > 0 then
  reset = window - elapsed
elseif count < max then
  reset = math.ceil(window - (max - count - 1) * window / previous) - elapsed
else
  reset = window - elapsed + math.ceil(window - (max - 1) * window / count)
end
if reset < 0 then reset = 0 end
return { allowed, remaining, reset }
`;

interface RateLimitCommand {
  mcpgwRateLimit(key: string, max: number, windowMs: number, cost: number, now: number): Promise<[number, number, number]>;
}

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** Prepended to every key: keys are `<prefix>rl:<key>`. */
  prefix: string;
  /** Tests only: a fake clock in ms (> 0). Production uses the Redis server's clock, shared by every replica. */
  now?: () => number;
}

/**
 * Limits shared by every gateway replica: one EVALSHA per call (ioredis `defineCommand`), atomic in
 * Redis. Throws whatever the connection throws; {@link FailoverRateLimiter} turns that into a fallback.
 * The connection belongs to the caller (`close()` leaves it open).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis & RateLimitCommand;
  private readonly keyPrefix: string;
  private readonly now: (() => number) | undefined;

  constructor(redis: Redis, options: RedisRateLimiterOptions) {
    redis.defineCommand('mcpgwRateLimit', { numberOfKeys: 1, lua: RATE_LIMIT_SCRIPT });
    this.redis = redis as Redis & RateLimitCommand;
    this.keyPrefix = `${options.prefix}rl:`;
    this.now = options.now;
  }

  /** The Redis key that holds `key`'s window. */
  redisKey(key: string): string {
    return this.keyPrefix + storageKey(key);
  }

  async consume(key: string, cost: number, rule: RateLimitRule): Promise<RateLimitDecision> {
    checkArguments(cost, rule);
    const [allowed, remaining, resetMs] = await this.redis.mcpgwRateLimit(this.redisKey(key), rule.max, rule.windowMs, cost, this.now?.() ?? 0);
    return { allowed, limit: rule.max, remaining, resetMs, backend: 'redis' };
  }

  async peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    checkArguments(0, rule);
    const [, remaining, resetMs] = await this.redis.mcpgwRateLimit(this.redisKey(key), rule.max, rule.windowMs, 0, this.now?.() ?? 0);
    return { allowed: remaining > 0 ? 1 : 0, limit: rule.max, remaining, resetMs, backend: 'redis' };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
