import { describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createJwtVerifier } from './jwt-verifier.js';
import { signToken } from './token-signer.js';

const SECRET = 'signer-secret-0123456789-abcdefghijkl';

describe('signToken', () => {
  it('signs an HS256 token that the verifier accepts, with its subject, scopes and expiry', async () => {
    const now = new Date();
    const token = await signToken({ secret: SECRET, subject: 'ci-bot', scopes: ['postgres', 'github:list_issues'], ttlMs: 3_600_000, now });
    const verifier = await createJwtVerifier({ secret: SECRET });
    const verified = await verifier.verify(token);
    const iat = Math.floor(now.getTime() / 1000);
    expect(verified).toEqual({ subject: 'ci-bot', scopes: ['postgres', 'github:list_issues'], expiresAt: new Date((iat + 3600) * 1000) });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({ sub: 'ci-bot', scope: 'postgres github:list_issues', iat, exp: iat + 3600 });
  });

  it('sets iss and aud when given, so a gateway that checks them accepts the token', async () => {
    const token = await signToken({ secret: SECRET, subject: 'agent-7', scopes: ['*'], ttlMs: 60_000, issuer: 'mcpgw', audience: 'mcp-gateway' });
    expect(decodeJwt(token)).toMatchObject({ iss: 'mcpgw', aud: 'mcp-gateway' });
    const strict = await createJwtVerifier({ secret: SECRET, issuer: 'mcpgw', audience: ['mcp-gateway'] });
    await expect(strict.verify(token)).resolves.toMatchObject({ subject: 'agent-7', scopes: ['*'] });
    const otherAudience = await createJwtVerifier({ secret: SECRET, audience: ['another'] });
    await expect(otherAudience.verify(token)).rejects.toMatchObject({ reason: 'claim' });
  });

  it('omits the scope claim when there are no scopes', async () => {
    const token = await signToken({ secret: SECRET, subject: 'reader', scopes: [], ttlMs: 60_000 });
    expect(decodeJwt(token)).not.toHaveProperty('scope');
    await expect((await createJwtVerifier({ secret: SECRET })).verify(token)).resolves.toMatchObject({ scopes: [] });
  });

  it('issues tokens the verifier refuses once they expire', async () => {
    const issuedAt = new Date(Date.now() - 10 * 60_000);
    const token = await signToken({ secret: SECRET, subject: 'old', scopes: [], ttlMs: 5 * 60_000, now: issuedAt });
    await expect((await createJwtVerifier({ secret: SECRET })).verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('is refused by a gateway with another secret', async () => {
    const token = await signToken({ secret: SECRET, subject: 'agent', scopes: [], ttlMs: 60_000 });
    const other = await createJwtVerifier({ secret: 'x'.repeat(32) });
    await expect(other.verify(token)).rejects.toMatchObject({ reason: 'signature' });
  });

  it('refuses bad input with a message naming the problem and never the secret', async () => {
    const base = { secret: SECRET, subject: 'agent', scopes: [] as string[], ttlMs: 60_000 };
    const short = (await signToken({ ...base, secret: 'too-short-secret' }).catch((e: unknown) => e)) as Error;
    expect(short.message).toMatch(/at least 32 characters/);
    expect(short.message).not.toContain('too-short-secret');
    await expect(signToken({ ...base, subject: 'no spaces allowed' })).rejects.toThrow(/not a valid subject/);
    await expect(signToken({ ...base, subject: '' })).rejects.toThrow(/not a valid subject/);
    await expect(signToken({ ...base, scopes: ['postgres github'] })).rejects.toThrow(/not a scope/);
    await expect(signToken({ ...base, scopes: ['a,b'] })).rejects.toThrow(/not a scope/);
    await expect(signToken({ ...base, scopes: [''] })).rejects.toThrow(/not a scope/);
    for (const ttlMs of [0, 999, -1, 1.5e3 + 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(signToken({ ...base, ttlMs })).rejects.toThrow(/lifetime/);
    }
  });
});
