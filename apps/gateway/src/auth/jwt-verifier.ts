import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { GatewayError } from '@mcpgw/protocol';
import { createRemoteJWKSet, errors, importJWK, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload, JWTVerifyOptions, RemoteJWKSet } from 'jose';
import { SCOPE_PATTERN } from '../config.js';

/** Shortest accepted HMAC secret (JWT_SECRET), in characters. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** What a token's `sub` (the agent name) may look like. */
export const JWT_SUBJECT_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;

/** Why a bearer token was refused: a small fixed set, safe as a metric label (`mcp_auth_failures_total{reason}`). */
export const JWT_FAILURE_REASONS = ['malformed', 'signature', 'expired', 'claim', 'jwks_unavailable', 'not_configured'] as const;
export type JwtFailureReason = (typeof JWT_FAILURE_REASONS)[number];

/**
 * A refused bearer token: always UNAUTHENTICATED (401), with a caller-safe message and a bounded
 * `reason` for metrics. `cause` (the jose or network error) is for the gateway log only.
 */
export class JwtVerificationError extends GatewayError {
  readonly reason: JwtFailureReason;

  constructor(reason: JwtFailureReason, message: string, cause?: unknown) {
    super('UNAUTHENTICATED', message, cause === undefined ? {} : { cause });
    this.reason = reason;
  }
}

export interface JwtVerifierOptions {
  /** HMAC secret (JWT_SECRET), at least 32 characters: HS256, plus HS384 from 48 and HS512 from 64 characters. */
  secret?: string | undefined;
  /** PEM public key (JWT_PUBLIC_KEY): SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY` or an X.509 `CERTIFICATE`. */
  publicKeyPem?: string | undefined;
  /** http(s) URL of a JWKS document (JWT_JWKS_URL), fetched lazily and cached by jose. */
  jwksUrl?: string | undefined;
  /** Required `iss` when set. */
  issuer?: string | undefined;
  /** Accepted `aud` values (any one must match) when set and non-empty. */
  audience?: string[] | undefined;
  /** Leeway for `exp`/`nbf`, 0..60 s. Default 30. */
  clockToleranceSec?: number | undefined;
  /** How long fetched JWKS keys are used before a refetch. Default 600 000 (10 min). */
  jwksCacheMaxAgeMs?: number | undefined;
  /** Abort a JWKS fetch after this long (the token is then refused as jwks_unavailable). Default 5000. */
  jwksTimeoutMs?: number | undefined;
  /** Minimum time between refetches triggered by an unknown `kid`. Default 30 000. */
  jwksCooldownMs?: number | undefined;
  /** Successful verifications remembered (by SHA-256 of the token) for up to 60 s. Default 10 000; 0 turns the cache off. */
  cacheMaxEntries?: number | undefined;
  /** Clock in ms since the epoch; tests inject one. Default Date.now. */
  now?: (() => number) | undefined;
}

/** Who a valid token speaks for. Cached results are shared and frozen: treat them as read-only. */
export interface VerifiedToken {
  subject: string;
  scopes: string[];
  expiresAt: Date;
}

export interface JwtVerifier {
  /** Resolves for a valid token; rejects with JwtVerificationError (401) for anything else. */
  verify(token: string): Promise<VerifiedToken>;
  /** Whether any key source (secret, public key, JWKS) is configured. */
  readonly configured: boolean;
}

