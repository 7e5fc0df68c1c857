import { SignJWT } from 'jose';
import { JWT_SUBJECT_PATTERN, MIN_JWT_SECRET_LENGTH } from './jwt-verifier.js';

export interface SignTokenOptions {
  /** The gateway's JWT_SECRET (at least 32 characters). */
  secret: string;
  /** The agent the token speaks for (`sub`). */
  subject: string;
  /** Written as one space-separated `scope` claim; omitted when empty. */
  scopes: string[];
  /** Lifetime from `now`, at least one second. */
  ttlMs: number;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Issue time; default now. */
  now?: Date | undefined;
}

/**
 * Signs an HS256 token the gateway accepts (`mcpgw token sign`): `sub`, `scope`, `iat`, `exp`, and
 * `iss`/`aud` when given. Throws a plain Error naming the bad option; the secret is never echoed.
 */
export async function signToken(options: SignTokenOptions): Promise<string> {
  const { secret, subject, scopes, ttlMs } = options;
  if (secret.length < MIN_JWT_SECRET_LENGTH) throw new Error(`the JWT secret must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
  if (!JWT_SUBJECT_PATTERN.test(subject)) {
    throw new Error(`"${subject.slice(0, 40)}" is not a valid subject: use 1 to 128 characters among A-Z a-z 0-9 . _ @ : -`);
  }
  for (const scope of scopes) {
    if (scope === '' || /[\s,]/.test(scope)) throw new Error(`"${scope.slice(0, 40)}" is not a scope: scopes cannot be empty or contain spaces or commas`);
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1_000) throw new Error('the token lifetime must be a whole number of milliseconds, at least 1000 (1s)');

  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims = scopes.length > 0 ? { scope: [...new Set(scopes)].join(' ') } : {};
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.floor(ttlMs / 1000));
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
