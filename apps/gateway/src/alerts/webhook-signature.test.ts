import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

const secret = 'a-webhook-secret-0123456789';
const body = '{"event":"opened","alert":{"id":"1"}}';

describe('webhook signatures', () => {
  it('are sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1_700_000_000, body)).toBe(`sha256=${expected}`);
  });

  it('verify with the same secret, body and timestamp within the tolerance', () => {
    const signature = signWebhook(secret, 1_700_000_000, body);
    expect(verifyWebhook(secret, { signature, timestamp: '1700000000' }, body, 1_700_000_100)).toBe(true);
  });

  it('fail for a changed body, another secret, another timestamp, a stale timestamp or missing headers', () => {
    const signature = signWebhook(secret, 1_700_000_000, body);
    expect(verifyWebhook(secret, { signature, timestamp: '1700000000' }, body.replace('1', '2'), 1_700_000_000)).toBe(false);
    expect(verifyWebhook('another-secret-0123456789', { signature, timestamp: '1700000000' }, body, 1_700_000_000)).toBe(false);
    expect(verifyWebhook(secret, { signature, timestamp: '1700000001' }, body, 1_700_000_000)).toBe(false);
    expect(verifyWebhook(secret, { signature, timestamp: '1700000000' }, body, 1_700_000_000 + 301)).toBe(false);
    expect(verifyWebhook(secret, { signature: undefined, timestamp: '1700000000' }, body, 1_700_000_000)).toBe(false);
  });
});
