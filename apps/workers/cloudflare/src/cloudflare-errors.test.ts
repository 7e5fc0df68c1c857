import { describe, expect, it } from '@jest/globals';
import { cloudflareRetryAfterMs } from './cloudflare-errors.js';

describe('cloudflareRetryAfterMs', () => {
  it('prefers retry-after, in seconds or as an HTTP date', () => {
    expect(cloudflareRetryAfterMs(new Headers({ 'retry-after': '7', ratelimit: '"default";r=0;t=30' }))).toBe(7_000);
    const now = Date.parse('2026-03-20T04:00:00Z');
    expect(cloudflareRetryAfterMs(new Headers({ 'retry-after': 'Fri, 20 Mar 2026 04:00:05 GMT' }), now)).toBe(5_000);
  });

  it('falls back to the t= of the Ratelimit header when retry-after is absent or unreadable', () => {
    expect(cloudflareRetryAfterMs(new Headers({ ratelimit: '"default";r=0;t=30' }))).toBe(30_000);
    expect(cloudflareRetryAfterMs(new Headers({ 'retry-after': 'soon', ratelimit: '"default";r=0;t=12' }))).toBe(12_000);
  });

  it('is undefined when neither header says', () => {
    expect(cloudflareRetryAfterMs(new Headers())).toBeUndefined();
    expect(cloudflareRetryAfterMs(new Headers({ 'retry-after': '', ratelimit: '"default";r=5' }))).toBeUndefined();
  });
});
