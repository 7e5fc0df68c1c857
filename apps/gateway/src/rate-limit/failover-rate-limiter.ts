import { redactUrl } from '@mcpgw/protocol';
import { Redis } from 'ioredis';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { checkArguments, type RateLimitDecision, type RateLimiter, type RateLimitRule } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** Hooks for metrics: the lead wires them to a gauge and a counter. */
export interface FailoverEvents {
  /** The backend answering calls changed (fired on changes only; the limiter starts on 'redis'). */
  onBackendChange(backend: 'redis' | 'memory'): void;
  /** One call was answered from memory because Redis was not usable. */
  onFallbackCall(): void;
}

/** The two log levels the failover limiter uses (a pino logger fits). */
export interface RateLimitLog {
  warn(o: object, m?: string): void;
  info(o: object, m?: string): void;
}

/** Options of {@link FailoverRateLimiter}. */
export interface FailoverRateLimiterOptions {
  /** May carry a password; it never reaches a log line. */
  redisUrl: string;
  /** Prepended to every Redis key: `<prefix>rl:<key>`. */
  prefix: string;
  log: RateLimitLog;
  events?: FailoverEvents | undefined;
  /** Bound on each Redis call (default 250 ms); past it the call is answered from memory. */
  commandTimeoutMs?: number | undefined;
  /** The fallback (default: a new MemoryRateLimiter with 50 000 keys at most). */
  memory?: MemoryRateLimiter;
  /** While Redis is connected but failing (errors, timeouts), how often one call tries it again (default 1000 ms). */
  retryIntervalMs?: number;
}

/** Default bound on one Redis call. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 250;
const DEFAULT_RETRY_INTERVAL_MS = 1_000;
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * Redis first; on a Redis error or timeout answers from memory, logs once per outage, and returns to
 * Redis when it is back. A request never waits on a dead Redis: while the connection is down calls go
 * straight to memory (no offline queue), each Redis call is bounded by `commandTimeoutMs`, and ioredis
 * keeps reconnecting in the background (every ≤ 1 s). During an outage each replica limits on its
 * own, so the effective limit is up to `max` × replicas.
 */
export class FailoverRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly remote: RedisRateLimiter;
  private readonly memory: MemoryRateLimiter;
  private readonly log: RateLimitLog;
  private readonly events: FailoverEvents | undefined;
  private readonly retryIntervalMs: number;
  private readonly target: string;
  private readonly password: string;
  private outage = false;
  private probing = false;
  private nextProbeAt = 0;
  private closed = false;

  constructor(options: FailoverRateLimiterOptions) {
    const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.memory = options.memory ?? new MemoryRateLimiter();
    this.log = options.log;
    this.events = options.events;
    this.retryIntervalMs = options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
    this.target = redactUrl(options.redisUrl);
    this.password = passwordOf(options.redisUrl);
    this.redis = new Redis(options.redisUrl, {
      commandTimeout,
      connectTimeout: Math.max(1_000, commandTimeout * 4),
      // How long close() lets a dying socket linger (ioredis default 2 s keeps the process alive that long).
      disconnectTimeout: commandTimeout,
      // Fail at once instead of queueing while disconnected, and never replay a call after a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableAutoPipelining: true,
      retryStrategy: (attempt) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    });
    this.remote = new RedisRateLimiter(this.redis, { prefix: options.prefix });
    this.redis.on('error', (error: unknown) => this.failed(error));
    this.redis.on('close', () => this.failed(new Error('connection closed')));
    this.redis.on('ready', () => this.recovered());
  }

  /** The backend the next call will most likely use. */
  get backend(): 'redis' | 'memory' {
    return !this.outage && this.redis.status === 'ready' ? 'redis' : 'memory';
  }

  async consume(key: string, cost: number, rule: RateLimitRule): Promise<RateLimitDecision> {
    checkArguments(cost, rule);
    return this.decide(
      () => this.remote.consume(key, cost, rule),
      () => this.memory.consumeNow(key, cost, rule),
    );
  }

  async peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    checkArguments(0, rule);
    return this.decide(
      () => this.remote.peek(key, rule),
      () => this.memory.peekNow(key, rule),
    );
  }

  /** Redis when it is usable (or this call is the probe of a failing connection), memory otherwise. */
  private async decide(remote: () => Promise<RateLimitDecision>, local: () => RateLimitDecision): Promise<RateLimitDecision> {
    const probe = this.route();
    if (probe !== undefined) {
      try {
        const decision = await remote();
        this.recovered();
        return decision;
      } catch (error) {
        this.failed(error);
      } finally {
        if (probe) this.probing = false;
      }
    }
    this.events?.onFallbackCall();
    return local();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
    await this.memory.close();
  }

  /**
   * Whether this call goes to Redis: undefined = memory; false = Redis, normal; true = Redis as the one
   * probe of a connection that is up but was failing.
   */
  private route(): boolean | undefined {
    if (this.redis.status !== 'ready') return undefined;
    if (!this.outage) return false;
    if (this.probing || performance.now() < this.nextProbeAt) return undefined;
    this.probing = true;
    return true;
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    this.nextProbeAt = performance.now() + this.retryIntervalMs;
    if (this.outage) return;
    this.outage = true;
    this.log.warn(
      { redis: this.target, err: this.describe(error) },
      'Redis is unreachable: rate limits fall back to this process until it is back',
    );
    this.events?.onBackendChange('memory');
  }

  private recovered(): void {
    if (!this.outage || this.closed) return;
    this.outage = false;
    this.log.info({ redis: this.target }, 'Redis is back: rate limits are shared again');
    this.events?.onBackendChange('redis');
  }

  private describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return this.password ? message.split(this.password).join('***') : message;
  }
}


function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
