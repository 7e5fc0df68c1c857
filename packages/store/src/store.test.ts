import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordingLogger, storeHarness, tmpCacheDir, type StoreHarness } from './__fixtures__/store-harness.js';
import { MIGRATIONS, StoreError, type AuditRow, type GatewayStore, type NewApiKey } from './index.js';

/** Every migration in version order (other features append theirs). */
const ALL_VERSIONS = [...MIGRATIONS].sort((a, b) => a.version - b.version);

const cacheDir = tmpCacheDir();
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** A name no other test uses, so tests can share one store. */
function unique(label: string): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

function newKey(overrides: Partial<NewApiKey> = {}): NewApiKey {
  return {
    prefix: unique('mcp_live'),
    hash: randomBytes(32).toString('hex'),
    name: 'ci agent',
    scopes: ['tools:call', 'service:postgres'],
    expiresAt: null,
    rateLimitMax: null,
    rateLimitWindowMs: null,
    ...overrides,
  };
}

function auditRow(overrides: Partial<AuditRow> = {}): AuditRow {
  return {
    at: new Date('2026-01-02T03:04:05.678Z'),
    requestId: unique('req'),
    agent: 'agent-a',
    authMethod: 'api_key',
    service: 'postgres',
    tool: 'query',
    outcome: 'ok',
    errorCode: null,
    errorName: null,
    durationMs: 12.5,
    peer: '127.0.0.1',
    endpoint: '/mcp/rpc',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe.each(['postgres', 'embedded'] as const)('the gateway store on %s', (engine) => {
  const log = recordingLogger();
  let harness: StoreHarness;
  let store: GatewayStore;

  beforeAll(async () => {
    harness = await storeHarness(engine, cacheDir, log);
    store = await harness.open({ embeddedRole: 'owner' });
  }, 180_000);

  afterAll(async () => {
    await store?.close();
    await harness?.cleanup();
  }, 60_000);

  describe('migrations', () => {
    it('records every version on open and applies nothing on a second migrate', async () => {
      const rows = await harness.sql<{ version: number; name: string }>('SELECT version, name FROM mcpgw.schema_migrations ORDER BY version');
      expect(rows).toEqual(ALL_VERSIONS.map(({ version, name }) => ({ version, name })));
      expect(rows.slice(0, 2)).toEqual([
        { version: 1, name: 'api-keys-and-audit' },
        { version: 2, name: 'tool-pins' },
      ]);
      expect(await store.migrate()).toEqual([]);
      expect(store.engine).toBe(engine);
      expect(await store.ping()).toBeUndefined();
    });

    it('applies nothing when a second store opens the same schema', async () => {
      const before = log.entries.filter((e) => e.msg === 'gateway store migrated').length;
      const second = await harness.open();
      try {
        expect(await second.migrate()).toEqual([]);
        expect(await second.keys.findByPrefix('nobody')).toBeUndefined();
      } finally {
        await second.close();
      }
      expect(log.entries.filter((e) => e.msg === 'gateway store migrated')).toHaveLength(before);
      expect(await harness.sql('SELECT version FROM mcpgw.schema_migrations')).toHaveLength(ALL_VERSIONS.length);
    });

    it('lets two stores migrate a new schema at the same time: one applies, the other waits and applies nothing', async () => {
      const schema = unique('race');
      const [a, b] = await Promise.all([harness.open({ schema, migrate: false }), harness.open({ schema, migrate: false })]);
      try {
        const results = await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
        expect(results.flat()).toEqual(ALL_VERSIONS.map((m) => m.version));
        expect(await harness.sql(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).toEqual(ALL_VERSIONS.map((m) => ({ version: m.version })));
        await a.keys.create(newKey());
        expect(await b.keys.list()).toHaveLength(1);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('rejects a schema name that is not a plain identifier before touching the database', async () => {
      const error = await rejection(harness.open({ schema: 'Bad"; DROP' }));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('invalid');
    });
  });

  describe('API keys', () => {
    it('creates a key and finds it by prefix with every field intact', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000);
      const key = newKey({ expiresAt, rateLimitMax: 60, rateLimitWindowMs: 60_000, scopes: ['admin', 'tools:*'] });
      const created = await store.keys.create(key);
      expect(created).toEqual({ ...key, createdAt: expect.any(Date), lastUsedAt: null, revokedAt: null });
      expect(Math.abs(created.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      const found = await store.keys.findByPrefix(key.prefix);
      expect(found).toEqual(created);
      expect(found?.expiresAt?.getTime()).toBe(expiresAt.getTime());
    });

    it('keeps an empty scope list and null limits as they are', async () => {
      const key = newKey({ scopes: [] });
      await store.keys.create(key);
      const found = await store.keys.findByPrefix(key.prefix);
      expect(found).toMatchObject({ scopes: [], rateLimitMax: null, rateLimitWindowMs: null, expiresAt: null });
    });

    it('refuses a second key with the same prefix with code duplicate, naming the prefix but not the hash', async () => {
      const key = newKey();
      await store.keys.create(key);
      const error = await rejection(store.keys.create({ ...key, name: 'other' }));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('duplicate');
      expect((error as StoreError).message).toContain(key.prefix);
      expect((error as StoreError).message).not.toContain(key.hash);
      expect((await store.keys.findByPrefix(key.prefix))?.name).toBe(key.name);
    });

    it('returns undefined for an unknown prefix', async () => {
      expect(await store.keys.findByPrefix(unique('missing'))).toBeUndefined();
    });

    it('lists keys newest first and leaves revoked ones out unless asked', async () => {
      // PGlite's clock ticks in milliseconds: keep the three creation times apart.
      const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
      const first = await store.keys.create(newKey());
      await pause();
      const second = await store.keys.create(newKey());
      await pause();
      const third = await store.keys.create(newKey());
      await store.keys.revoke(second.prefix);
      const mine = (keys: { prefix: string }[]): string[] =>
        keys.map((k) => k.prefix).filter((p) => [first.prefix, second.prefix, third.prefix].includes(p));
      expect(mine(await store.keys.list())).toEqual([third.prefix, first.prefix]);
      expect(mine(await store.keys.list({ includeRevoked: true }))).toEqual([third.prefix, second.prefix, first.prefix]);
    });

    it('revokes once: a second revoke keeps the first time, and an unknown prefix gives undefined', async () => {
      const key = await store.keys.create(newKey());
      const at = new Date('2026-03-04T05:06:07.890Z');
      const revoked = await store.keys.revoke(key.prefix, at);
      expect(revoked?.revokedAt?.getTime()).toBe(at.getTime());
      const again = await store.keys.revoke(key.prefix, new Date('2027-01-01T00:00:00Z'));
      expect(again?.revokedAt?.getTime()).toBe(at.getTime());
      expect((await store.keys.findByPrefix(key.prefix))?.revokedAt?.getTime()).toBe(at.getTime());
      expect(await store.keys.revoke(unique('missing'))).toBeUndefined();
    });

    it('revokes at the database time when no time is given', async () => {
      const key = await store.keys.create(newKey());
      const revoked = await store.keys.revoke(key.prefix);
      expect(revoked?.revokedAt).toBeInstanceOf(Date);
      expect(Math.abs(revoked!.revokedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('records uses of many keys at once, never moving last use back', async () => {
      const a = await store.keys.create(newKey());
      const b = await store.keys.create(newKey());
      const t1 = new Date('2026-05-01T10:00:00.000Z');
      const t2 = new Date('2026-05-01T11:00:00.000Z');
      const t3 = new Date('2026-05-01T12:00:00.000Z');
      await store.keys.touch([
        { prefix: a.prefix, at: t2 },
        { prefix: a.prefix, at: t1 },
        { prefix: b.prefix, at: t1 },
        { prefix: unique('missing'), at: t3 },
      ]);
      expect((await store.keys.findByPrefix(a.prefix))?.lastUsedAt?.getTime()).toBe(t2.getTime());
      expect((await store.keys.findByPrefix(b.prefix))?.lastUsedAt?.getTime()).toBe(t1.getTime());
      await store.keys.touch([
        { prefix: a.prefix, at: t1 },
        { prefix: b.prefix, at: t3 },
      ]);
      expect((await store.keys.findByPrefix(a.prefix))?.lastUsedAt?.getTime()).toBe(t2.getTime());
      expect((await store.keys.findByPrefix(b.prefix))?.lastUsedAt?.getTime()).toBe(t3.getTime());
      await store.keys.touch([]);
    });
  });

  describe('job history', () => {
    const row = (id: string, status: 'queued' | 'active' | 'completed', extra: Partial<Record<string, unknown>> = {}) => ({
      id,
      service: 'echo',
      tool: 'echo',
      agent: 'ops',
      status,
      attempts: status === 'queued' ? 0 : 1,
      errorName: null,
      errorMessage: null,
      submittedAt: new Date('2026-11-27T00:00:00Z'),
      startedAt: status === 'queued' ? null : new Date('2026-11-27T00:00:01Z'),
      finishedAt: status === 'completed' ? new Date('2026-11-27T00:00:02Z') : null,
      durationMs: status === 'completed' ? 1000 : null,
      result: status === 'completed' ? { status: 'success', data: { echo: { message: 'hi' } } } : null,
      ...extra,
    });

    it('writes several jobs in one statement and never moves a finished job back', async () => {
      await store.jobs.upsertMany([row(`${engine}.a`, 'queued'), row(`${engine}.b`, 'active')]);
      await store.jobs.upsertMany([row(`${engine}.a`, 'completed'), row(`${engine}.b`, 'completed', { result: 'plain text' })]);
      await store.jobs.upsertMany([row(`${engine}.a`, 'active')]); // a late "active" write
      const a = await store.jobs.get(`${engine}.a`);
      expect(a).toMatchObject({ status: 'completed', attempts: 1, durationMs: 1000, result: { status: 'success', data: { echo: { message: 'hi' } } } });
      expect(a?.startedAt?.toISOString()).toBe('2026-11-27T00:00:01.000Z');
      expect((await store.jobs.get(`${engine}.b`))?.result).toBe('plain text');
      await store.jobs.upsertMany([]);
    });
  });

  describe('tool pins', () => {
    const definition = (description: string): Record<string, unknown> => ({ name: 'query', description, inputSchema: { type: 'object', properties: { sql: { type: 'string' } } } });
    const announce = (tool: string, description: string) => ({ tool, hash: createHash('sha256').update(description).digest('hex'), definition: definition(description) });

    it('pins a tool the first time it is announced and rewrites nothing when it is announced again', async () => {
      const service = unique('svc');
      const first = await store.toolPins.observe(service, [announce('query', 'v1'), announce('describe', 'd1')]);
      expect(first.pinned).toEqual(['describe', 'query']);
      expect(first.records.map((r) => r.tool)).toEqual(['describe', 'query']);
      expect(first.records[1]).toEqual({
        service,
        tool: 'query',
        hash: announce('query', 'v1').hash,
        definition: definition('v1'),
        pinnedAt: expect.any(Date),
        pendingHash: null,
        pendingDefinition: null,
        changedAt: null,
      });
      const [before] = await harness.sql<{ xmin: string }>('SELECT xmin::text FROM mcpgw.tool_pins WHERE service = $1 AND tool = $2', [service, 'query']);
      const again = await store.toolPins.observe(service, [announce('query', 'v1')]);
      expect(again).toEqual({ records: [first.records[1]], pinned: [] });
      const [after] = await harness.sql<{ xmin: string }>('SELECT xmin::text FROM mcpgw.tool_pins WHERE service = $1 AND tool = $2', [service, 'query']);
      expect(after).toEqual(before);
    });

    it('records a different definition as pending, keeps the pin and the first change time, and withdraws it when the pin is announced again', async () => {
      const service = unique('svc');
      const [pin] = (await store.toolPins.observe(service, [announce('query', 'v1')])).records;
      const changed = await store.toolPins.observe(service, [announce('query', 'v2')]);
      expect(changed.pinned).toEqual([]);
      expect(changed.records[0]).toMatchObject({ hash: pin!.hash, definition: definition('v1'), pendingHash: announce('query', 'v2').hash, pendingDefinition: definition('v2'), changedAt: expect.any(Date) });
      expect(changed.records[0]!.pinnedAt.getTime()).toBe(pin!.pinnedAt.getTime());
      await new Promise((resolve) => setTimeout(resolve, 5));
      const repeated = await store.toolPins.observe(service, [announce('query', 'v2')]);
      expect(repeated.records[0]!.changedAt!.getTime()).toBe(changed.records[0]!.changedAt!.getTime());
      const third = await store.toolPins.observe(service, [announce('query', 'v3')]);
      expect(third.records[0]).toMatchObject({ hash: pin!.hash, pendingHash: announce('query', 'v3').hash });
      expect(third.records[0]!.changedAt!.getTime()).toBeGreaterThan(changed.records[0]!.changedAt!.getTime());
      const reverted = await store.toolPins.observe(service, [announce('query', 'v1')]);
      expect(reverted.records[0]).toEqual(pin);
    });

    it('approves pending changes of one service, only the named tools when given, and nothing that is not pending', async () => {
      const service = unique('svc');
      const other = unique('svc');
      await store.toolPins.observe(service, [announce('a', 'a1'), announce('b', 'b1'), announce('c', 'c1')]);
      await store.toolPins.observe(other, [announce('a', 'a1')]);
      await store.toolPins.observe(service, [announce('a', 'a2'), announce('b', 'b2'), announce('c', 'c1')]);
      await store.toolPins.observe(other, [announce('a', 'a2')]);
      expect(await store.toolPins.approve(service, ['b', 'c', 'missing'])).toEqual([
        expect.objectContaining({ service, tool: 'b', hash: announce('b', 'b2').hash, definition: definition('b2'), pendingHash: null, pendingDefinition: null, changedAt: null }),
      ]);
      const approved = await store.toolPins.approve(service);
      expect(approved.map((r) => [r.tool, r.hash])).toEqual([['a', announce('a', 'a2').hash]]);
      expect(await store.toolPins.approve(service)).toEqual([]);
      expect((await store.toolPins.list({ service: other }))[0]).toMatchObject({ hash: announce('a', 'a1').hash, pendingHash: announce('a', 'a2').hash });
      const again = await store.toolPins.observe(service, [announce('a', 'a2'), announce('b', 'b2')]);
      expect(again.records.every((r) => r.pendingHash === null)).toBe(true);
    });

    it('lists pins by service and tool, of one service when asked', async () => {
      const a = `a${unique('svc')}`;
      const b = `b${unique('svc')}`;
      await store.toolPins.observe(b, [announce('z', 'z'), announce('y', 'y')]);
      await store.toolPins.observe(a, [announce('x', 'x')]);
      const all = (await store.toolPins.list()).filter((r) => r.service === a || r.service === b);
      expect(all.map((r) => `${r.service}.${r.tool}`)).toEqual([`${a}.x`, `${b}.y`, `${b}.z`]);
      expect((await store.toolPins.list({ service: b })).map((r) => r.tool)).toEqual(['y', 'z']);
      expect(await store.toolPins.list({ service: unique('none') })).toEqual([]);
    });

    it('stores a definition with text PostgreSQL cannot hold, cleaned, and ignores an empty announcement', async () => {
      const service = unique('svc');
      const odd = { tool: 'odd', hash: 'f'.repeat(64), definition: { name: 'odd', description: 'nul\u0000 and half\ud800', inputSchema: {} } };
      const { records } = await store.toolPins.observe(service, [odd, odd]);
      expect(records[0]!.definition).toEqual({ name: 'odd', description: 'nul and half\ufffd', inputSchema: {} });
      expect(await store.toolPins.observe(service, [])).toEqual({ records: [], pinned: [] });
    });

    it('settles two stores announcing different first definitions at once: one pins, the other is pending', async () => {
      const service = unique('race');
      const second = await harness.open();
      try {
        const results = await Promise.all([store.toolPins.observe(service, [announce('t', 'left')]), second.toolPins.observe(service, [announce('t', 'right')])]);
        expect(results.flatMap((r) => r.pinned)).toEqual(['t']);
        const [row] = await store.toolPins.list({ service });
        expect([row!.hash, row!.pendingHash].sort()).toEqual([announce('t', 'left').hash, announce('t', 'right').hash].sort());
      } finally {
        await second.close();
      }
    });
  });

  describe('audit log', () => {
    it('appends a batch of 1000 rows in one statement', async () => {
      const requestId = unique('batch');
      const rows = Array.from({ length: 1000 }, (_, i) => auditRow({ requestId: `${requestId}-${i}`, durationMs: i / 4 }));
      await store.audit.append(rows);
      const stats = await harness.sql<{ rows: string; transactions: string }>(
        'SELECT count(*) AS rows, count(DISTINCT xmin::text) AS transactions FROM mcpgw.audit_log WHERE request_id LIKE $1',
        [`${requestId}-%`],
      );
      expect(stats).toEqual([{ rows: '1000', transactions: '1' }]);
    });

    it('stores text PostgreSQL cannot hold (NUL, lone surrogates) cleaned, instead of failing the batch', async () => {
      const agent = unique('agent');
      await store.audit.append([auditRow({ agent, service: 'bad\u0000name', tool: 'half\ud800pair', requestId: unique('poison') })]);
      const { rows } = await store.audit.query({ agent, limit: 10 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ service: 'badname', tool: 'half\ufffdpair' });
    });

    it('does nothing for an empty batch', async () => {
      const [before] = await harness.sql<{ n: string }>('SELECT count(*) AS n FROM mcpgw.audit_log');
      await store.audit.append([]);
      const [after] = await harness.sql<{ n: string }>('SELECT count(*) AS n FROM mcpgw.audit_log');
      expect(after).toEqual(before);
    });

    it('reads back every field, nulls included', async () => {
      const agent = unique('agent');
      const full = auditRow({ agent, outcome: 'error', errorCode: -32056, errorName: 'TOOL_FAILED', durationMs: 0.125 });
      const sparse = auditRow({
        agent,
        at: new Date('2026-01-02T03:04:06.001Z'),
        authMethod: 'none',
        service: null,
        tool: null,
        outcome: 'unauthenticated',
        peer: null,
        endpoint: '/execute',
      });
      await store.audit.append([full, sparse]);
      const { rows, nextCursor } = await store.audit.query({ agent, limit: 10 });
      expect(nextCursor).toBeNull();
      expect(rows).toEqual([
        { ...sparse, id: expect.any(String) },
        { ...full, id: expect.any(String) },
      ]);
      expect(BigInt(rows[0]!.id)).toBeGreaterThan(BigInt(rows[1]!.id));
    });

    it('filters by agent, service, outcome and time, alone and together', async () => {
      const agent = unique('agent');
      const other = unique('agent');
      const early = new Date('2026-02-01T00:00:00.000Z');
      const late = new Date('2026-02-02T00:00:00.000Z');
      await store.audit.append([
        auditRow({ agent, service: 'github', outcome: 'ok', at: early, requestId: 'r1' }),
        auditRow({ agent, service: 'github', outcome: 'denied', at: late, requestId: 'r2' }),
        auditRow({ agent, service: 'postgres', outcome: 'rate_limited', at: late, requestId: 'r3' }),
        auditRow({ agent: other, service: 'github', outcome: 'ok', at: late, requestId: 'r4' }),
      ]);
      const ids = async (q: Parameters<GatewayStore['audit']['query']>[0]): Promise<string[]> =>
        (await store.audit.query(q)).rows.map((r) => r.requestId);
      expect(await ids({ agent, limit: 100 })).toEqual(['r3', 'r2', 'r1']);
      expect(await ids({ agent, service: 'github', limit: 100 })).toEqual(['r2', 'r1']);
      expect(await ids({ agent, outcome: 'rate_limited', limit: 100 })).toEqual(['r3']);
      expect(await ids({ agent, since: late, limit: 100 })).toEqual(['r3', 'r2']);
      expect(await ids({ agent, service: 'github', outcome: 'denied', since: late, limit: 100 })).toEqual(['r2']);
      expect(await ids({ agent: other, service: 'github', limit: 100 })).toEqual(['r4']);
      const newest = await ids({ service: 'github', since: late, limit: 1000 });
      expect(newest).toEqual(expect.arrayContaining(['r4', 'r2']));
      expect(newest).not.toContain('r1');
    });

    it('pages newest first with a cursor until the last page, which has no cursor', async () => {
      const agent = unique('agent');
      await store.audit.append(Array.from({ length: 23 }, (_, i) => auditRow({ agent, requestId: `p${i}` })));
      const seen: string[] = [];
      const pages: number[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await store.audit.query({ agent, limit: 7, ...(before === undefined ? {} : { before }) });
        pages.push(page.rows.length);
        seen.push(...page.rows.map((r) => r.requestId));
        if (page.nextCursor === null) break;
        expect(page.nextCursor).toBe(page.rows[page.rows.length - 1]!.id);
        before = page.nextCursor;
      }
      expect(pages).toEqual([7, 7, 7, 2]);
      expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `p${22 - i}`));
      const exact = await store.audit.query({ agent, limit: 23 });
      expect(exact.rows).toHaveLength(23);
      expect(exact.nextCursor).toBeNull();
    });

    it('rejects a page size out of range and a malformed cursor with code invalid', async () => {
      for (const q of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { limit: 10, before: '12; DROP' }, { limit: 10, before: '-1' }]) {
        const error = await rejection(store.audit.query(q));
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).code).toBe('invalid');
      }
    });

    it.each([
      ['UPDATE', "UPDATE mcpgw.audit_log SET outcome = 'ok' WHERE agent = $1"],
      ['DELETE', 'DELETE FROM mcpgw.audit_log WHERE agent = $1'],
      ['TRUNCATE', 'TRUNCATE mcpgw.audit_log'],
    ])('refuses %s on the audit log, even for its owner', async (operation, sql) => {
      const agent = unique('agent');
      await store.audit.append([auditRow({ agent, outcome: 'denied' })]);
      const params = sql.includes('$1') ? [agent] : undefined;
      await expect(harness.sql(sql, params)).rejects.toThrow(new RegExp(`append-only: ${operation}`));
      const { rows } = await store.audit.query({ agent, limit: 10 });
      expect(rows.map((r) => r.outcome)).toEqual(['denied']);
    });
  });
});
