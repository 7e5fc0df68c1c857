import { GatewayError } from '@mcpgw/protocol';
import type { ApiKeyRecord, KeyRepository } from '@mcpgw/store';
import { generateApiKey } from './api-key.js';
import { parseScopeList } from './scopes.js';

/** Key names are agent identities: they appear in audit rows and rate-limit buckets. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9._@:-]{1,64}$/;

export interface CreateKeyInput {
  name: string;
  scopes: string[];
  expiresAt: Date | null;
  rateLimit: { max: number; windowMs: number } | null;
}

/** A key as the admin API and CLI show it: never its hash. */
export interface KeyView {
  prefix: string;
  name: string;
  scopes: string[];
  rateLimit: { max: number; windowMs: number } | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export function keyView(record: ApiKeyRecord, now = Date.now()): KeyView {
  return {
    prefix: record.prefix,
    name: record.name,
    scopes: record.scopes,
    rateLimit: record.rateLimitMax !== null && record.rateLimitWindowMs !== null ? { max: record.rateLimitMax, windowMs: record.rateLimitWindowMs } : null,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    status: record.revokedAt ? 'revoked' : record.expiresAt && record.expiresAt.getTime() <= now ? 'expired' : 'active',
  };
}

/** Checks an admin's request for a key; INVALID_PARAMS naming the field otherwise. */
export function checkKeyInput(input: { name: unknown; scopes: unknown }): { name: string; scopes: string[] } {
  if (typeof input.name !== 'string' || !KEY_NAME_PATTERN.test(input.name)) {
    throw new GatewayError('INVALID_PARAMS', 'name must be the agent name: 1-64 letters, digits or . _ @ : -', {
      data: { issues: [{ path: 'name', message: 'required agent name' }] },
    });
  }
  if (!(typeof input.scopes === 'string' || (Array.isArray(input.scopes) && input.scopes.every((s) => typeof s === 'string')))) {
    throw new GatewayError('INVALID_PARAMS', 'scopes must be a list such as ["postgres", "odoo:search"] or "postgres,odoo"', {
      data: { issues: [{ path: 'scopes', message: 'required list of scopes' }] },
    });
  }
  const scopes = parseScopeList(input.scopes as string | string[]);
  if (scopes.length === 0) {
    throw new GatewayError('INVALID_PARAMS', 'a key needs at least one scope (a service such as postgres, service:tool, * or admin)', {
      data: { issues: [{ path: 'scopes', message: 'empty' }] },
    });
  }
  return { name: input.name, scopes };
}

/** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
export async function createApiKey(keys: KeyRepository, input: CreateKeyInput): Promise<{ key: string; record: ApiKeyRecord }> {
  const generated = generateApiKey();
  const record = await keys.create({
    prefix: generated.prefix,
    hash: generated.hash,
    name: input.name,
    scopes: input.scopes,
    expiresAt: input.expiresAt,
    rateLimitMax: input.rateLimit?.max ?? null,
    rateLimitWindowMs: input.rateLimit?.windowMs ?? null,
  });
  return { key: generated.key, record };
}

/** `500/1m` → { max: 500, windowMs: 60000 }. */
export function parseRateSpec(text: string, parseDuration: (t: string) => number): { max: number; windowMs: number } {
  const match = /^(\d{1,9})\/(.+)$/.exec(text.trim());
  if (!match) throw new Error(`rate limit "${text}" must look like 500/1m (calls per window)`);
  const max = Number(match[1]);
  if (max < 1) throw new Error('a rate limit allows at least 1 call per window');
  return { max, windowMs: parseDuration(match[2]!) };
}
