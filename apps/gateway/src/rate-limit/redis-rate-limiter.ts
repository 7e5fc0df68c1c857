import type { Redis } from 'ioredis';
import { checkArguments, storageKey, type RateLimitDecision, type RateLimiter, type RateLimitRule } from './rate-limiter.js';

/**
 * Atomic steps of the sliding-window counter (see sliding-window.ts, which `step` mirrors line for
 * line), one per key of a batch: every call that arrived in the same event-loop turn goes to Redis
 * in one EVALSHA. Each KEYS[i] is a hash {s: window start, c: units this window, p: units last
 * window}; ARGV = now (0 = the Redis clock, so every replica shares one clock), then max, windowMs,
 * cost for each key. A key named twice is stepped twice, in order. Only allowed units are written,
 * so refused calls leave no trace and cost no write. Returns {allowed, remaining, resetMs} per key,
 * flattened.
 */
export const RATE_LIMIT_SCRIPT = `
local function step(key, max, window, cost, now)
  local state = redis.call('HMGET', key, 's', 'c', 'p')
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
    redis.call('HSET', key, 's', start, 'c', count, 'p', previous)
    redis.call('PEXPIRE', key, start + 2 * window - now)
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
  return allowed, remaining, reset
end
local now = tonumber(ARGV[1])
if now <= 0 then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local out = {}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 3
  local allowed, remaining, reset = step(KEYS[i], tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), now)
  out[#out + 1] = allowed
  out[#out + 1] = remaining
  out[#out + 1] = reset
end
return out
`;

interface RateLimitCommand {
  /** `numberOfKeys, ...keys, now, ...(max, windowMs, cost) per key`. */
  mcpgwRateLimit(...args: (string | number)[]): Promise<number[]>;
}

/** Most steps in one script call (a long batch would hold Redis, single-threaded, for too long). */
const MAX_BATCH = 256;

interface Pending {
  key: string;
  max: number;
  windowMs: number;
  cost: number;
  resolve(result: [number, number, number]): void;
  reject(error: unknown): void;
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
  private pending: Pending[] = [];

  constructor(redis: Redis, options: RedisRateLimiterOptions) {
    // No fixed numberOfKeys: each call names how many keys its batch has.
    redis.defineCommand('mcpgwRateLimit', { lua: RATE_LIMIT_SCRIPT });
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
    const [allowed, remaining, resetMs] = await this.step(this.redisKey(key), rule, cost);
    return { allowed, limit: rule.max, remaining, resetMs, backend: 'redis' };
  }

  async peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    checkArguments(0, rule);
    const [, remaining, resetMs] = await this.step(this.redisKey(key), rule, 0);
    return { allowed: remaining > 0 ? 1 : 0, limit: rule.max, remaining, resetMs, backend: 'redis' };
  }

  /**
   * Queues one step; the queue goes to Redis as one script call when the event loop turns (like
   * the stdio connection's corked writes): one socket write and one script run for every call that
   * arrived together, instead of one each.
   */
  private step(key: string, rule: RateLimitRule, cost: number): Promise<[number, number, number]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, max: rule.max, windowMs: rule.windowMs, cost, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.flush);
      else if (this.pending.length >= MAX_BATCH) this.flush();
    });
  }

  private readonly flush = (): void => {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const args: (string | number)[] = [batch.length];
    for (const item of batch) args.push(item.key);
    args.push(this.now?.() ?? 0);
    for (const item of batch) args.push(item.max, item.windowMs, item.cost);
    this.redis.mcpgwRateLimit(...args).then(
      (out) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve([out[i * 3]!, out[i * 3 + 1]!, out[i * 3 + 2]!]);
      },
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  };

  close(): Promise<void> {
    return Promise.resolve();
  }
}
