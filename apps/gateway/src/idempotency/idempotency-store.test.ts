import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { REDIS_URL, deleteRedisKeys, testRedisPrefix, waitFor } from '@mcpgw/test-support';
import { GatewayError } from '@mcpgw/protocol';
import { canonicalJson, requestFingerprint, validIdempotencyKey, type BeginResult, type IdempotencyStore, type IdempotencyTimings } from './idempotency-store.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

/** A backend under test: two stores on the same state (two replicas), and a way to let a key's TTL pass. */
interface Backend {
  make(timings: IdempotencyTimings): { a: IdempotencyStore; b: IdempotencyStore; expire(agent: string, key: string): Promise<void> };
  close(): Promise<void>;
}

const LONG: IdempotencyTimings = { ttlMs: 60_000, inFlightTtlMs: 60_000 };

function memoryBackend(): Backend {
  return {
    make(timings) {
      let clock = 1_000_000;
      const store = new MemoryIdempotencyStore({ ...timings, now: () => clock });
      return {
        a: store,
        b: store,
        expire: async () => {
          clock += Math.max(timings.ttlMs, timings.inFlightTtlMs) + 1;
        },
      };
    },
    close: async () => undefined,
  };
}

function redisBackend(): Backend {
  const prefix = testRedisPrefix();
  const connections: Redis[] = [];
  return {
    make(timings) {
      const [ra, rb] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
      connections.push(ra, rb);
      const a = new RedisIdempotencyStore(ra, { ...timings, prefix });
      const b = new RedisIdempotencyStore(rb, { ...timings, prefix });
      return {
        a,
        b,
        // Real Redis expiry (PEXPIRE): wait until the key is gone.
        expire: (agent, key) => waitFor(async () => (await ra.exists(a.redisKey(agent, key))) === 0, 10_000, 'the key to expire'),
      };
    },
    close: async () => {
      await deleteRedisKeys(prefix);
      await Promise.all(connections.map((c) => c.quit()));
    },
  };
}

const newOne = (result: BeginResult): Extract<BeginResult, { kind: 'new' }> => {
  if (result.kind !== 'new') throw new Error(`expected new, got ${result.kind}`);
  return result;
};

describe.each([
  ['memory', memoryBackend],
  ['redis', redisBackend],
] as const)('%s idempotency store', (_name, create) => {
  let backend: Backend;
  let n = 0;
  const key = (): string => `key-${++n}`;
  beforeAll(() => {
    backend = create();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('runs a new key once, then replays its stored result to the same caller on another replica', async () => {
    const { a, b } = backend.make(LONG);
    const k = key();
    const first = newOne(await a.begin('agent-1', k, 'fp-1'));
    await first.complete({ status: 'success', data: { n: 1 }, metadata: { requestId: 'r1' } });
    expect(await b.begin('agent-1', k, 'fp-1')).toEqual({ kind: 'replay', result: { status: 'success', data: { n: 1 }, metadata: { requestId: 'r1' } } });
    expect(await a.begin('agent-1', k, 'fp-1')).toMatchObject({ kind: 'replay' });
  });

  it('answers mismatch for the same key with another request, in flight or done', async () => {
    const { a, b } = backend.make(LONG);
    const k = key();
    const first = newOne(await a.begin('agent-1', k, 'fp-1'));
    expect(await b.begin('agent-1', k, 'fp-2')).toEqual({ kind: 'mismatch' });
    await first.complete({ ok: true });
    expect(await b.begin('agent-1', k, 'fp-2')).toEqual({ kind: 'mismatch' });
  });

  it('answers in_flight while the first call runs', async () => {
    const { a, b } = backend.make(LONG);
    const k = key();
    newOne(await a.begin('agent-1', k, 'fp-1'));
    expect(await b.begin('agent-1', k, 'fp-1')).toEqual({ kind: 'in_flight' });
  });

  it('keeps callers apart: the same key of another agent is a new key', async () => {
    const { a } = backend.make(LONG);
    const k = key();
    await newOne(await a.begin('agent-1', k, 'fp-1')).complete({ who: 1 });
    const other = await a.begin('agent-2', k, 'fp-other');
    expect(other.kind).toBe('new');
  });

  it('releases the key when the call fails, so a retry runs', async () => {
    const { a, b } = backend.make(LONG);
    const k = key();
    await newOne(await a.begin('agent-1', k, 'fp-1')).fail();
    const retry = newOne(await b.begin('agent-1', k, 'fp-1'));
    await retry.complete({ second: true });
    expect(await a.begin('agent-1', k, 'fp-1')).toEqual({ kind: 'replay', result: { second: true } });
  });

  it('forgets a stored result after the TTL: the key runs again', async () => {
    const { a, expire } = backend.make({ ttlMs: 50, inFlightTtlMs: 60_000 });
    const k = key();
    await newOne(await a.begin('agent-1', k, 'fp-1')).complete({ old: true });
    expect((await a.begin('agent-1', k, 'fp-1')).kind).toBe('replay');
    await expire('agent-1', k);
    expect((await a.begin('agent-1', k, 'fp-2')).kind).toBe('new');
  });

  it('frees a key whose owner never settles it (a crashed replica), and ignores that owner once it is late', async () => {
    const { a, b, expire } = backend.make({ ttlMs: 60_000, inFlightTtlMs: 50 });
    const k = key();
    const crashed = newOne(await a.begin('agent-1', k, 'fp-1'));
    await expire('agent-1', k);
    const second = newOne(await b.begin('agent-1', k, 'fp-1'));
    // The first owner comes back late: it must not overwrite or release the second claim.
    await crashed.complete({ late: true });
    await crashed.fail();
    expect(await a.begin('agent-1', k, 'fp-1')).toEqual({ kind: 'in_flight' });
    await second.complete({ second: true });
    expect(await a.begin('agent-1', k, 'fp-1')).toEqual({ kind: 'replay', result: { second: true } });
  });

  it('gives exactly one of many parallel same-key begins on two replicas the key', async () => {
    const { a, b } = backend.make(LONG);
    const k = key();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).begin('agent-1', k, 'fp-1')));
    expect(results.filter((r) => r.kind === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'in_flight')).toHaveLength(39);
  });

  it('replays a copy: changing a returned or stored result later changes nothing stored', async () => {
    const { a } = backend.make(LONG);
    const k = key();
    const result = { list: [1, 2] };
    await newOne(await a.begin('agent-1', k, 'fp-1')).complete(result);
    result.list.push(3);
    const replay = (await a.begin('agent-1', k, 'fp-1')) as { kind: 'replay'; result: { list: number[] } };
    replay.result.list.push(4);
    expect(await a.begin('agent-1', k, 'fp-1')).toEqual({ kind: 'replay', result: { list: [1, 2] } });
  });
});

