import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DATABASE_URL } from '@mcpgw/test-support';
import pg from 'pg';
import { openStore } from './open-store.js';
import type { GatewayStore } from './store-types.js';

/**
 * The gateway under a role of its own with exactly the grants documented in migrations 1 and 2 (and
 * docs/security.md): it starts once the owner has migrated, does its work, and cannot change the
 * audit log — the database refuses before the append-only trigger is even reached.
 */
const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
const schema = `lp_${tag}`;
const role = `mcpgw_app_${tag}`;
const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-lp-'));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const admin = new pg.Client({ connectionString: DATABASE_URL });
let owner: GatewayStore;

function asRole(): string {
  const url = new URL(DATABASE_URL);
  url.username = role;
  url.password = '';
  return url.toString();
}

beforeAll(async () => {
  await admin.connect();
  owner = await openStore({ databaseUrl: DATABASE_URL, schema, dataDir, log: quiet });
  const s = `"${schema}"`;
  await admin.query(`CREATE ROLE ${role} LOGIN`);
  for (const grant of [
    `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
    `GRANT SELECT, INSERT ON ${s}.audit_log TO ${role}`,
    `GRANT USAGE ON SEQUENCE ${s}.audit_log_id_seq TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE ON ${s}.api_keys TO ${role}`,
    `GRANT SELECT ON ${s}.schema_migrations TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE ON ${s}.tool_pins TO ${role}`,
  ]) {
    await admin.query(grant);
  }
});

afterAll(async () => {
  await owner.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a gateway role with the documented grants', () => {
  it('opens the migrated store and uses keys, the audit log and tool pins', async () => {
    const store = await openStore({ databaseUrl: asRole(), schema, dataDir, log: quiet });
    try {
      expect(await store.migrate()).toEqual([]);
      await store.keys.create({ prefix: 'abcdefabcdef', hash: '00'.repeat(32), name: 'lp', scopes: ['echo'], expiresAt: null, rateLimitMax: null, rateLimitWindowMs: null });
      await store.keys.touch([{ prefix: 'abcdefabcdef', at: new Date() }]);
      expect((await store.keys.revoke('abcdefabcdef'))?.revokedAt).toBeInstanceOf(Date);
      const at = new Date();
      await store.audit.append([{ at, requestId: 'lp-1', agent: 'lp', authMethod: 'api_key', service: 'echo', tool: 'echo', outcome: 'ok', errorCode: null, errorName: null, durationMs: 1, peer: '127.0.0.1', endpoint: 'rpc' }]);
      expect((await store.audit.query({ agent: 'lp', limit: 10 })).rows).toHaveLength(1);
      const definition = { name: 'echo', description: 'v1', inputSchema: {} };
      await store.toolPins.observe('echo', [{ tool: 'echo', hash: 'a'.repeat(64), definition }]);
      await store.toolPins.observe('echo', [{ tool: 'echo', hash: 'b'.repeat(64), definition: { ...definition, description: 'v2' } }]);
      expect((await store.toolPins.approve('echo')).map((r) => r.hash)).toEqual(['b'.repeat(64)]);
    } finally {
      await store.close();
    }
  });

  it('cannot update, delete or truncate audit rows', async () => {
    const client = new pg.Client({ connectionString: asRole() });
    await client.connect();
    try {
      for (const sql of [`UPDATE "${schema}".audit_log SET outcome = 'ok'`, `DELETE FROM "${schema}".audit_log`, `TRUNCATE "${schema}".audit_log`]) {
        await expect(client.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await client.end();
    }
  });

  it('is told clearly when a migration needs a privilege it lacks', async () => {
    const fresh = `lp_new_${tag}`;
    await expect(openStore({ databaseUrl: asRole(), schema: fresh, dataDir, log: quiet })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'permission',
      message: expect.stringMatching(/database role may not do this.*see the grants/),
    });
  });
});
