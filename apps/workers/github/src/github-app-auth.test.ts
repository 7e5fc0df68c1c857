import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { InstallationTokenCache, signAppJwt } from './github-app-auth.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('signAppJwt', () => {
  it('signs an RS256 JWT GitHub accepts: iss the App id, iat back-dated 60 s, exp within 10 minutes', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    const jwt = signAppJwt('12345', privateKey, now);
    const [header, claims, signature] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    const body = JSON.parse(Buffer.from(claims!, 'base64url').toString()) as { iat: number; exp: number; iss: string };
    expect(body.iss).toBe('12345');
    expect(body.iat).toBe(now / 1000 - 60);
    expect(body.exp - now / 1000).toBeLessThanOrEqual(540);
    expect(body.exp - body.iat).toBeLessThanOrEqual(600);
    expect(verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature!, 'base64url'))).toBe(true);
  });
});

describe('InstallationTokenCache', () => {
  it('mints once, reuses the token, and mints again when it is within the refresh margin of expiry', async () => {
    let now = 0;
    let minted = 0;
    const cache = new InstallationTokenCache(async () => ({ token: `ghs_${++minted}`, expiresAt: now + 60 * 60_000 }), 5 * 60_000, () => now);
    expect(await cache.get()).toBe('ghs_1');
    now += 50 * 60_000;
    expect(await cache.get()).toBe('ghs_1');
    now += 6 * 60_000;
    expect(await cache.get()).toBe('ghs_2');
    expect(minted).toBe(2);
  });

  it('shares one mint between concurrent callers and mints again after invalidate', async () => {
    let minted = 0;
    const cache = new InstallationTokenCache(async () => ({ token: `ghs_${++minted}`, expiresAt: Date.now() + 3_600_000 }));
    const tokens = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(tokens).toEqual(['ghs_1', 'ghs_1', 'ghs_1']);
    cache.invalidate('ghs_other');
    expect(await cache.get()).toBe('ghs_1');
    cache.invalidate('ghs_1');
    expect(await cache.get()).toBe('ghs_2');
  });

  it('forgets a failed mint so the next call tries again', async () => {
    let calls = 0;
    const cache = new InstallationTokenCache(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return { token: 'ghs_ok', expiresAt: Date.now() + 3_600_000 };
    });
    await expect(cache.get()).rejects.toThrow('boom');
    expect(await cache.get()).toBe('ghs_ok');
  });
});
