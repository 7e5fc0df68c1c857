import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `mcp_live_<prefix>_<secret>`. The prefix (12 lower-case hex characters) is not secret:
 * it finds the key's row and names the key in lists, logs and audit rows. The secret is 32 bytes
 * of randomness (256 bits, base64url). Only the SHA-256 of the whole key is stored; a presented
 * key is hashed and compared with `timingSafeEqual` on equal-length digests.
 */
export const API_KEY_PATTERN = /^mcp_live_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_PATTERN = /^[0-9a-f]{12}$/;

export interface GeneratedApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
  /** Hex SHA-256 of `key`. */
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const key = `mcp_live_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The key's prefix when `text` is shaped like one of our keys; undefined otherwise. */
export function apiKeyPrefix(text: string): string | undefined {
  if (text.length !== 9 + 12 + 1 + 43) return undefined;
  return API_KEY_PATTERN.exec(text)?.[1];
}

export function isKeyPrefix(text: string): boolean {
  return PREFIX_PATTERN.test(text);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of a presented key with a stored digest (hex, or its bytes). */
export function apiKeyMatches(key: string, storedHash: string | Buffer): boolean {
  const presented = hash('sha256', key, 'buffer');
  const stored = typeof storedHash === 'string' ? Buffer.from(storedHash, 'hex') : storedHash;
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
