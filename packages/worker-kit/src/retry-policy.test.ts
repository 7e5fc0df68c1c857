import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfter, sleep } from './retry-policy.js';

describe('backoffDelayMs', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles per failure and jitters within the upper half', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(2, policy, () => 1)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(300);
  });

  it('never exceeds maxDelayMs nor drops below half of it once capped', () => {
    expect(backoffDelayMs(10, policy, () => 1)).toBe(1_000);
    expect(backoffDelayMs(10, policy, () => 0)).toBe(500);
    expect(backoffDelayMs(1_000, policy, () => 1)).toBe(1_000);
  });

  it('treats zero failures like the first', () => {
    expect(backoffDelayMs(0, policy, () => 1)).toBe(100);
  });

  it('stays within the bounds with the real random source', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = backoffDelayMs(attempt, policy);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('has the shared defaults', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 30_000 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-20T04:00:00Z');

  it('reads delta-seconds, whole or fractional, around white space', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(' 2 ')).toBe(2_000);
    expect(parseRetryAfter('0')).toBe(0);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Fri, 20 Mar 2026 04:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30_000);
    expect(parseRetryAfter('Fri, 20 Mar 2026 03:00:00 GMT', now)).toBe(0);
  });

  it('gives undefined for an absent, empty or unreadable header', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('   ')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
    expect(parseRetryAfter('1e3')).toBeUndefined();
  });
});

describe('sleep', () => {
  it('resolves after the wait', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });

  it('rejects at once when the signal has already aborted', async () => {
    await expect(sleep(60_000, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