const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const EDDSA_ALGORITHMS = ['EdDSA', 'Ed25519'];
const JWKS_ALGORITHMS = new Set([...RSA_ALGORITHMS, ...Object.values(EC_ALGORITHMS), ...EDDSA_ALGORITHMS]);
/** HMAC algorithm → shortest secret (RFC 7518 §3.2: at least the hash size). */
const HMAC_MIN_LENGTH: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** Larger than any sane token; bounds the work done on garbage. Fastify's header limit is 16 KiB too. */
const MAX_TOKEN_LENGTH = 16_384;
/** Compact JWS: three base64url parts, header and payload non-empty. Rejects garbage before any decoding. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const CACHE_TTL_MS = 60_000;
const MAX_CLOCK_TOLERANCE_SEC = 60;

const MESSAGES = {
  malformed: 'the bearer token is not a well-formed JWT',
  tooLong: `the bearer token is longer than ${MAX_TOKEN_LENGTH} characters`,
  signature: "the bearer token's signature or algorithm is not accepted",
  expired: 'the bearer token has expired',
  notYetValid: 'the bearer token is not valid yet ("nbf" is in the future)',
  audience: "the bearer token's audience is not accepted",
  issuer: "the bearer token's issuer is not accepted",
  noExp: 'the bearer token has no "exp" claim',
  subject: 'the bearer token has no valid "sub" (1 to 128 characters among A-Z a-z 0-9 . _ @ : -)',
  scopes: 'the bearer token\'s "scope"/"scopes" claim must be a string or an array of strings',
  jwks: 'the bearer token cannot be checked now: the signing keys (JWKS) are unavailable; retry later',
  notConfigured: 'this gateway does not accept bearer tokens (no JWT secret, public key or JWKS URL is configured); use X-MCP-Key',
} as const;

/** Marks a failure to obtain keys from the JWKS endpoint (as opposed to a token that matches no key). */
class JwksUnavailable extends Error {}

/**
 * Builds the bearer-token verifier from the JWT settings. Keys are parsed and imported here, once;
 * a bad setting throws a plain Error whose message names the variable and the expected form.
 */
export async function createJwtVerifier(options: JwtVerifierOptions): Promise<JwtVerifier> {
  const clockToleranceSec = options.clockToleranceSec ?? 30;
  if (!Number.isFinite(clockToleranceSec) || clockToleranceSec < 0 || clockToleranceSec > MAX_CLOCK_TOLERANCE_SEC) {
    throw new Error(`JWT_CLOCK_TOLERANCE_SEC must be between 0 and ${MAX_CLOCK_TOLERANCE_SEC} seconds`);
  }
  const secretKeys = options.secret === undefined ? undefined : await importSecret(options.secret);
  const publicKeys = options.publicKeyPem === undefined ? undefined : await importPublicKeyPem(options.publicKeyPem);
  const jwks = options.jwksUrl === undefined ? undefined : remoteKeySet(options.jwksUrl, options);
  const configured = secretKeys !== undefined || publicKeys !== undefined || jwks !== undefined;

  const now = options.now ?? Date.now;
  const cache = new VerifiedTokenCache(options.cacheMaxEntries ?? 10_000);
  const audience = options.audience !== undefined && options.audience.length > 0 ? options.audience : undefined;
  const baseOptions: JWTVerifyOptions = { clockTolerance: clockToleranceSec, requiredClaims: ['exp'] };
  if (options.issuer !== undefined) baseOptions.issuer = options.issuer;
  if (audience !== undefined) baseOptions.audience = audience;

  async function checkSignatureAndClaims(token: string, alg: string, currentDate: Date): Promise<JWTPayload> {
    const verifyOptions: JWTVerifyOptions = { ...baseOptions, algorithms: [alg], currentDate };
    const secretKey = secretKeys?.get(alg);
    if (secretKey) return (await jwtVerify(token, secretKey, verifyOptions)).payload;
    const publicKey = publicKeys?.get(alg);
    if (publicKey) {
      try {
        return (await jwtVerify(token, publicKey, verifyOptions)).payload;
      } catch (error) {
        // With both a static key and a JWKS, a token the static key did not sign may be the JWKS's.
        if (!jwks || !(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
      }
    }
    if (jwks && JWKS_ALGORITHMS.has(alg)) return verifyWithKeySet(token, jwks, verifyOptions);
    throw new JwtVerificationError('signature', MESSAGES.signature);
  }

  return {
    configured,
    async verify(token: string): Promise<VerifiedToken> {
      if (!configured) throw new JwtVerificationError('not_configured', MESSAGES.notConfigured);
      if (typeof token !== 'string') throw new JwtVerificationError('malformed', MESSAGES.malformed);
      if (token.length > MAX_TOKEN_LENGTH) throw new JwtVerificationError('malformed', MESSAGES.tooLong);
      if (!COMPACT_JWS.test(token)) throw new JwtVerificationError('malformed', MESSAGES.malformed);

      const at = now();
      const id = createHash('sha256').update(token).digest('base64url');
      const cached = cache.get(id, at);
      if (cached) return cached;

      const alg = headerAlgorithm(token);
      let payload: JWTPayload;
      try {
        payload = await checkSignatureAndClaims(token, alg, new Date(at));
      } catch (error) {
        throw toVerificationError(error);
      }
      const verified = toVerifiedToken(payload);
      cache.set(id, verified, Math.min(verified.expiresAt.getTime(), at + CACHE_TTL_MS), at);
      return verified;
    },
  };
}

/** The header's `alg`, read without trusting anything else in the token. */
function headerAlgorithm(token: string): string {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    throw new JwtVerificationError('malformed', MESSAGES.malformed);
  }
  const alg = typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as { alg?: unknown }).alg : undefined;
  if (typeof alg !== 'string' || alg === '') throw new JwtVerificationError('malformed', MESSAGES.malformed);
  return alg;
}

