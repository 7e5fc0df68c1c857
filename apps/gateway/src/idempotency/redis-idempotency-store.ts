import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BeginOptions, BeginResult, IdempotencyStore, IdempotencyTimings } from './idempotency-store.js';
import { IdempotencyUnavailableError, storageKey } from './idempotency-store.js';

/**
 * Claims a key atomically. KEYS[1] is a hash {s: p (in flight) | d (done), f: fingerprint,
 * t: owner token (in flight), r: result JSON (done)}; ARGV = fingerprint, token, in-flight TTL ms.
 * Returns {'new'} | {'mismatch'} | {'in_flight'} | {'replay', result}.
 */
export const BEGIN_SCRIPT = `
local state = redis.call('HMGET', KEYS[1], 's', 'f', 'r')
if not state[1] then
  redis.call('HSET', KEYS[1], 's', 'p', 'f', ARGV[1], 't', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'new'}
end
if state[2] ~= ARGV[1] then return {'mismatch'} end
if state[1] == 'p' then return {'in_flight'} end
return {'replay', state[3]}
`;

/** Stores the result if the caller still owns the in-flight marker. ARGV = token, result JSON, TTL ms. */
export const COMPLETE_SCRIPT = `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'd', 'r', ARGV[2])
redis.call('HDEL', KEYS[1], 't')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Releases the key if the caller still owns the in-flight marker. ARGV = token. */
export const FAIL_SCRIPT = `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

interface IdempotencyCommands {
  mcpgwIdemBegin(key: string, fingerprint: string, token: string, inFlightTtlMs: number): Promise<string[]>;
  mcpgwIdemComplete(key: string, token: string, result: string, ttlMs: number): Promise<number>;
  mcpgwIdemFail(key: string, token: string): Promise<number>;
}

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions extends IdempotencyTimings {
  /** Keys are `<prefix>idem:<sha256(agent, key)>`. */
  prefix: string;
}

/**
 * Idempotency shared by every replica on one Redis: each step is one atomic script (EVALSHA), so
 * of any number of parallel same-key calls on any replicas exactly one gets `new`. A Redis error
 * becomes {@link IdempotencyUnavailableError} (503): the call is refused, not run unguarded.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis & IdempotencyCommands;
  private readonly keyPrefix: string;

  /** `redis` belongs to the caller unless `owned` (then close() quits it). */
  constructor(
    redis: Redis,
    private readonly options: RedisIdempotencyStoreOptions,
    private readonly owned = false,
  ) {
    redis.defineCommand('mcpgwIdemBegin', { numberOfKeys: 1, lua: BEGIN_SCRIPT });
    redis.defineCommand('mcpgwIdemComplete', { numberOfKeys: 1, lua: COMPLETE_SCRIPT });
    redis.defineCommand('mcpgwIdemFail', { numberOfKeys: 1, lua: FAIL_SCRIPT });
    this.redis = redis as Redis & IdempotencyCommands;
    this.keyPrefix = `${options.prefix}idem:`;
  }

  /**
   * A store with its own connection: no offline queue (a call never waits on a dead Redis) and a
   * bounded command time; ioredis reconnects in the background.
   */
  static connect(url: string, options: RedisIdempotencyStoreOptions & { commandTimeoutMs?: number; onError?: (error: unknown) => void }): RedisIdempotencyStore {
    const commandTimeout = options.commandTimeoutMs ?? 2_000;
    const redis = new Redis(url, {
      commandTimeout,
      connectTimeout: Math.max(1_000, commandTimeout * 2),
      disconnectTimeout: commandTimeout,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableAutoPipelining: true,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
    });
    redis.on('error', (error: unknown) => options.onError?.(error));
    return new RedisIdempotencyStore(redis, options, true);
  }

  /** Calls `listener` each time the connection becomes ready (logging the end of an outage). */
  onReady(listener: () => void): void {
    this.redis.on('ready', listener);
  }

  /** The Redis key holding `agent`'s `key`. */
  redisKey(agent: string, key: string): string {
    return this.keyPrefix + storageKey(agent, key);
  }

  async begin(agent: string, key: string, fingerprint: string, options: BeginOptions = {}): Promise<BeginResult> {
    const id = this.redisKey(agent, key);
    const token = randomBytes(12).toString('base64url');
    let answer: string[];
    try {
      answer = await this.redis.mcpgwIdemBegin(id, fingerprint, token, options.inFlightTtlMs ?? this.options.inFlightTtlMs);
    } catch (error) {
      throw new IdempotencyUnavailableError(error);
    }
    switch (answer[0]) {
      case 'new':
        return {
          kind: 'new',
          complete: async (result: unknown) => {
            try {
              await this.redis.mcpgwIdemComplete(id, token, JSON.stringify(result), this.options.ttlMs);
            } catch (error) {
              throw new IdempotencyUnavailableError(error);
            }
          },
          fail: async () => {
            try {
              await this.redis.mcpgwIdemFail(id, token);
            } catch (error) {
              throw new IdempotencyUnavailableError(error);
            }
          },
        };
      case 'replay':
        return { kind: 'replay', result: JSON.parse(answer[1]!) as unknown };
      case 'mismatch':
        return { kind: 'mismatch' };
      default:
        return { kind: 'in_flight' };
    }
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
