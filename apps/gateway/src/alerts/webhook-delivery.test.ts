import { describe, expect, it } from '@jest/globals';
import { webhookBackoffMs, webhookLabel } from './webhook-delivery.js';

describe('webhook delivery helpers', () => {
  it('waits 75–100 % of base × 2^(attempt−1) after a failed attempt, like BullMQ exponential back-off with jitter 0.25', () => {
    for (const [attempt, max] of [[1, 1_000], [2, 2_000], [5, 16_000], [13, 4_096_000]] as const) {
      for (let i = 0; i < 200; i++) {
        const wait = webhookBackoffMs(1_000, attempt);
        expect(wait).toBeGreaterThanOrEqual(max * 0.75);
        expect(wait).toBeLessThanOrEqual(max);
      }
    }
  });

  it('names a webhook by origin and path, never its query (it may hold a token)', () => {
    expect(webhookLabel('https://hooks.example.com:8443/mcpgw/alerts?token=s3cret#x')).toBe('https://hooks.example.com:8443/mcpgw/alerts');
  });
});