/** Verifies against the JWKS; when several keys match (no `kid`), tries each as jose recommends. */
async function verifyWithKeySet(token: string, jwks: RemoteJWKSet, verifyOptions: JWTVerifyOptions): Promise<JWTPayload> {
  const resolve = async (...args: Parameters<RemoteJWKSet>): Promise<CryptoKey> => {
    try {
      return await jwks(...args);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      if (error instanceof errors.JOSENotSupported) throw error;
      throw new JwksUnavailable('JWKS unavailable', { cause: error });
    }
  };
  try {
    return (await jwtVerify(token, resolve, verifyOptions)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

function toVerifiedToken(payload: JWTPayload): VerifiedToken {
  const { sub, exp } = payload;
  if (typeof sub !== 'string' || !JWT_SUBJECT_PATTERN.test(sub)) throw new JwtVerificationError('claim', MESSAGES.subject);
  // jose has checked that exp is present and a number.
  const expiresAt = new Date((exp as number) * 1000);
  const scopes = [...new Set([...scopeItems(payload.scope), ...scopeItems(payload['scopes'])])];
  return Object.freeze({ subject: sub, scopes: Object.freeze(scopes) as string[], expiresAt });
}

/**
 * Scope names from an OAuth `scope` string (space or comma separated) or a `scopes` array. Names
 * that cannot be gateway scopes (an IdP's `offline_access`, URLs) grant nothing and are dropped.
 */
function scopeItems(claim: unknown): string[] {
  if (claim === undefined) return [];
  let items: unknown[];
  if (typeof claim === 'string') items = claim.split(/[\s,]+/);
  else if (Array.isArray(claim)) items = claim;
  else throw new JwtVerificationError('claim', MESSAGES.scopes);
  const scopes: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new JwtVerificationError('claim', MESSAGES.scopes);
    if (SCOPE_PATTERN.test(item)) scopes.push(item);
  }
  return scopes;
}

/** Maps anything verification threw to a 401 with a fixed, secret-free message. */
function toVerificationError(error: unknown): JwtVerificationError {
  if (error instanceof JwtVerificationError) return error;
  if (error instanceof JwksUnavailable) return new JwtVerificationError('jwks_unavailable', MESSAGES.jwks, error.cause);
  if (error instanceof errors.JWTExpired) return new JwtVerificationError('expired', MESSAGES.expired, error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const message =
      error.claim === 'exp' && error.reason === 'missing'
        ? MESSAGES.noExp
        : error.claim === 'nbf' && error.reason === 'check_failed'
          ? MESSAGES.notYetValid
          : error.claim === 'aud'
            ? MESSAGES.audience
            : error.claim === 'iss'
              ? MESSAGES.issuer
              : `the bearer token's "${CLAIM_NAMES.has(error.claim) ? error.claim : 'claims'}" claim is not valid`;
    return new JwtVerificationError('claim', message, error);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new JwtVerificationError('malformed', MESSAGES.malformed, error);
  }
  // Signature mismatch, algorithm not allowed, no matching JWKS key, or a key/algorithm mismatch that
  // the crypto layer reports as a TypeError: all mean "not signed by a key we trust".
  return new JwtVerificationError('signature', MESSAGES.signature, error);
}

/** Registered claim names jose may report; anything else is not echoed back. */
const CLAIM_NAMES = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'typ']);