describe('RedisIdempotencyStore with Redis down', () => {
  it('refuses with IDEMPOTENCY_UNAVAILABLE (503) instead of running unguarded', async () => {
    // Port 1 on loopback: nothing listens, so every command fails at once.
    const store = RedisIdempotencyStore.connect('redis://127.0.0.1:1', { ...LONG, prefix: testRedisPrefix(), commandTimeoutMs: 200 });
    try {
      const error = await store.begin('agent-1', 'k', 'fp').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ spec: { name: 'IDEMPOTENCY_UNAVAILABLE', code: -32018, httpStatus: 503 }, retryAfterSeconds: 1 });
    } finally {
      await store.close();
    }
  });
});

describe('idempotency keys and fingerprints', () => {
  it('accepts 1 to 255 visible ASCII characters', () => {
    for (const good of ['a', 'x'.repeat(255), '550e8400-e29b-41d4-a716-446655440000', '~!@#$%^&*()_+{}|:"<>?']) {
      expect(validIdempotencyKey(good, 'Idempotency-Key header')).toBe(good);
    }
  });

  it('refuses anything else with INVALID_PARAMS naming where the key was', () => {
    for (const bad of ['', 'x'.repeat(256), 'has space', 'tab\there', 'é', 'new\nline', 42, null, ['a', 'b']]) {
      expect(() => validIdempotencyKey(bad, 'idempotencyKey')).toThrow(
        expect.objectContaining({ spec: expect.objectContaining({ name: 'INVALID_PARAMS' }), message: expect.stringMatching(/^idempotencyKey must be 1 to 255 visible ASCII/) }),
      );
    }
  });

  it('fingerprints the same request the same way whatever its key order, and different requests differently', () => {
    const one = requestFingerprint({ service: 'echo', tool: 'echo', arguments: { a: 1, b: { c: [1, { d: 2, e: 3 }] } } });
    const same = requestFingerprint({ arguments: { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }, tool: 'echo', service: 'echo' });
    expect(same).toBe(one);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint({ service: 'echo', tool: 'echo', arguments: { a: 2, b: { c: [1, { d: 2, e: 3 }] } } })).not.toBe(one);
    expect(requestFingerprint({ service: 'echo', tool: 'echo', arguments: { a: 1, b: { c: [{ d: 2, e: 3 }, 1] } } })).not.toBe(one);
    expect(canonicalJson({ b: 1, a: [{ z: 1, y: 2 }] })).toBe('{"a":[{"y":2,"z":1}],"b":1}');
  });
});
