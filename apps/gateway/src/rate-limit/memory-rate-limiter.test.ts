import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MemoryRateLimiter } from './memory-rate-limiter.js';

function limiter(maxEntries?: number) {
  const clock = { now: 1_000 };
  const memory = new MemoryRateLimiter({ now: () => clock.now, ...(maxEntries !== undefined ? { maxEntries } : {}) });
  return { memory, clock };
}

const rule = { max: 10, windowMs: 1_000 };

describe('MemoryRateLimiter', () => {
  it('allows max units per window, then refuses, with the numbers behind the RateLimit headers', async () => {
    const { memory } = limiter();
    const first = await memory.consume('agent', 1, rule);
    expect(first).toEqual({ allowed: 1, limit: 10, remaining: 9, resetMs: 1_000, backend: 'memory' });
    for (let i = 0; i < 9; i++) expect(memory.consumeNow('agent', 1, rule).allowed).toBe(1);
    const refused = await memory.consume('agent', 1, rule);
    expect(refused).toMatchObject({ allowed: 0, limit: 10, remaining: 0 });
    expect(refused.resetMs).toBeGreaterThan(0);
  });

  it('partially allows a batch that does not fit: the first `allowed` calls proceed', () => {
    const { memory } = limiter();
    expect(memory.consumeNow('agent', 4, rule)).toMatchObject({ allowed: 4, remaining: 6 });
    expect(memory.consumeNow('agent', 8, rule)).toMatchObject({ allowed: 6, remaining: 0 });
    expect(memory.consumeNow('agent', 3, rule)).toMatchObject({ allowed: 0, remaining: 0 });
  });

  it('does not count refused units against later calls', () => {
    const { memory, clock } = limiter();
    expect(memory.consumeNow('agent', 25, rule).allowed).toBe(10);
    for (let i = 0; i < 50; i++) memory.consumeNow('agent', 5, rule);
    // Half-way through the next window, half of the 10 counted units still weigh: 5 free, not fewer.
    clock.now += 1_500;
    expect(memory.peekNow('agent', rule)).toMatchObject({ allowed: 1, remaining: 5 });
  });

  it('slides: the previous window fades linearly and is gone after two windows', () => {
    const { memory, clock } = limiter();
    const start = clock.now;
    memory.consumeNow('agent', 10, rule);
    clock.now = start + 999;
    expect(memory.peekNow('agent', rule).remaining).toBe(0);
    clock.now = start + 1_000;
    expect(memory.peekNow('agent', rule).remaining).toBe(0);
    clock.now = start + 1_500;
    expect(memory.peekNow('agent', rule).remaining).toBe(5);
    clock.now = start + 1_900;
    expect(memory.peekNow('agent', rule).remaining).toBe(9);
    clock.now = start + 2_000;
    expect(memory.peekNow('agent', rule)).toMatchObject({ remaining: 10, resetMs: 1_000 });
  });

  it('resets completely after a window without traffic when nothing was carried over', () => {
    const { memory, clock } = limiter();
    memory.consumeNow('agent', 3, rule);
    clock.now += 5_000;
    expect(memory.consumeNow('agent', 1, rule)).toMatchObject({ allowed: 1, remaining: 9, resetMs: 1_000 });
  });

  it('when exhausted, resetMs is exactly when the next unit frees up', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 30 }),
        (max, windowMs, steps) => {
          const { memory, clock } = limiter();
          const r = { max, windowMs };
          for (const [dt, cost] of steps) {
            clock.now += dt;
            const decision = memory.consumeNow('k', cost, r);
            expect(decision.allowed).toBeGreaterThanOrEqual(0);
            expect(decision.allowed).toBeLessThanOrEqual(Math.min(cost, max));
            expect(decision.remaining).toBeGreaterThanOrEqual(0);
            expect(decision.resetMs).toBeGreaterThanOrEqual(0);
            if (decision.remaining === 0) {
              // Time only moves forward: the next step starts from the moment the unit freed up.
              const now = clock.now;
              clock.now = now + decision.resetMs - 1;
              expect(memory.peekNow('k', r).remaining).toBe(0);
              clock.now = now + decision.resetMs;
              expect(memory.peekNow('k', r).remaining).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never allows more than max within one of the key\'s windows, whatever the traffic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 12 })), { maxLength: 60 }),
        (max, steps) => {
          const { memory, clock } = limiter();
          const windowMs = 1_000;
          let start: number | undefined; // windows are anchored at the key's first unit
          const perWindow = new Map<number, number>();
          for (const [dt, cost] of steps) {
            clock.now += dt;
            const { allowed } = memory.consumeNow('k', cost, { max, windowMs });
            if (start === undefined && allowed > 0) start = clock.now;
            const index = Math.floor((clock.now - (start ?? clock.now)) / windowMs);
            perWindow.set(index, (perWindow.get(index) ?? 0) + allowed);
          }
          for (const total of perWindow.values()) expect(total).toBeLessThanOrEqual(max);
        },
      ),
    );
  });

  it('peek does not consume', () => {
    const { memory } = limiter();
    expect(memory.peekNow('agent', rule)).toEqual({ allowed: 1, limit: 10, remaining: 10, resetMs: 1_000, backend: 'memory' });
    expect(memory.size).toBe(0);
    memory.consumeNow('agent', 10, rule);
    expect(memory.peekNow('agent', rule)).toMatchObject({ allowed: 0, remaining: 0 });
    expect(memory.peekNow('other', rule)).toMatchObject({ allowed: 1, remaining: 10 });
  });

  it('keeps keys apart, including long keys that are stored hashed', () => {
    const { memory } = limiter();
    const long = 'x'.repeat(300);
    memory.consumeNow(`${long}a`, 10, rule);
    expect(memory.peekNow(`${long}b`, rule).remaining).toBe(10);
    expect(memory.peekNow(`${long}a`, rule).remaining).toBe(0);
    expect(memory.peekNow('agent', rule).remaining).toBe(10);
  });

  it('never holds more than maxEntries keys', () => {
    const { memory, clock } = limiter(100);
    for (let i = 0; i < 1_000; i++) {
      clock.now += 1;
      expect(memory.consumeNow(`peer-${i}`, 1, rule).allowed).toBe(1);
      expect(memory.size).toBeLessThanOrEqual(100);
    }
  });

  it('evicts expired windows before live ones, then the stalest live ones', () => {
    const { memory, clock } = limiter(100);
    const short = { max: 10, windowMs: 10 };
    const long = { max: 10, windowMs: 1_000_000 };
    for (let i = 0; i < 50; i++) memory.consumeNow(`short-${i}`, 1, short);
    for (let i = 0; i < 50; i++) memory.consumeNow(`long-${i}`, 1, long);
    expect(memory.size).toBe(100);
    clock.now += 100; // the short windows are over
    memory.consumeNow('newcomer', 1, long);
    expect(memory.size).toBe(51);
    for (let i = 0; i < 50; i++) expect(memory.peekNow(`long-${i}`, long).remaining).toBe(9);

    for (let i = 0; i < 49; i++) memory.consumeNow(`later-${i}`, 1, long);
    expect(memory.size).toBe(100);
    memory.consumeNow('one-too-many', 1, long);
    expect(memory.size).toBe(91); // 10 % freed, then the newcomer
    expect(memory.peekNow('long-0', long).remaining).toBe(10); // the stalest was forgotten
    expect(memory.peekNow('one-too-many', long).remaining).toBe(9);
    expect(memory.peekNow('later-48', long).remaining).toBe(9);
  });

  it('rejects a cost or rule the arithmetic cannot take', async () => {
    const { memory } = limiter();
    expect(() => memory.consumeNow('k', -1, rule)).toThrow(RangeError);
    expect(() => memory.consumeNow('k', 1.5, rule)).toThrow(RangeError);
    expect(() => memory.consumeNow('k', 1, { max: 0, windowMs: 1_000 })).toThrow(RangeError);
    await expect(memory.peek('k', { max: 1, windowMs: 0 })).rejects.toThrow(RangeError);
  });
});