async function importSecret(secret: string): Promise<Map<string, CryptoKey>> {
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters (it has ${secret.length})`);
  }
  const bytes = new TextEncoder().encode(secret);
  const keys = new Map<string, CryptoKey>();
  for (const [alg, minLength] of Object.entries(HMAC_MIN_LENGTH)) {
    if (secret.length < minLength) continue;
    const hash = `SHA-${alg.slice(2)}`;
    keys.set(alg, await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash }, false, ['verify']));
  }
  return keys;
}

const PEM_HINT = 'expected -----BEGIN PUBLIC KEY----- (SPKI), -----BEGIN RSA PUBLIC KEY----- or -----BEGIN CERTIFICATE-----';

/** Parses the PEM once and imports one CryptoKey per algorithm its key type allows. */
async function importPublicKeyPem(pem: string): Promise<Map<string, CryptoKey>> {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error('JWT_PUBLIC_KEY holds a private key; give the gateway only the public key (openssl pkey -pubout)');
  }
  let keyObject: KeyObject;
  try {
    keyObject = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`JWT_PUBLIC_KEY is not a PEM public key: ${PEM_HINT}`);
  }
  const algorithms = algorithmsForKey(keyObject);
  const jwk = keyObject.export({ format: 'jwk' });
  const keys = new Map<string, CryptoKey>();
  for (const alg of algorithms) keys.set(alg, (await importJWK(jwk, alg)) as CryptoKey);
  return keys;
}

/** The allow-list for one key: never `none`, never HMAC, only what the key type can actually sign. */
function algorithmsForKey(key: KeyObject): string[] {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details?.modulusLength ?? 0) < 2048) throw new Error('JWT_PUBLIC_KEY is an RSA key shorter than 2048 bits; use 2048 bits or more');
      return RSA_ALGORITHMS;
    case 'ec': {
      const alg = EC_ALGORITHMS[details?.namedCurve ?? ''];
      if (!alg) throw new Error('JWT_PUBLIC_KEY is an EC key on an unsupported curve; use P-256, P-384 or P-521');
      return [alg];
    }
    case 'ed25519':
      return EDDSA_ALGORITHMS;
    default:
      throw new Error(`JWT_PUBLIC_KEY has an unsupported key type (${String(key.asymmetricKeyType)}); use RSA (2048+ bits), EC P-256/P-384/P-521 or Ed25519`);
  }
}

function remoteKeySet(jwksUrl: string, options: JwtVerifierOptions): RemoteJWKSet {
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new Error('JWT_JWKS_URL is not a URL: expected https://issuer.example/.well-known/jwks.json');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('JWT_JWKS_URL must be an http(s) URL');
  if (url.username !== '' || url.password !== '') throw new Error('JWT_JWKS_URL must not contain a user name or password');
  return createRemoteJWKSet(url, {
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
  });
}

interface CacheEntry {
  readonly token: VerifiedToken;
  readonly validUntil: number;
}

/**
 * Recently verified tokens, so an agent reusing its token skips the signature check. Bounded;
 * the oldest entry goes first; an entry never outlives the token's `exp`. Failures are never stored.
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly maxEntries: number) {}

  get(id: string, now: number): VerifiedToken | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.validUntil > now) return entry.token;
    this.entries.delete(id);
    return undefined;
  }

  set(id: string, token: VerifiedToken, validUntil: number, now: number): void {
    if (this.maxEntries <= 0 || validUntil <= now) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(id)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { token, validUntil });
  }
}
