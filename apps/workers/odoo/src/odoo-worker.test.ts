import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOdoo, type FakeOdoo } from '@mcpgw/fakes';
import { MetaKeys, WorkerMethods, healthReportSchema, serviceManifestSchema } from '@mcpgw/protocol';
import { connectInMemory, type InMemoryConnection } from '@mcpgw/worker-kit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { OdooClient } from './odoo-client.js';
import { odooWorker } from './odoo-worker.js';

/**
 * The odoo worker in-process (SDK client over an in-memory transport) against the fake Odoo of
 * @mcpgw/fakes, a real HTTP server speaking Odoo's JSON-RPC: each tool, and the upstream faults a
 * real client must survive (bad key, expired session, 429 bursts, 5xx, timeouts).
 */
const NOW = new Date('2026-03-20T04:00:00Z');
const TODAY = '2026-03-20';

const connect = (env: Record<string, string>): Promise<InMemoryConnection> => connectInMemory(odooWorker, env);

function envFor(fake: FakeOdoo, extra: Record<string, string> = {}): Record<string, string> {
  return { ODOO_URL: fake.url, ODOO_DB: fake.db, ODOO_USERNAME: fake.login, ODOO_API_KEY: fake.apiKey, ODOO_TIMEOUT_MS: '2000', ...extra };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  const meta = (result._meta ?? {}) as Record<string, unknown>;
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    data: result.structuredContent as any,
    error: result.isError ? ((meta[MetaKeys.error] as { kind: string; message: string; retryAfter?: number; missing?: string[] }) ?? { kind: 'unknown', message: '' }) : undefined,
    meta,
  };
}

let fake: FakeOdoo;
let odoo: InMemoryConnection;
/** An independent client for cross-checking the tools' numbers against the fake. */
let direct: OdooClient;

beforeAll(async () => {
  fake = await startFakeOdoo({ now: NOW });
  odoo = await connect(envFor(fake, { ODOO_MAX_ROWS: '25' }));
  direct = new OdooClient({ url: fake.url, db: fake.db, username: fake.login, apiKey: fake.apiKey });
});

afterAll(async () => {
  await odoo?.close();
  await fake?.close();
});

afterEach(() => {
  fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, sessionExpired: false, authFail: false };
});

describe('odoo worker: manifest and configuration', () => {
  it('announces itself as live, with its commands and required variables', async () => {
    const manifest = await odoo.client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest).toMatchObject({ name: 'odoo', mode: 'live', requiredEnv: ['ODOO_URL', 'ODOO_DB', 'ODOO_USERNAME', 'ODOO_API_KEY'] });
    expect(manifest.tools.map((t) => t.name).sort()).toEqual(['get_accounting_status', 'get_odoo_logs', 'list_queue_jobs', 'odoo_health', 'search_read']);
    expect(manifest.commands.map((c) => c.pattern)).toEqual(
      expect.arrayContaining(['jobs [<state>]', 'logs [<level>]', 'status <period> [<company>]']),
    );
  });

  it('is unconfigured without credentials and names the missing variables', async () => {
    const bare = await connect({ ODOO_URL: fake.url });
    try {
      const { error } = await call(bare.client, 'odoo_health');
      expect(error).toMatchObject({ kind: 'unconfigured', missing: ['ODOO_DB', 'ODOO_USERNAME', 'ODOO_API_KEY'] });
      const health = await bare.client.request({ method: WorkerMethods.health }, healthReportSchema);
      expect(health.status).toBe('unconfigured');
    } finally {
      await bare.close();
    }
  });

  it('marks answers as sandbox answers when ODOO_SANDBOX is set', async () => {
    const sandbox = await connect(envFor(fake, { ODOO_SANDBOX: 'true' }));
    try {
      const manifest = await sandbox.client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
      expect(manifest.mode).toBe('sandbox');
      const { meta, error } = await call(sandbox.client, 'odoo_health');
      expect(error).toBeUndefined();
      expect(meta[MetaKeys.metadata]).toEqual({ sandbox: true });
    } finally {
      await sandbox.close();
    }
  });
});

