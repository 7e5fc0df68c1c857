import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SessionSealer } from './session-token.js';

const claims = { agent: 'ops-bot', service: '', protocolVersion: '2025-11-25', sampling: true, elicitation: false, roots: true };

describe('SessionSealer', () => {
  it('opens what it sealed, on any replica holding the same secret', () => {
    const secret = randomBytes(32);
    const { id, claims: sealed } = new SessionSealer(secret).seal(claims, 1_700_000_000_000);
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    const opened = new SessionSealer(secret).open(id);
    expect(opened).toEqual({ ...claims, nonce: sealed.nonce, issuedAt: 1_700_000_000 });
  });

  it('gives every session its own id', () => {
    const sealer = new SessionSealer(randomBytes(32));
    expect(sealer.seal(claims).id).not.toBe(sealer.seal(claims).id);
  });

  it('refuses forged, altered, truncated and foreign ids', () => {
    const sealer = new SessionSealer(randomBytes(32));
    const { id } = sealer.seal(claims);
    const [body, mac] = id.split('.') as [string, string];
    const altered = Buffer.from(JSON.stringify(JSON.parse(Buffer.from(body, 'base64url').toString()).map((v: unknown) => (v === 'ops-bot' ? 'admin' : v)))).toString('base64url');
    const fresh = new SessionSealer(randomBytes(32));
    expect(fresh.open(`${altered}.${mac}`)).toBeUndefined();
    expect(fresh.open(id.slice(0, -2))).toBeUndefined();
    expect(fresh.open(body)).toBeUndefined();
    expect(fresh.open('')).toBeUndefined();
    expect(fresh.open(id)).toBeUndefined(); // another secret
  });
});
