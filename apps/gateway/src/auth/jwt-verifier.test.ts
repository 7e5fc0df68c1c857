import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { createJwtVerifier, JWT_FAILURE_REASONS, JwtVerificationError } from './jwt-verifier.js';
import type { JwtFailureReason, JwtVerifier, JwtVerifierOptions } from './jwt-verifier.js';

const SECRET = 'test-secret-0123456789-abcdefghij-klmnop'; // 40 characters
const NOW_SEC = Math.floor(Date.now() / 1000);

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');

interface KeyPair {
  privateKey: KeyObject;
  pem: string;
  jwk: JWK;
}

/** A fresh key pair; node KeyObjects, so one RSA key can sign RS* and PS* alike. */
function keyPair(type: 'rsa' | 'P-256' | 'P-384' | 'ed25519'): KeyPair {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: type });
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), jwk: publicKey.export({ format: 'jwk' }) as JWK };
}

/** A signed token; claims default to a valid `sub` and an `exp` ten minutes from now. */
async function sign(
  key: Uint8Array | KeyObject,
  alg: string,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ sub: 'agent-1', exp: NOW_SEC + 600, ...claims }).setProtectedHeader({ ...header, alg }).sign(key);
}

const secretBytes = new TextEncoder().encode(SECRET);
const hs256 = (claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> => sign(secretBytes, 'HS256', claims, header);

/** Asserts the token is refused as a 401 and returns the error for further checks. */
async function refused(verifier: JwtVerifier, token: string, reason?: JwtFailureReason): Promise<JwtVerificationError> {
  let caught: unknown;
  try {
    await verifier.verify(token);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(JwtVerificationError);
  const error = caught as JwtVerificationError;
  expect(error.spec.name).toBe('UNAUTHENTICATED');
  expect(error.httpStatus).toBe(401);
  expect(JWT_FAILURE_REASONS).toContain(error.reason);
  if (reason !== undefined) expect(error.reason).toBe(reason);
  return error;
}

interface JwksServer {
  url: string;
  keys: JWK[];
  mode: 'ok' | 'error' | 'hang';
  requests: number;
  close(): Promise<void>;
}

async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = {
    url: '',
    keys,
    mode: 'ok',
    requests: 0,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((request, response) => {
    state.requests++;
    if (state.mode === 'hang') return;
    if (state.mode === 'error') {
      response.writeHead(500).end('boom');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

/** A URL on which nothing listens: a port just released by a server we closed. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks.json`;
}

let rsa: KeyPair;
let ec256: KeyPair;
let ec384: KeyPair;
let ed25519: KeyPair;
let secretVerifier: JwtVerifier;
let rsaVerifier: JwtVerifier;

beforeAll(async () => {
  [rsa, ec256, ec384, ed25519] = [keyPair('rsa'), keyPair('P-256'), keyPair('P-384'), keyPair('ed25519')];
  secretVerifier = await createJwtVerifier({ secret: SECRET });
  rsaVerifier = await createJwtVerifier({ publicKeyPem: rsa.pem });
});

describe('createJwtVerifier: HS256 with JWT_SECRET', () => {
  it('accepts a valid token and returns its subject, scopes and expiry', async () => {
    const token = await hs256({ sub: 'agent-1', scope: 'postgres github:list_issues' });
    const verified = await secretVerifier.verify(token);
    expect(verified).toEqual({ subject: 'agent-1', scopes: ['postgres', 'github:list_issues'], expiresAt: new Date((NOW_SEC + 600) * 1000) });
    expect(secretVerifier.configured).toBe(true);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await sign(new TextEncoder().encode('another-secret-0123456789-abcdefghij'), 'HS256');
    const error = await refused(secretVerifier, token, 'signature');
    expect(error.message).toBe("the bearer token's signature or algorithm is not accepted");
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await hs256({ scope: 'postgres' })).split('.');
    const forged = b64url(JSON.stringify({ sub: 'agent-1', exp: NOW_SEC + 600, scope: '* admin' }));
    await refused(secretVerifier, `${header}.${forged}.${signature}`, 'signature');
  });

  it('accepts HS384/HS512 only when the secret is long enough for them', async () => {
    const longSecret = 'x'.repeat(64);
    const longVerifier = await createJwtVerifier({ secret: longSecret });
    const bytes = new TextEncoder().encode(longSecret);
    await expect(longVerifier.verify(await sign(bytes, 'HS384'))).resolves.toMatchObject({ subject: 'agent-1' });
    await expect(longVerifier.verify(await sign(bytes, 'HS512'))).resolves.toMatchObject({ subject: 'agent-1' });
    // SECRET has 40 characters: enough for HS256 only.
    await refused(secretVerifier, await sign(secretBytes, 'HS384'), 'signature');
    await refused(secretVerifier, await sign(secretBytes, 'HS512'), 'signature');
  });
});

describe('createJwtVerifier: JWT_PUBLIC_KEY', () => {
  it('accepts RS256, RS512 and PS256 tokens for an RSA key', async () => {
    for (const alg of ['RS256', 'RS512', 'PS256']) {
      await expect(rsaVerifier.verify(await sign(rsa.privateKey, alg, { sub: `rsa-${alg}` }))).resolves.toMatchObject({ subject: `rsa-${alg}` });
    }
  });

  it('accepts ES256 for a P-256 key and ES384 for a P-384 key, nothing else', async () => {
    const v256 = await createJwtVerifier({ publicKeyPem: ec256.pem });
    const v384 = await createJwtVerifier({ publicKeyPem: ec384.pem });
    await expect(v256.verify(await sign(ec256.privateKey, 'ES256'))).resolves.toMatchObject({ subject: 'agent-1' });
    await expect(v384.verify(await sign(ec384.privateKey, 'ES384'))).resolves.toMatchObject({ subject: 'agent-1' });
    await refused(v256, await sign(ec384.privateKey, 'ES384'), 'signature');
    await refused(v384, await sign(ec256.privateKey, 'ES256'), 'signature');
  });

  it('accepts EdDSA (and the fully specified Ed25519) for an Ed25519 key', async () => {
    const verifier = await createJwtVerifier({ publicKeyPem: ed25519.pem });
    await expect(verifier.verify(await sign(ed25519.privateKey, 'EdDSA'))).resolves.toMatchObject({ subject: 'agent-1' });
    await expect(verifier.verify(await sign(ed25519.privateKey, 'Ed25519'))).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it('refuses a token signed by another key of the same type', async () => {
    const other = keyPair('rsa');
    await refused(rsaVerifier, await sign(other.privateKey, 'RS256'), 'signature');
  });

  it('refuses a token of another key type with 401, not 500', async () => {
    await refused(rsaVerifier, await sign(ec256.privateKey, 'ES256'), 'signature');
    await refused(rsaVerifier, await sign(ed25519.privateKey, 'EdDSA'), 'signature');
    // A token that claims RS256 but carries an ES256 signature.
    const [, payload, signature] = (await sign(ec256.privateKey, 'ES256')).split('.');
    await refused(rsaVerifier, `${b64url('{"alg":"RS256"}')}.${payload}.${signature}`, 'signature');
  });

  it('refuses HS256 signed with the RSA public key PEM as the HMAC secret (algorithm confusion)', async () => {
    const token = await sign(new TextEncoder().encode(rsa.pem), 'HS256');
    await refused(rsaVerifier, token, 'signature');
    // Also when a (different) secret is configured beside the public key.
    const both = await createJwtVerifier({ secret: SECRET, publicKeyPem: rsa.pem });
    await refused(both, token, 'signature');
  });

  it('accepts a PKCS#1 RSA PUBLIC KEY PEM', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('-----BEGIN RSA PUBLIC KEY-----');
    const verifier = await createJwtVerifier({ publicKeyPem: pkcs1 });
    await expect(verifier.verify(await sign(privateKey, 'RS256'))).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it('accepts an X.509 certificate PEM and uses its public key', async () => {
    // Self-signed P-256 test certificate (CN=mcpgw-test) and its private key (SEC1 DER): test-only material.
    const certificate = [
      '-----BEGIN CERTIFICATE-----',
      'MIIBgTCCASegAwIBAgIUWJ0SlQ/Uf5zr3RAIGIuDInpvtqUwCgYIKoZIzj0EAwIw',
      'FTETMBEGA1UEAwwKbWNwZ3ctdGVzdDAgFw0yNjExMjcwNDU5MjFaGA8yMTI2MTEw',
      'MzA0NTkyMVowFTETMBEGA1UEAwwKbWNwZ3ctdGVzdDBZMBMGByqGSM49AgEGCCqG',
      'SM49AwEHA0IABOdG/5bJ0mqoQ3lFAvKN0Avw+SxAxfKLGiDcSB5SanSZq8zhVu4Z',
      '4FaZ6PFxN0ltQ89wTde6gHAddVG+D6O04kGjUzBRMB0GA1UdDgQWBBQS75JFQB/g',
      'FxDBYY265VIKRwsGJjAfBgNVHSMEGDAWgBQS75JFQB/gFxDBYY265VIKRwsGJjAP',
      'BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCICZobMOSu9/Q5isuQWQk',
      'JqoZGUgbDevXTDT2hyff0KWrAiEA6uZaO41+iH3vq3gRT6yX6rpQ08Ky0oYpL53b',
      'oKejU/Y=',
      '-----END CERTIFICATE-----',
    ].join('\n');
    const privateKey = createPrivateKey({
      key: Buffer.from(
        'MHcCAQEEIFlWsbAlM30ClEcShZMMooCQEq7vDmeHUs7qwPT+XkejoAoGCCqGSM49AwEHoUQDQgAE50b/lsnSaqhDeUUC8o3QC/D5LEDF8osaINxIHlJqdJmrzOFW7hngVpno8XE3SW1Dz3BN17qAcB11Ub4Po7TiQQ==',
        'base64',
      ),
      format: 'der',
      type: 'sec1',
    });
    const verifier = await createJwtVerifier({ publicKeyPem: certificate });
    await expect(verifier.verify(await sign(privateKey, 'ES256'))).resolves.toMatchObject({ subject: 'agent-1' });
    await refused(verifier, await sign(ec256.privateKey, 'ES256'), 'signature');
  });
});

describe('createJwtVerifier: configuration errors', () => {
  it('refuses a secret shorter than 32 characters without echoing it', async () => {
    const short = 'only-31-characters-long-secret!';
    expect(short).toHaveLength(31);
    const error = await createJwtVerifier({ secret: short }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/JWT_SECRET must be at least 32 characters/);
    expect((error as Error).message).not.toContain(short);
  });

  it('refuses a PEM that is not a public key, naming the expected form', async () => {
    for (const pem of ['-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----', 'hello', '']) {
      await expect(createJwtVerifier({ publicKeyPem: pem })).rejects.toThrow(/JWT_PUBLIC_KEY is not a PEM public key: expected -----BEGIN PUBLIC KEY-----/);
    }
  });

  it('refuses a private key in JWT_PUBLIC_KEY', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(createJwtVerifier({ publicKeyPem: pem })).rejects.toThrow(/holds a private key/);
  });

  it('refuses RSA keys under 2048 bits and unsupported key types and curves', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(createJwtVerifier({ publicKeyPem: small })).rejects.toThrow(/shorter than 2048 bits/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(createJwtVerifier({ publicKeyPem: k1 })).rejects.toThrow(/unsupported curve; use P-256, P-384 or P-521/);
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(createJwtVerifier({ publicKeyPem: x25519 })).rejects.toThrow(/unsupported key type \(x25519\)/);
  });

  it('refuses a clock tolerance above 60 s and a JWKS URL with credentials or another scheme', async () => {
    await expect(createJwtVerifier({ secret: SECRET, clockToleranceSec: 61 })).rejects.toThrow(/between 0 and 60/);
    await expect(createJwtVerifier({ secret: SECRET, clockToleranceSec: -1 })).rejects.toThrow(/between 0 and 60/);
    const withPassword = await createJwtVerifier({ jwksUrl: 'https://user:hunter2hunter2@idp.example/jwks' }).catch((e: unknown) => e);
    expect((withPassword as Error).message).toMatch(/must not contain a user name or password/);
    expect((withPassword as Error).message).not.toContain('hunter2');
    await expect(createJwtVerifier({ jwksUrl: 'ftp://idp.example/jwks' })).rejects.toThrow(/http\(s\)/);
    await expect(createJwtVerifier({ jwksUrl: 'not a url' })).rejects.toThrow(/JWT_JWKS_URL is not a URL/);
  });

  it('with nothing configured, says bearer tokens are not accepted', async () => {
    const verifier = await createJwtVerifier({});
    expect(verifier.configured).toBe(false);
    const error = await refused(verifier, await hs256(), 'not_configured');
    expect(error.message).toMatch(/does not accept bearer tokens/);
  });
});

describe('createJwtVerifier: claims', () => {
  it('refuses alg "none" (unsigned) tokens, with or without a signature part', async () => {
    const payload = b64url(JSON.stringify({ sub: 'agent-1', exp: NOW_SEC + 600, scope: '*' }));
    for (const header of ['{"alg":"none"}', '{"alg":"none","typ":"JWT"}', '{"alg":"None"}', '{"alg":"NONE"}']) {
      for (const verifier of [secretVerifier, rsaVerifier]) {
        await refused(verifier, `${b64url(header)}.${payload}.`, 'signature');
        await refused(verifier, `${b64url(header)}.${payload}.${b64url('sig')}`, 'signature');
      }
    }
  });

  it('refuses a token expired beyond the clock tolerance and accepts one within it', async () => {
    let clock = 0;
    const exp = NOW_SEC + 100;
    const verifier = await createJwtVerifier({ secret: SECRET, clockToleranceSec: 30, now: () => clock, cacheMaxEntries: 0 });
    const token = await hs256({ exp });
    clock = (exp + 20) * 1000;
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
    clock = (exp + 31) * 1000;
    const error = await refused(verifier, token, 'expired');
    expect(error.message).toBe('the bearer token has expired');
  });

  it('uses a 30 s tolerance by default and none when set to 0', async () => {
    let clock = 0;
    const exp = NOW_SEC + 100;
    const token = await hs256({ exp });
    const byDefault = await createJwtVerifier({ secret: SECRET, now: () => clock });
    const strict = await createJwtVerifier({ secret: SECRET, clockToleranceSec: 0, now: () => clock });
    clock = (exp + 29) * 1000;
    await expect(byDefault.verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
    await refused(strict, token, 'expired');
  });

  it('refuses a token without "exp" and one whose "exp" is not a number', async () => {
    const noExp = await new SignJWT({ sub: 'agent-1' }).setProtectedHeader({ alg: 'HS256' }).sign(secretBytes);
    const error = await refused(secretVerifier, noExp, 'claim');
    expect(error.message).toBe('the bearer token has no "exp" claim');
    const error2 = await refused(secretVerifier, await hs256({ exp: 'tomorrow' as unknown as number }), 'claim');
    expect(error2.message).toBe('the bearer token\'s "exp" claim is not valid');
  });

  it('refuses a token that is not valid yet (nbf beyond the tolerance)', async () => {
    const error = await refused(secretVerifier, await hs256({ nbf: NOW_SEC + 300 }), 'claim');
    expect(error.message).toMatch(/not valid yet/);
    await expect(secretVerifier.verify(await hs256({ nbf: NOW_SEC + 10 }))).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it('checks the audience against a list when configured and ignores it otherwise', async () => {
    const verifier = await createJwtVerifier({ secret: SECRET, audience: ['mcp-gateway', 'https://gw.example'] });
    await expect(verifier.verify(await hs256({ aud: 'mcp-gateway' }))).resolves.toMatchObject({ subject: 'agent-1' });
    await expect(verifier.verify(await hs256({ aud: ['other', 'https://gw.example'] }))).resolves.toMatchObject({ subject: 'agent-1' });
    expect((await refused(verifier, await hs256({ aud: 'another-api' }), 'claim')).message).toBe("the bearer token's audience is not accepted");
    expect((await refused(verifier, await hs256(), 'claim')).message).toBe("the bearer token's audience is not accepted");
    await expect(secretVerifier.verify(await hs256({ aud: 'anything' }))).resolves.toMatchObject({ subject: 'agent-1' });
    const emptyList = await createJwtVerifier({ secret: SECRET, audience: [] });
    await expect(emptyList.verify(await hs256({ aud: 'anything' }))).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it('checks the issuer when configured and ignores it otherwise', async () => {
    const verifier = await createJwtVerifier({ secret: SECRET, issuer: 'https://idp.example' });
    await expect(verifier.verify(await hs256({ iss: 'https://idp.example' }))).resolves.toMatchObject({ subject: 'agent-1' });
    expect((await refused(verifier, await hs256({ iss: 'https://evil.example' }), 'claim')).message).toBe("the bearer token's issuer is not accepted");
    await refused(verifier, await hs256(), 'claim');
    await expect(secretVerifier.verify(await hs256({ iss: 'https://evil.example' }))).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it.each([
    ['a space-separated scope string', { scope: 'postgres github' }, ['postgres', 'github']],
    ['a comma-separated scope string', { scope: 'postgres,github:list_issues, admin' }, ['postgres', 'github:list_issues', 'admin']],
    ['a scopes array', { scopes: ['postgres', '*'] }, ['postgres', '*']],
    ['a scopes string', { scopes: 'postgres github' }, ['postgres', 'github']],
    ['both claims, merged without duplicates', { scope: 'postgres', scopes: ['postgres', 'github'] }, ['postgres', 'github']],
    ['no scope claim', {}, []],
    ['an empty scope string', { scope: '' }, []],
    ['IdP scopes that are not gateway scopes (dropped)', { scope: 'openid offline_access https://api.example/read postgres' }, ['openid', 'postgres']],
  ])('reads scopes from %s', async (_name, claims, scopes) => {
    expect((await secretVerifier.verify(await hs256(claims))).scopes).toEqual(scopes);
  });

  it.each([
    ['a number', { scope: 42 }],
    ['an object', { scopes: { postgres: true } }],
    ['an array with a non-string', { scopes: ['postgres', 7] }],
  ])('refuses a scope claim that is %s', async (_name, claims) => {
    const error = await refused(secretVerifier, await hs256(claims), 'claim');
    expect(error.message).toMatch(/"scope"\/"scopes" claim must be a string or an array of strings/);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 42],
    ['with a space', 'agent one'],
    ['with a slash', 'agent/one'],
    ['129 characters long', 'a'.repeat(129)],
    ['with a newline', 'agent\n1'],
  ])('refuses a token whose sub is %s', async (_name, sub) => {
    const error = await refused(secretVerifier, await hs256({ sub: sub as string }), 'claim');
    expect(error.message).toMatch(/has no valid "sub"/);
  });

  it('accepts subjects with the allowed punctuation up to 128 characters', async () => {
    for (const sub of ['ci-bot@example.com', 'svc:reporting.v2_daily', 'a'.repeat(128)]) {
      expect((await secretVerifier.verify(await hs256({ sub }))).subject).toBe(sub);
    }
  });
});

describe('createJwtVerifier: malformed tokens', () => {
  it.each([
    ['empty', ''],
    ['one word', 'abc'],
    ['three letters', 'a.b.c'],
    ['two parts', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0'],
    ['four parts', 'a.b.c.d'],
    ['non-base64 characters', 'eyJhbGciOiJIUzI1NiJ9.ey+JzdWIi/OiJhIn0=.abc'],
    ['whitespace', ' eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.abc'],
    ['Bearer prefix left in', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.abc'],
    ['header not JSON', `${b64url('not json')}.${b64url('{}')}.abc`],
    ['header an array', `${b64url('["alg"]')}.${b64url('{}')}.abc`],
    ['header without alg', `${b64url('{"typ":"JWT"}')}.${b64url('{}')}.abc`],
    ['huge garbage', 'x'.repeat(100_000)],
    ['huge token-shaped garbage', `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`],
    ['non-ASCII', 'ключ.значение.подпись'],
  ])('refuses %s as malformed', async (_name, token) => {
    await refused(secretVerifier, token, 'malformed');
  });

  it('refuses a correctly signed token whose payload is not a JSON object', async () => {
    const header = b64url('{"alg":"HS256"}');
    for (const payload of ['not json', '[1,2]', '"string"']) {
      const body = `${header}.${b64url(payload)}`;
      const signature = createHmac('sha256', SECRET).update(body).digest('base64url');
      await refused(secretVerifier, `${body}.${signature}`, 'malformed');
    }
  });

  it('refuses random strings with a 401 and never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), async (token) => {
        await refused(secretVerifier, token);
        await refused(rsaVerifier, token);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses random token-shaped strings (random header JSON, payload and signature) with a 401', async () => {
    const part = fc.uint8Array({ maxLength: 80 }).map(b64url);
    const header = fc.oneof(
      fc.json().map(b64url),
      fc.record({ alg: fc.constantFrom('HS256', 'RS256', 'PS512', 'ES256', 'EdDSA', 'none', 'HS1', ''), kid: fc.option(fc.string()) }).map((h) => b64url(JSON.stringify(h))),
      part,
    );
    const payload = fc.oneof(
      fc.json().map(b64url),
      fc.record({ sub: fc.string(), exp: fc.oneof(fc.integer(), fc.double(), fc.string()) }).map((p) => b64url(JSON.stringify(p))),
      part,
    );
    await fc.assert(
      fc.asyncProperty(header, payload, part, async (h, p, s) => {
        const token = `${h}.${p}.${s}`;
        await refused(secretVerifier, token);
        await refused(rsaVerifier, token);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the token and the secret out of every error message', async () => {
    const tokens = [await hs256({ exp: NOW_SEC - 3600 }), await sign(new TextEncoder().encode(SECRET.split('').reverse().join('')), 'HS256'), 'x'.repeat(50)];
    for (const token of tokens) {
      const error = await refused(secretVerifier, token);
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain(token);
      expect(JSON.stringify(error.data ?? {})).not.toContain(token);
    }
  });
});

describe('createJwtVerifier: cache of verified tokens', () => {
  it('returns the same result for a repeated token', async () => {
    const token = await hs256({ scope: 'postgres' });
    const verifier = await createJwtVerifier({ secret: SECRET });
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.scopes)).toBe(true);
  });

  it('does not accept a cached token after its exp (plus tolerance)', async () => {
    let clock = NOW_SEC * 1000;
    const exp = NOW_SEC + 20;
    const verifier = await createJwtVerifier({ secret: SECRET, clockToleranceSec: 5, now: () => clock });
    const token = await hs256({ exp });
    const first = await verifier.verify(token);
    clock = (exp - 1) * 1000;
    expect(await verifier.verify(token)).toBe(first);
    // Past exp but within the tolerance: still accepted, but checked again rather than served from the cache.
    clock = (exp + 2) * 1000;
    const again = await verifier.verify(token);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    clock = (exp + 6) * 1000;
    await refused(verifier, token, 'expired');
  });

  it('re-checks a long-lived token after 60 s', async () => {
    let clock = NOW_SEC * 1000;
    const verifier = await createJwtVerifier({ secret: SECRET, now: () => clock });
    const token = await hs256({ exp: NOW_SEC + 3600 });
    const first = await verifier.verify(token);
    clock += 59_000;
    expect(await verifier.verify(token)).toBe(first);
    clock += 2_000;
    expect(await verifier.verify(token)).not.toBe(first);
  });

  it('holds at most cacheMaxEntries tokens, evicting the oldest, and can be turned off', async () => {
    const verifier = await createJwtVerifier({ secret: SECRET, cacheMaxEntries: 2 });
    const [t1, t2, t3] = await Promise.all([hs256({ sub: 'a1' }), hs256({ sub: 'a2' }), hs256({ sub: 'a3' })]);
    const r1 = await verifier.verify(t1!);
    const r2 = await verifier.verify(t2!);
    await verifier.verify(t3!);
    expect(await verifier.verify(t2!)).toBe(r2);
    expect(await verifier.verify(t1!)).not.toBe(r1);

    const uncached = await createJwtVerifier({ secret: SECRET, cacheMaxEntries: 0 });
    const token = await hs256();
    expect(await uncached.verify(token)).not.toBe(await uncached.verify(token));
  });

  it('never caches a failure: a refused token does not poison later checks of a valid one', async () => {
    let clock = NOW_SEC * 1000;
    const verifier = await createJwtVerifier({ secret: SECRET, now: () => clock, clockToleranceSec: 0 });
    const token = await hs256({ nbf: NOW_SEC + 10 });
    await refused(verifier, token, 'claim');
    clock += 11_000;
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
  });
});

describe('createJwtVerifier: JWKS (JWT_JWKS_URL)', () => {
  let server: JwksServer;
  const servers: JwksServer[] = [];

  beforeAll(async () => {
    server = await startJwksServer([
      { ...rsa.jwk, kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...ec256.jwk, kid: 'ec-1' },
      { ...ed25519.jwk, kid: 'ed-1' },
    ]);
    servers.push(server);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const jwksOptions = (url: string, extra: Partial<JwtVerifierOptions> = {}): JwtVerifierOptions => ({ jwksUrl: url, jwksTimeoutMs: 2_000, ...extra });

  it('verifies RS256, ES256 and EdDSA tokens against keys fetched from the JWKS, and caches the set', async () => {
    const verifier = await createJwtVerifier(jwksOptions(server.url));
    const before = server.requests;
    await expect(verifier.verify(await sign(rsa.privateKey, 'RS256', {}, { kid: 'rsa-1' }))).resolves.toMatchObject({ subject: 'agent-1' });
    await expect(verifier.verify(await sign(ec256.privateKey, 'ES256', { sub: 'ec' }, { kid: 'ec-1' }))).resolves.toMatchObject({ subject: 'ec' });
    await expect(verifier.verify(await sign(ed25519.privateKey, 'EdDSA', { sub: 'ed' }))).resolves.toMatchObject({ subject: 'ed' });
    expect(server.requests - before).toBe(1);
  });

  it('refuses HS256 and alg none when only a JWKS is configured', async () => {
    const verifier = await createJwtVerifier(jwksOptions(server.url));
    await refused(verifier, await hs256(), 'signature');
    await refused(verifier, await sign(new TextEncoder().encode(rsa.pem), 'HS256', {}, { kid: 'rsa-1' }), 'signature');
    await refused(verifier, `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ sub: 'a', exp: NOW_SEC + 60 }))}.`, 'signature');
  });

  it('refuses a token whose kid is not in the set, or that the set key did not sign', async () => {
    const verifier = await createJwtVerifier(jwksOptions(server.url));
    const stranger = keyPair('rsa');
    await refused(verifier, await sign(stranger.privateKey, 'RS256', {}, { kid: 'unknown' }), 'signature');
    await refused(verifier, await sign(stranger.privateKey, 'RS256', {}, { kid: 'rsa-1' }), 'signature');
    await refused(verifier, await sign(rsa.privateKey, 'PS256', {}, { kid: 'rsa-1' }), 'signature'); // the JWK says alg RS256
  });

  it('picks up a rotated key: an unknown kid triggers a refetch', async () => {
    const rotating = await startJwksServer([{ ...rsa.jwk, kid: 'old' }]);
    servers.push(rotating);
    const verifier = await createJwtVerifier(jwksOptions(rotating.url, { jwksCooldownMs: 0 }));
    await expect(verifier.verify(await sign(rsa.privateKey, 'RS256', {}, { kid: 'old' }))).resolves.toMatchObject({ subject: 'agent-1' });
    const next = keyPair('rsa');
    const token = await sign(next.privateKey, 'RS256', {}, { kid: 'new' });
    await refused(verifier, token, 'signature');
    rotating.keys = [{ ...rsa.jwk, kid: 'old' }, { ...next.jwk, kid: 'new' }];
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it('tries each key when several match a token without kid', async () => {
    const other = keyPair('P-256');
    const multi = await startJwksServer([{ ...other.jwk }, { ...ec256.jwk }]);
    servers.push(multi);
    const verifier = await createJwtVerifier(jwksOptions(multi.url));
    await expect(verifier.verify(await sign(ec256.privateKey, 'ES256'))).resolves.toMatchObject({ subject: 'agent-1' });
    await expect(verifier.verify(await sign(other.privateKey, 'ES256', { sub: 'other' }))).resolves.toMatchObject({ subject: 'other' });
    await refused(verifier, await sign(keyPair('P-256').privateKey, 'ES256'), 'signature');
  });

  it('refuses with jwks_unavailable when nothing listens at the JWKS URL', async () => {
    const verifier = await createJwtVerifier(jwksOptions(await deadUrl()));
    const error = await refused(verifier, await sign(rsa.privateKey, 'RS256', {}, { kid: 'rsa-1' }), 'jwks_unavailable');
    expect(error.message).toMatch(/signing keys \(JWKS\) are unavailable/);
    expect(error.cause).toBeDefined();
  });

  it('refuses with jwks_unavailable when the JWKS endpoint fails or never answers (timeout)', async () => {
    const broken = await startJwksServer([]);
    servers.push(broken);
    broken.mode = 'error';
    const verifier = await createJwtVerifier(jwksOptions(broken.url));
    await refused(verifier, await sign(rsa.privateKey, 'RS256'), 'jwks_unavailable');
    broken.mode = 'hang';
    const impatient = await createJwtVerifier(jwksOptions(broken.url, { jwksTimeoutMs: 200 }));
    await refused(impatient, await sign(rsa.privateKey, 'RS256'), 'jwks_unavailable');
  });

  it('refuses with jwks_unavailable when the endpoint serves something that is not a JWKS', async () => {
    const wrong = await startJwksServer([]);
    servers.push(wrong);
    wrong.keys = 'not keys' as unknown as JWK[];
    const verifier = await createJwtVerifier(jwksOptions(wrong.url));
    await refused(verifier, await sign(rsa.privateKey, 'RS256'), 'jwks_unavailable');
  });

  it('accepts a token once the JWKS endpoint comes back (failures are not cached)', async () => {
    const flaky = await startJwksServer([{ ...rsa.jwk, kid: 'rsa-1' }]);
    servers.push(flaky);
    flaky.mode = 'error';
    const verifier = await createJwtVerifier(jwksOptions(flaky.url));
    const token = await sign(rsa.privateKey, 'RS256', {}, { kid: 'rsa-1' });
    await refused(verifier, token, 'jwks_unavailable');
    flaky.mode = 'ok';
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it('with a secret, a public key and a JWKS, routes each token by its algorithm', async () => {
    const jwksOnly = keyPair('rsa');
    const mixed = await startJwksServer([{ ...jwksOnly.jwk, kid: 'idp' }]);
    servers.push(mixed);
    const verifier = await createJwtVerifier(jwksOptions(mixed.url, { secret: SECRET, publicKeyPem: rsa.pem }));
    await expect(verifier.verify(await hs256({ sub: 'hmac' }))).resolves.toMatchObject({ subject: 'hmac' });
    await expect(verifier.verify(await sign(rsa.privateKey, 'RS256', { sub: 'pem' }))).resolves.toMatchObject({ subject: 'pem' });
    await expect(verifier.verify(await sign(jwksOnly.privateKey, 'RS256', { sub: 'idp' }, { kid: 'idp' }))).resolves.toMatchObject({ subject: 'idp' });
    await refused(verifier, await sign(ec256.privateKey, 'ES256', { sub: 'x' }), 'signature');
    await refused(verifier, await sign(new TextEncoder().encode(rsa.pem), 'HS256'), 'signature');
  });
});