describe('odoo worker: tools', () => {
  it('search_read returns records, the total and paging, with a stable order', async () => {
    const domain = [['move_type', '=', 'out_invoice']];
    const total = await direct.searchCount('account.move', domain);
    const first = await call(odoo.client, 'search_read', { model: 'account.move', domain, fields: ['name', 'state'], limit: 5 });
    expect(first.error).toBeUndefined();
    expect(first.data).toMatchObject({ model: 'account.move', count: 5, total, offset: 0, limit: 5, order: 'id asc', hasMore: total > 5 });
    expect(Object.keys(first.data.records[0]).sort()).toEqual(['id', 'name', 'state']);
    const second = await call(odoo.client, 'search_read', { model: 'account.move', domain, fields: ['name'], limit: 5, offset: 5 });
    const ids = [...first.data.records, ...second.data.records].map((r: { id: number }) => r.id);
    const expected = (await direct.searchRead('account.move', domain, { fields: ['id'], order: 'id asc', limit: 10 })).map((r) => r.id);
    expect(ids).toEqual(expected);
  });

  it('search_read caps the limit at ODOO_MAX_ROWS and honours a validated order', async () => {
    const { data } = await call(odoo.client, 'search_read', { model: 'res.partner', fields: ['name'], limit: 1000, order: 'name desc' });
    expect(data.limit).toBe(25);
    expect(data.count).toBeLessThanOrEqual(25);
    expect(data.order).toBe('name desc, id asc');
    const names = data.records.map((r: { name: string }) => r.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0)));
  });

  it('search_read refuses a model outside ODOO_ALLOWED_MODELS', async () => {
    const { error } = await call(odoo.client, 'search_read', { model: 'res.users' });
    expect(error).toMatchObject({ kind: 'rejected', message: expect.stringMatching(/^model "res.users" is not in ODOO_ALLOWED_MODELS/) });
    expect(fake.calls.some((c) => c.model === 'res.users')).toBe(false);
  });

  it('search_read refuses malformed domains and orders before calling Odoo', async () => {
    const before = fake.calls.length;
    const bad = await call(odoo.client, 'search_read', { model: 'account.move', domain: ['|', ['state', '=', 'draft']] });
    expect(bad.error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringMatching(/domain\[0\]: "\|" must be followed by two terms/) });
    const op = await call(odoo.client, 'search_read', { model: 'account.move', domain: [['state', 'regex', '.*']] });
    expect(op.error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringMatching(/operator "regex" is not allowed/) });
    const order = await call(odoo.client, 'search_read', { model: 'account.move', order: 'id; drop table account_move' });
    expect(order.error?.kind).toBe('invalid_arguments');
    expect(fake.calls.length).toBe(before);
  });

  it("search_read reports Odoo's own refusal of an unknown field without its traceback", async () => {
    const { error } = await call(odoo.client, 'search_read', { model: 'account.move', domain: [['no_such_field', '=', 1]] });
    expect(error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringMatching(/ValueError.*no_such_field/) });
    expect(error?.message).not.toMatch(/Traceback|File "/);
  });

  it('get_accounting_status counts draft and posted entries and overdue receivables per company', async () => {
    const { data, error } = await call(odoo.client, 'get_accounting_status', { period: '2026-02', asOf: TODAY });
    expect(error).toBeUndefined();
    expect(data).toMatchObject({ period: '2026-02', from: '2026-02-01', to: '2026-02-28', asOf: TODAY, method: 'read_group', truncated: false });
    expect(data.companies).toHaveLength(8);
    const mnl = data.companies.find((c: { code: string }) => c.code === 'ACME-MNL');
    expect(mnl).toBeDefined();
    const inPeriod = [['date', '>=', '2026-02-01'], ['date', '<=', '2026-02-28'], ['company_id', '=', mnl.id]];
    expect(mnl.draft.count).toBe(await direct.searchCount('account.move', [...inPeriod, ['state', '=', 'draft']]));
    expect(mnl.posted.count).toBe(await direct.searchCount('account.move', [...inPeriod, ['state', '=', 'posted']]));
    const posted = await direct.searchRead('account.move', [...inPeriod, ['state', '=', 'posted']], { fields: ['amount_total'] });
    expect(mnl.posted.amountTotal).toBeCloseTo(posted.reduce((s, r) => s + (r['amount_total'] as number), 0), 2);
    const overdue = await direct.searchCount('account.move', [
      ['move_type', '=', 'out_invoice'],
      ['state', '=', 'posted'],
      ['payment_state', 'in', ['not_paid', 'partial']],
      ['invoice_date_due', '<', TODAY],
      ['company_id', '=', mnl.id],
    ]);
    expect(mnl.overdueReceivables.count).toBe(overdue);
    expect(mnl.readyToClose).toBe(mnl.draft.count === 0);
    expect(data.totals.posted.count).toBe(data.companies.reduce((n: number, c: { posted: { count: number } }) => n + c.posted.count, 0));
    expect(data.totals.posted.count).toBeGreaterThan(0);
  });

  it('get_accounting_status selects one company by code or name, and names the choices for an unknown one', async () => {
    const byCode = await call(odoo.client, 'get_accounting_status', { period: '2026-03', company: 'acme-ceb' });
    expect(byCode.data.companies.map((c: { code: string }) => c.code)).toEqual(['ACME-CEB']);
    const byName = await call(odoo.client, 'get_accounting_status', { period: '2026-03', company: 'clark' });
    expect(byName.data.companies.map((c: { code: string }) => c.code)).toEqual(['ACME-CLK']);
    const ambiguous = await call(odoo.client, 'get_accounting_status', { period: '2026-03', company: 'Mindanao' });
    expect(ambiguous.error).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/matches several companies: .*Mindanao.*Mindanao/) });
    const unknown = await call(odoo.client, 'get_accounting_status', { period: '2026-03', company: 'Globex' });
    expect(unknown.error).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/^no company "Globex"; companies: ACME-MNL/) });
    const badPeriod = await call(odoo.client, 'get_accounting_status', { period: '2026-13' });
    expect(badPeriod.error?.kind).toBe('invalid_arguments');
  });

  it('list_queue_jobs lists failed jobs with their exception, newest first, and late crons on a 17.0 server', async () => {
    const { data, error } = await call(odoo.client, 'list_queue_jobs', { limit: 10 });
    expect(error).toBeUndefined();
    expect(data.jobs.available).toBe(true);
    expect(data.jobs.total).toBe(await direct.searchCount('queue.job', [['state', '=', 'failed']]));
    expect(data.jobs.records.length).toBe(Math.min(10, data.jobs.total));
    expect(data.jobs.total).toBeGreaterThan(0);
    for (const job of data.jobs.records) {
      expect(job).toMatchObject({ state: 'failed', excName: expect.any(String), uuid: expect.any(String) });
      expect(job.excInfo).toBeUndefined();
    }
    const created = data.jobs.records.map((j: { dateCreated: string }) => j.dateCreated);
    expect(created).toEqual([...created].sort().reverse());
    expect(data.crons.failureTracking).toBe(false);
    const done = await call(odoo.client, 'list_queue_jobs', { state: 'done', includeCrons: false, limit: 3, includeTraceback: true });
    expect(done.data.crons).toBeNull();
    expect(done.data.jobs.records.every((j: { state: string }) => j.state === 'done')).toBe(true);
  });

  it('list_queue_jobs filters by since', async () => {
    const since = '2026-03-18';
    const { data } = await call(odoo.client, 'list_queue_jobs', { since, includeCrons: false });
    expect(data.jobs.total).toBe(await direct.searchCount('queue.job', [['state', '=', 'failed'], ['date_created', '>=', '2026-03-18 00:00:00']]));
    for (const job of data.jobs.records) expect(job.dateCreated >= '2026-03-18 00:00:00').toBe(true);
  });

  it('get_odoo_logs returns records at or above a level, newest first', async () => {
    const { data, error } = await call(odoo.client, 'get_odoo_logs', { level: 'error', limit: 20 });
    expect(error).toBeUndefined();
    expect(data.levels).toEqual(['ERROR', 'CRITICAL']);
    expect(data.total).toBe(await direct.searchCount('ir.logging', [['level', 'in', ['ERROR', 'CRITICAL']]]));
    expect(data.records.length).toBeGreaterThan(0);
    for (const record of data.records) expect(['error', 'critical']).toContain(record.level);
    const dates = data.records.map((r: { createDate: string }) => r.createDate);
    expect(dates).toEqual([...dates].sort().reverse());
    const warnings = await call(odoo.client, 'get_odoo_logs', {});
    expect(warnings.data.total).toBeGreaterThan(data.total);
  });

  it('odoo_health and the health hook probe version and authentication', async () => {
    const { data } = await call(odoo.client, 'odoo_health');
    expect(data).toMatchObject({ status: 'ok', serverVersion: '17.0', serverSerie: '17.0', uid: fake.uid, db: fake.db, origin: fake.url });
    expect(data.authLatencyMs).toEqual(expect.any(Number));
    const health = await odoo.client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health.status).toBe('ok');
  });
});

