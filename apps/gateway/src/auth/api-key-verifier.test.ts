import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openStore, type GatewayStore } from '@mcpgw/store';
import { DATABASE_URL, dropSchema } from '@mcpgw/test-support';
import { ApiKeyVerifier, KeyRejectedError } from './api-key-verifier.js';
import { createApiKey } from './key-admin.js';

/** The key cache against the real store (PostgreSQL, a schema of its own), with a clock the test moves. */
const schema = `verifier_${process.pid}_${Date.now().toString(36)}`;
const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-verifier-'));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let store: GatewayStore;
let lookups = 0;
let now = 1_000_000;

beforeAll(async () => {
  store = await openStore({ databaseUrl: DATABASE_URL, schema, dataDir, log: quiet });
});
afterAll(async () => {
  await store.close();
  await dropSchema(schema);
  rmSync(dataDir, { recursive: true, force: true });
});

function verifier(ttlMs = 1_000): ApiKeyVerifier {
  return new ApiKeyVerifier({
    keys: {
      findByPrefix: (prefix) => {
        lookups++;
        return store.keys.findByPrefix(prefix);
      },
      touch: (uses) => store.keys.touch(uses),
    },
    ttlMs,
    staleMs: 60_000,
    log: quiet,
    now: () => now,
  });
}

const reason = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof KeyRejectedError ? error.reason : String(error);
  }
};

describe('ApiKeyVerifier', () => {
  it('trusts a looked-up key for ttlMs, then sees its revocation', async () => {
    const v = verifier();
    const { key, record } = await createApiKey(store.keys, { name: 'cached', scopes: ['echo'], expiresAt: null, rateLimit: { max: 7, windowMs: 1_000 } });
    const identity = await v.verify(key);
    expect(identity).toMatchObject({ prefix: record.prefix, name: 'cached', rateLimit: { max: 7, windowMs: 1_000 } });
    expect(identity.scopes.allowsTool('echo', 'echo')).toBe(true);
    await store.keys.revoke(record.prefix);
    now += 999;
    await expect(v.verify(key)).resolves.toBe(identity);
    now += 1;
    expect(await reason(v.verify(key))).toBe('revoked');
    await v.close();
  });

  it('looks a prefix up once for many concurrent calls', async () => {
    const v = verifier();
    const { key } = await createApiKey(store.keys, { name: 'busy', scopes: ['echo'], expiresAt: null, rateLimit: null });
    const before = lookups;
    await Promise.all(Array.from({ length: 20 }, () => v.verify(key)));
    expect(lookups - before).toBe(1);
    await v.close();
  });

  it('tells apart (for metrics only) malformed, unknown, mismatching and expired keys', async () => {
    const v = verifier();
    const { key } = await createApiKey(store.keys, { name: 'short-lived', scopes: ['echo'], expiresAt: new Date(now + 5_000), rateLimit: null });
    expect(await reason(v.verify('mcp_live_x'))).toBe('malformed');
    expect(await reason(v.verify(`mcp_live_ffffffffffff_${key.slice(22)}`))).toBe('unknown');
    expect(await reason(v.verify(`${key.slice(0, 22)}${'B'.repeat(43)}`))).toBe('mismatch');
    await expect(v.verify(key)).resolves.toMatchObject({ name: 'short-lived' });
    now += 5_000;
    expect(await reason(v.verify(key))).toBe('expired');
    await v.close();
  });

  it('writes last-used times in one batch', async () => {
    const v = verifier();
    const { key, record } = await createApiKey(store.keys, { name: 'touched', scopes: ['echo'], expiresAt: null, rateLimit: null });
    await v.verify(key);
    expect((await store.keys.findByPrefix(record.prefix))!.lastUsedAt).toBeNull();
    await v.flushTouches();
    expect((await store.keys.findByPrefix(record.prefix))!.lastUsedAt?.getTime()).toBe(now);
    await v.close();
  });
});
