import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `mcpgw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const rule = { max: 10, windowMs: 60_000 };

describe('RedisRateLimiter', () => {
  // Two connections and two limiters: two gateway replicas sharing one Redis.
  let redisA: Redis;
  let redisB: Redis;
  let replicaA: RedisRateLimiter;
  let replicaB: RedisRateLimiter;
  let n = 0;
  const key = (): string => `agent-${++n}`;

  beforeAll(() => {
    redisA = new Redis(REDIS_URL, { enableAutoPipelining: true });
    redisB = new Redis(REDIS_URL, { enableAutoPipelining: true });
    replicaA = new RedisRateLimiter(redisA, { prefix });
    replicaB = new RedisRateLimiter(redisB, { prefix });
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redisA.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length > 0) await redisA.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await Promise.all([redisA.quit(), redisB.quit()]);
  });

  it('lets two replicas sharing a key allow exactly max in total under concurrency', async () => {
    const k = key();
    const decisions = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? replicaA : replicaB).consume(k, 1, { max: 100, windowMs: 60_000 })),
    );
    expect(decisions.reduce((sum, d) => sum + d.allowed, 0)).toBe(100);
    expect(decisions.every((d) => d.backend === 'redis' && d.limit === 100)).toBe(true);
    expect((await replicaB.peek(k, { max: 100, windowMs: 60_000 })).remaining).toBe(0);
  });

  it('allows exactly max in total for concurrent batches, splitting the one that does not fit', async () => {
    const k = key();
    const decisions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? replicaA : replicaB).consume(k, 3, { max: 100, windowMs: 60_000 })),
    );
    const allowed = decisions.map((d) => d.allowed);
    expect(allowed.reduce((sum, a) => sum + a, 0)).toBe(100);
    expect(allowed.filter((a) => a === 1)).toHaveLength(1);
  });

  it('partially allows a batch that does not fit', async () => {
    const k = key();
    expect(await replicaA.consume(k, 7, rule)).toMatchObject({ allowed: 7, limit: 10, remaining: 3, backend: 'redis' });
    expect(await replicaB.consume(k, 7, rule)).toMatchObject({ allowed: 3, remaining: 0 });
    expect(await replicaA.consume(k, 1, rule)).toMatchObject({ allowed: 0, remaining: 0 });
  });

  it('counts only allowed units and leaves refused calls without a trace', async () => {
    const k = key();
    expect((await replicaA.consume(k, 15, rule)).allowed).toBe(10);
    const stored = await redisA.hgetall(replicaA.redisKey(k));
    expect(stored['c']).toBe('10');
    for (let i = 0; i < 5; i++) expect((await replicaB.consume(k, 4, rule)).allowed).toBe(0);
    expect(await redisA.hgetall(replicaA.redisKey(k))).toEqual(stored);
  });

  it('sets a TTL of at most two windows on the key', async () => {
    const k = key();
    await replicaA.consume(k, 1, rule);
    const ttl = await redisA.pttl(replicaA.redisKey(k));
    expect(ttl).toBeGreaterThan(rule.windowMs);
    expect(ttl).toBeLessThanOrEqual(2 * rule.windowMs);
  });

  it('peek neither consumes nor creates a key', async () => {
    const k = key();
    expect(await replicaA.peek(k, rule)).toEqual({ allowed: 1, limit: 10, remaining: 10, resetMs: 60_000, backend: 'redis' });
    expect(await redisA.exists(replicaA.redisKey(k))).toBe(0);
    await replicaA.consume(k, 10, rule);
    expect(await replicaB.peek(k, rule)).toMatchObject({ allowed: 0, remaining: 0 });
  });

  it('stores keys under <prefix>rl:, hashing long ones', async () => {
    expect(replicaA.redisKey('agent')).toBe(`${prefix}rl:agent`);
    const long = `${'y'.repeat(500)}-${++n}`;
    const redisKey = replicaA.redisKey(long);
    expect(redisKey.length).toBeLessThan(prefix.length + 64);
    await replicaA.consume(long, 10, rule);
    expect(await redisA.exists(redisKey)).toBe(1);
    expect((await replicaB.peek(long, rule)).remaining).toBe(0);
  });

  it('decides exactly like the memory limiter for the same clock and traffic', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        // Redis expires a window's key after at least one window of *real* time while this test moves a
        // fake clock: windows of 2 s and more keep a key from expiring in the middle of a run.
        fc.integer({ min: 2_000, max: 5_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6_000 }), fc.integer({ min: 0, max: 25 }), fc.boolean()), { minLength: 1, maxLength: 25 }),
        async (max, windowMs, steps) => {
          const clock = { now: 1_000_000 };
          const memory = new MemoryRateLimiter({ now: () => clock.now });
          const redis = new RedisRateLimiter(redisA, { prefix, now: () => clock.now });
          const k = key();
          const r = { max, windowMs };
          for (const [dt, cost, peek] of steps) {
            clock.now += dt;
            const fromRedis = peek ? await redis.peek(k, r) : await redis.consume(k, cost, r);
            const fromMemory = peek ? await memory.peek(k, r) : await memory.consume(k, cost, r);
            expect({ ...fromRedis, backend: 'memory' }).toEqual(fromMemory);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
