import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startTcpProxy, waitFor, type TcpProxy } from '@mcpgw/test-support';
import { createRateLimiter } from './create-rate-limiter.js';
import { FailoverRateLimiter, type FailoverEvents, type RateLimitLog } from './failover-rate-limiter.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimitDecision } from './rate-limiter.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `mcpgw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const rule = { max: 10, windowMs: 60_000 };
/** Far beyond the 250 ms bound on a Redis call: only a call that hangs on a dead Redis takes this long. */
const HANG_MS = 2_000;

function recorder() {
  const warns: { o: object; m: string | undefined }[] = [];
  const infos: { o: object; m: string | undefined }[] = [];
  const backends: string[] = [];
  let fallbackCalls = 0;
  const log: RateLimitLog = {
    warn: (o, m) => warns.push({ o, m }),
    info: (o, m) => infos.push({ o, m }),
  };
  const events: FailoverEvents = {
    onBackendChange: (backend) => backends.push(backend),
    onFallbackCall: () => void fallbackCalls++,
  };
  return { warns, infos, backends, log, events, fallbackCalls: () => fallbackCalls };
}

let admin: Redis;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
});

describe('FailoverRateLimiter', () => {
  let proxy: TcpProxy;

  beforeAll(async () => {
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 6379) } });
  });

  afterAll(async () => {
    await proxy.close();
  });

  it('falls back to memory while Redis is cut off, logs once per outage, and returns to Redis', async () => {
    const rec = recorder();
    const limiter = new FailoverRateLimiter({ redisUrl: proxy.url('redis'), prefix, log: rec.log, events: rec.events, retryIntervalMs: 100 });
    let slowest = 0;
    const timed = async (call: Promise<RateLimitDecision>): Promise<RateLimitDecision> => {
      const started = performance.now();
      const decision = await call;
      slowest = Math.max(slowest, performance.now() - started);
      return decision;
    };
    try {
      await waitFor(async () => (await timed(limiter.consume('warm-up', 1, rule))).backend === 'redis', 10_000, 'the Redis backend');
      expect((await timed(limiter.consume('shared', 4, rule))).backend).toBe('redis');
      expect(await admin.hget(`${prefix}rl:shared`, 'c')).toBe('4');
      expect(rec.warns).toHaveLength(0);

      proxy.cut();
      const during: RateLimitDecision[] = [];
      // Many calls over a second or so, while ioredis keeps trying to reconnect through the cut proxy.
      for (let round = 0; round < 15; round++) {
        during.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => timed(limiter.consume(`outage-${i}`, 1, rule))))));
        await new Promise((resolve) => setTimeout(resolve, 75));
      }
      expect(during.every((d) => d.backend === 'memory')).toBe(true);
      // Memory still limits: each key got 15 calls and max 10 of them were allowed.
      expect(during.reduce((sum, d) => sum + d.allowed, 0)).toBe(20 * 10);
      expect((await timed(limiter.peek('outage-0', rule))).backend).toBe('memory');
      expect(rec.warns).toHaveLength(1);
      expect(rec.backends).toEqual(['memory']);
      expect(rec.fallbackCalls()).toBeGreaterThanOrEqual(during.length);

      proxy.restore();
      await waitFor(async () => (await timed(limiter.consume('after', 1, rule))).backend === 'redis', 10_000, 'the return to Redis');
      expect(rec.backends).toEqual(['memory', 'redis']);
      expect(rec.infos).toHaveLength(1);
      expect(rec.warns).toHaveLength(1);
      // Back on the shared counter, which kept the units counted before the outage.
      expect(await timed(limiter.consume('shared', 10, rule))).toMatchObject({ allowed: 6, remaining: 0, backend: 'redis' });
      expect(slowest).toBeLessThan(HANG_MS);

      // A second outage is a new one: logged again, once.
      proxy.cut();
      await waitFor(async () => (await timed(limiter.consume('again', 1, rule))).backend === 'memory', 10_000, 'the second fallback');
      await Promise.all(Array.from({ length: 50 }, () => timed(limiter.consume('again', 1, rule))));
      expect(rec.warns).toHaveLength(2);
      expect(rec.backends).toEqual(['memory', 'redis', 'memory']);
      proxy.restore();
      await waitFor(async () => (await limiter.consume('again', 1, rule)).backend === 'redis', 10_000, 'the second return');
    } finally {
      await limiter.close();
      proxy.restore();
    }
  });

  it('falls back while a connected Redis refuses the calls, and probes it until it accepts them again', async () => {
    // A real ACL user that may not run scripts: the connection is up, yet every call fails.
    const user = `mcpgw-test-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-eval', '-evalsha');
    const rec = recorder();
    const target = new URL(REDIS_URL);
    target.username = user;
    target.password = password;
    const limiter = new FailoverRateLimiter({ redisUrl: target.toString(), prefix, log: rec.log, events: rec.events, retryIntervalMs: 100 });
    try {
      await waitFor(async () => (await limiter.consume('probe', 1, rule)).backend === 'memory' && rec.warns.length > 0, 10_000, 'the fallback');
      const decisions = await Promise.all(Array.from({ length: 30 }, () => limiter.consume('probe', 1, rule)));
      expect(decisions.every((d) => d.backend === 'memory')).toBe(true);
      expect(rec.warns).toHaveLength(1);
      expect(JSON.stringify(rec.warns)).toContain('NOPERM');
      expect(JSON.stringify(rec.warns)).not.toContain(password);
      expect(rec.backends).toEqual(['memory']);

      await admin.call('ACL', 'SETUSER', user, '+eval', '+evalsha');
      await waitFor(async () => (await limiter.consume('probe', 1, rule)).backend === 'redis', 10_000, 'the return to Redis');
      expect(rec.backends).toEqual(['memory', 'redis']);
      expect(rec.infos).toHaveLength(1);
      expect(rec.warns).toHaveLength(1);
    } finally {
      await limiter.close();
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  it('answers from memory when Redis was never reachable, and keeps the password out of logs', async () => {
    const dead = await startTcpProxy({ target: { host: '127.0.0.1', port: 1 } });
    dead.cut();
    const rec = recorder();
    const limiter = new FailoverRateLimiter({
      redisUrl: `redis://:s3cret-pw@127.0.0.1:${dead.port}`,
      prefix,
      log: rec.log,
      events: rec.events,
    });
    try {
      await waitFor(() => rec.warns.length > 0, 10_000, 'the outage warning');
      const started = performance.now();
      const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.consume('agent', 1, rule)));
      expect(performance.now() - started).toBeLessThan(HANG_MS);
      expect(decisions.every((d) => d.backend === 'memory')).toBe(true);
      expect(decisions.map((d) => d.allowed)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
      await new Promise((resolve) => setTimeout(resolve, 500)); // a few reconnect attempts
      expect(rec.warns).toHaveLength(1);
      expect(rec.backends).toEqual(['memory']);
      const logged = JSON.stringify([rec.warns, rec.infos]);
      expect(logged).not.toContain('s3cret-pw');
      expect(logged).toContain(`redis://:***@127.0.0.1:${dead.port}`);
    } finally {
      await limiter.close();
      await dead.close();
    }
  });

  it('can be closed during an outage without hanging', async () => {
    const rec = recorder();
    const limiter = new FailoverRateLimiter({ redisUrl: proxy.url('redis'), prefix, log: rec.log });
    proxy.cut();
    try {
      await waitFor(() => rec.warns.length > 0, 10_000, 'the outage warning');
    } finally {
      proxy.restore();
    }
    await limiter.close();
    expect((await limiter.consume('after-close', 1, rule)).backend).toBe('memory');
  });
});

describe('createRateLimiter', () => {
  it('limits in memory without a Redis URL and through Redis with one', async () => {
    const rec = recorder();
    const memory = createRateLimiter({ prefix, log: rec.log });
    expect(memory).toBeInstanceOf(MemoryRateLimiter);
    expect((await memory.consume('agent', 1, rule)).backend).toBe('memory');
    await memory.close();

    const shared = createRateLimiter({ redisUrl: REDIS_URL, prefix, log: rec.log });
    try {
      expect(shared).toBeInstanceOf(FailoverRateLimiter);
      await waitFor(async () => (await shared.consume('agent', 1, rule)).backend === 'redis', 10_000, 'the Redis backend');
    } finally {
      await shared.close();
    }
    expect(rec.warns).toHaveLength(0);
  });
});