describe('odoo worker: upstream faults', () => {
  it('reports refused credentials naming the variables, never the key', async () => {
    const wrongKey = 'wrong-key-4f1c9a';
    const bad = await connect(envFor(fake, { ODOO_API_KEY: wrongKey }));
    try {
      const { error } = await call(bad.client, 'list_queue_jobs');
      expect(error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/ODOO_USERNAME and ODOO_API_KEY/) });
      expect(error?.message).not.toContain(wrongKey);
      const health = await bad.client.request({ method: WorkerMethods.health }, healthReportSchema);
      expect(health).toMatchObject({ status: 'down', reason: expect.stringMatching(/authenticate failed: Odoo refused the credentials/) });
      expect(JSON.stringify(health)).not.toContain(wrongKey);
    } finally {
      await bad.close();
    }
  });

  it('authenticates again, transparently, when Odoo says the session expired', async () => {
    await call(odoo.client, 'get_odoo_logs', { limit: 1 });
    fake.calls.length = 0;
    fake.knobs = { sessionExpired: true };
    const { data, error } = await call(odoo.client, 'get_odoo_logs', { limit: 1 });
    expect(error).toBeUndefined();
    expect(data.records).toHaveLength(1);
    expect(fake.calls.filter((c) => c.outcome === 'session_expired').length).toBeGreaterThan(0);
    expect(fake.calls.filter((c) => c.method === 'authenticate').length).toBe(1);
  });

  it('authenticates again when a cached uid is refused (key rotated on the server meanwhile)', async () => {
    await call(odoo.client, 'get_odoo_logs', { limit: 1 });
    fake.calls.length = 0;
    fake.knobs = { authFail: true };
    const { error } = await call(odoo.client, 'get_odoo_logs', { limit: 1 });
    expect(error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/refused the credentials/) });
    expect(fake.calls.filter((c) => c.method === 'authenticate').length).toBe(1);
  });

  it('waits for Retry-After and retries after a burst of 429s', async () => {
    fake.calls.length = 0;
    fake.knobs = { rateLimit429: { burst: 2, retryAfterSec: 1 } };
    const { data, error } = await call(odoo.client, 'search_read', { model: 'res.company', fields: ['name'] });
    expect(error).toBeUndefined();
    expect(data.records).toHaveLength(8);
    expect(fake.calls.filter((c) => c.outcome === 'rate_limited')).toHaveLength(2);
  });

  it('fails with the retry delay when 429s outlast the attempts', async () => {
    fake.knobs = { rateLimit429: { burst: 100, retryAfterSec: 1 } };
    const { error } = await call(odoo.client, 'search_read', { model: 'res.company', fields: ['name'] });
    expect(error).toMatchObject({ kind: 'upstream', retryAfter: 1, message: expect.stringMatching(/rate-limiting.*after 3 attempts/) });
  });

  it('retries server errors on reads, then reports a clear upstream error', async () => {
    fake.calls.length = 0;
    fake.knobs = { errorRate: 1, errorKinds: ['http_503'] };
    const { error } = await call(odoo.client, 'search_read', { model: 'res.company', fields: ['name'] });
    expect(error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/Odoo answered HTTP 503 to res.company.search_(read|count) after 3 attempts/) });
    expect(fake.calls.filter((c) => c.outcome === 'http_error' && c.model === 'res.company').length).toBeGreaterThanOrEqual(3);
  });

  it('retries a SerializationFailure fault and succeeds when the conflict passes', async () => {
    fake.knobs = { errorRate: 1, errorKinds: ['server_error'] };
    const failing = await call(odoo.client, 'search_read', { model: 'res.company', fields: ['name'] });
    expect(failing.error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/SerializationFailure.*after 3 attempts/) });
    expect(failing.error?.message).not.toMatch(/Traceback/);
    fake.knobs = { errorRate: 0.5, errorKinds: ['server_error', 'http_502'] };
    let ok = 0;
    for (let i = 0; i < 6; i++) if ((await call(odoo.client, 'search_read', { model: 'res.company', fields: ['name'] })).error === undefined) ok++;
    expect(ok).toBeGreaterThan(0);
  });

  it('gives up after ODOO_TIMEOUT_MS per request and says so', async () => {
    const slow = await connect(envFor(fake, { ODOO_TIMEOUT_MS: '150' }));
    try {
      fake.knobs = { latencyMs: 600 };
      const { error } = await call(slow.client, 'search_read', { model: 'res.company', fields: ['name'] });
      expect(error).toMatchObject({ kind: 'upstream_timeout', message: expect.stringMatching(/did not answer authenticate within 150 ms \(ODOO_TIMEOUT_MS\) after 3 attempts/) });
    } finally {
      await slow.close();
    }
  });
});

describe('odoo worker: version differences', () => {
  let fake18: FakeOdoo;
  let odoo18: InMemoryConnection;

  beforeAll(async () => {
    fake18 = await startFakeOdoo({ now: NOW, version: '18.0' });
    odoo18 = await connect(envFor(fake18));
  });

  afterAll(async () => {
    await odoo18?.close();
    await fake18?.close();
  });

  it('lists failing crons by failure_count on Odoo 18', async () => {
    const { data, error } = await call(odoo18.client, 'list_queue_jobs', {});
    expect(error).toBeUndefined();
    expect(data.crons.failureTracking).toBe(true);
    expect(data.crons.total).toBeGreaterThan(0);
    for (const cron of data.crons.records) expect(cron.failureCount).toBeGreaterThan(0);
    const counts = data.crons.records.map((c: { failureCount: number }) => c.failureCount);
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a));
  });
});
