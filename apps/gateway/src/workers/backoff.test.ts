import { describe, expect, it } from '@jest/globals';
import { restartDelay } from './backoff.js';

const policy = { baseMs: 500, maxMs: 30_000 };

describe('restartDelay', () => {
  it('doubles from the base and stays within [half, full] of the exponential delay', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const full = 500 * 2 ** attempt;
      expect(restartDelay(policy, attempt, () => 0)).toBe(full / 2);
      expect(restartDelay(policy, attempt, () => 0.999999)).toBeCloseTo(full, -1);
    }
  });

  it('caps at maxMs however many attempts failed', () => {
    expect(restartDelay(policy, 50, () => 1)).toBe(30_000);
    expect(restartDelay(policy, 10_000, () => 0)).toBe(15_000);
  });

  it('spreads restarts out (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => restartDelay(policy, 4)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
