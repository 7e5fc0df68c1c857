import { describe, expect, it } from '@jest/globals';
import { isBlockedAddress, resolveWebhookTarget, WebhookTargetRefused } from './ssrf-guard.js';

const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('the webhook SSRF guard', () => {
  it('blocks loopback, private, link-local, CGNAT, metadata and mapped addresses; passes public ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect({ address, blocked: isBlockedAddress(address) }).toEqual({ address, blocked: true });
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect({ address, blocked: isBlockedAddress(address) }).toEqual({ address, blocked: false });
    }
  });

  it('refuses a host that resolves to a private address, naming the address and how to allow it', async () => {
    await expect(resolveWebhookTarget(new URL('https://hooks.example.com/x'), [], resolvesTo('93.184.216.34', '10.0.0.5'))).rejects.toThrow(
      'webhook host hooks.example.com resolves to 10.0.0.5, a loopback, private or link-local address; list hooks.example.com in ALERT_WEBHOOK_ALLOW_HOSTS to allow it',
    );
    await expect(resolveWebhookTarget(new URL('http://127.0.0.1:9/hook'), [])).rejects.toBeInstanceOf(WebhookTargetRefused);
    await expect(resolveWebhookTarget(new URL('http://[::1]:9/hook'), [])).rejects.toBeInstanceOf(WebhookTargetRefused);
  });

  it('returns the checked address to connect to for a public host', async () => {
    expect(await resolveWebhookTarget(new URL('https://hooks.example.com/x'), [], resolvesTo('93.184.216.34'))).toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('lets listed hosts through, case-insensitively and IPv6 without brackets', async () => {
    expect(await resolveWebhookTarget(new URL('http://127.0.0.1:9/hook'), ['127.0.0.1'])).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await resolveWebhookTarget(new URL('http://[::1]:9/hook'), ['[::1]'])).toEqual({ address: '::1', family: 6 });
    expect(await resolveWebhookTarget(new URL('http://Hooks.Internal/x'), ['hooks.internal'], resolvesTo('10.0.0.5'))).toEqual({ address: '10.0.0.5', family: 4 });
  });

  it('refuses other schemes, credentials in the URL, and hosts that do not resolve', async () => {
    await expect(resolveWebhookTarget(new URL('file:///etc/passwd'), [])).rejects.toThrow('only http and https');
    await expect(resolveWebhookTarget(new URL('gopher://example.com/'), [])).rejects.toThrow('only http and https');
    await expect(resolveWebhookTarget(new URL('https://u:p@example.com/'), [])).rejects.toThrow('credentials in the URL are not allowed');
    const failing = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(resolveWebhookTarget(new URL('https://nowhere.invalid/'), [], failing)).rejects.toThrow('does not resolve (ENOTFOUND)');
  });
});
