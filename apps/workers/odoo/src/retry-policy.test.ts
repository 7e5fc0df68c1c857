import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfter, sleep } from './retry-policy.js';

describe('retry policy', () => {
  it('doubles the back-off per failure, caps it, and jitters within the upper half', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(10, policy, () => 1)).toBe(1_000);
    expect(backoffDelayMs(10, policy, () => 0)).toBe(500);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-03-20T04:00:00Z');
    expect(parseRetryAfter('Fri, 20 Mar 2026 04:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Fri, 20 Mar 2026 03:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('sleeps until aborted', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
