import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOdoo, startFakeSupabase, type FakeOdoo, type FakeSupabase } from '@mcpgw/fakes';
import { createTestDatabase, getJson, postJson, startGateway, type GatewayProcess, type TestDatabase } from '@mcpgw/test-support';

/**
 * The monitoring domains through the gateway, as processes: every tool in sandbox mode (no
 * credentials: the gateway starts the fakes itself), then against fakes this test controls, with
 * the upstream faults a real client must handle.
 */
const monitoring = { WORKERS: 'odoo,supabase,bir,monitor' };

const call = (gateway: GatewayProcess, service: string, tool: string, args: Record<string, unknown> = {}) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service, tool, arguments: args } });
const slash = (gateway: GatewayProcess, command: string) => postJson(`${gateway.url}/mcp/execute`, { command });

describe('sandbox mode (no upstream credentials)', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: monitoring, timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('says so at start-up and in the catalog', async () => {
    expect(gateway.output.join('\n')).toMatch(/SANDBOX MODE: odoo, supabase, bir, monitor answer from built-in fakes/);
    const catalog = await getJson(`${gateway.url}/mcp/catalog`);
    // The local references (location "local", docs/local-references.md) follow the routed services.
    const routed = catalog.body.services.filter((s: { routed: boolean }) => s.routed);
    expect(routed.map((s: { name: string }) => s.name)).toEqual(['odoo', 'supabase', 'bir', 'monitor']);
    for (const service of routed) expect(service).toMatchObject({ mode: 'sandbox', sandbox: true });
  });

  it.each([
    ['monitor', 'get_system_health', {}],
    ['monitor', 'list_failed_jobs', {}],
    ['monitor', 'get_error_traces', { level: 'warning' }],
    ['monitor', 'get_error_traces', { since: '2020-01-01', source: 'odoo' }],
    ['monitor', 'list_failed_jobs', { since: '2020-01-01', limit: 5 }],
    ['bir', 'track_bir_filing_deadlines', {}],
    ['bir', 'monitor_compliance_status', {}],
    ['supabase', 'get_month_end_status', {}],
    ['supabase', 'check_database_performance', {}],
    ['supabase', 'get_agency_metrics', { agency: 'ACME-MNL' }],
    ['bir', 'list_bir_rules', { form: '1601-C' }],
    ['odoo', 'get_accounting_status', { period: new Date().toISOString().slice(0, 7) }],
    ['odoo', 'list_queue_jobs', {}],
    ['odoo', 'get_odoo_logs', {}],
  ])('%s.%s answers with structured data marked sandbox', async (service, tool, args) => {
    const response = await call(gateway, service, tool, args);
    expect(response.status).toBe(200);
    expect(response.body.result).toMatchObject({ status: 'success', metadata: { service, tool, sandbox: true } });
    expect(typeof response.body.result.data).toBe('object');
  });

  it('reports every system healthy and finds failures in both Odoo and Supabase', async () => {
    const health = (await call(gateway, 'monitor', 'get_system_health')).body.result.data;
    expect(health.status).toBe('ok');
    expect(health.components.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['odoo', 'ok'],
      ['supabase', 'ok'],
      ['compliance', 'ok'],
    ]);
    const jobs = (await call(gateway, 'monitor', 'list_failed_jobs', { limit: 100 })).body.result.data;
    const origins = new Set(jobs.jobs.map((j: { origin: string }) => j.origin));
    expect(origins).toContain('odoo.queue.job');
    expect(origins).toContain('supabase.background_jobs');
    expect(jobs.sources).toMatchObject({ odoo: { status: 'ok' }, supabase: { status: 'ok' } });
    const times = jobs.jobs.map((j: { at: string | null }) => j.at ?? '');
    expect(times).toEqual([...times].sort().reverse());
  });

  it('answers slash commands', async () => {
    for (const command of ['/mcp-monitor health', '/mcp-bir deadlines ACME-MNL', '/mcp-supabase month-end ACME-CEB', '/mcp-odoo jobs']) {
      const response = await slash(gateway, command);
      expect({ command, status: response.status }).toEqual({ command, status: 200 });
      expect(response.body.metadata.sandbox).toBe(true);
    }
  });

  it('records a BIR filing once, then tracks it as filed', async () => {
    const deadlines = (await call(gateway, 'bir', 'track_bir_filing_deadlines', { agency: 'ACME-MNL', status: ['upcoming', 'due_soon', 'overdue'] })).body.result.data;
    const open = deadlines.obligations.find((o: { formCode: string }) => o.formCode === '1601-C') ?? deadlines.obligations[0];
    expect(open).toBeDefined();
    const filing = { agency: 'ACME-MNL', form: open.formCode, period: `${open.periodStart}..${open.periodEnd}`, filed_at: new Date().toISOString(), reference: 'TEST-REF-1' };
    const recorded = await call(gateway, 'bir', 'record_bir_filing', filing);
    expect(recorded.status).toBe(200);
    const again = await call(gateway, 'bir', 'record_bir_filing', filing);
    expect(again.status).toBe(422);
    expect(again.body.error.message).toMatch(/already/i);
    const after = (await call(gateway, 'bir', 'track_bir_filing_deadlines', { agency: 'ACME-MNL', form: open.formCode })).body.result.data;
    const tracked = after.obligations.find((o: { periodStart: string }) => o.periodStart === open.periodStart);
    expect(['filed', 'filed_late']).toContain(tracked.status);
    const bad = await call(gateway, 'bir', 'record_bir_filing', { agency: 'ACME-MNL', form: '9999-X', period: '2026-01', filed_at: '2026-02-01' });
    expect([400, 422]).toContain(bad.status);
    expect(bad.body.error.message).toMatch(/9999-X/);
  });
});

describe('real clients against upstream faults', () => {
  let database: TestDatabase;
  let odoo: FakeOdoo;
  let supabase: FakeSupabase;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    database = await createTestDatabase('mcpgw_monitoring');
    supabase = await startFakeSupabase({ databaseUrl: database.url, seed: true });
    odoo = await startFakeOdoo();
    gateway = await startGateway({
      env: {
        ...monitoring,
        SANDBOX: 'off',
        ODOO_URL: odoo.url,
        ODOO_DB: odoo.db,
        ODOO_USERNAME: odoo.login,
        ODOO_API_KEY: odoo.apiKey,
        SUPABASE_URL: supabase.url,
        SUPABASE_SERVICE_ROLE_KEY: supabase.secretKey,
        SUPABASE_DB_URL: database.url,
        BIR_DATABASE_URL: database.url,
      },
      timeoutMs: 90_000,
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await odoo?.close();
    await supabase?.close();
    await database?.drop();
  });

  it('talks to the configured upstreams, not a sandbox', async () => {
    const response = await call(gateway, 'monitor', 'get_system_health');
    expect(response.body.result.metadata.sandbox).toBeUndefined();
    expect(response.body.result.data.status).toBe('ok');
    expect(gateway.output.join('\n')).not.toMatch(/SANDBOX MODE/);
  });

  it('retries a 429 burst after Retry-After and answers', async () => {
    supabase.knobs = { rateLimit429: { burst: 2, retryAfterSec: 1 } };
    const response = await call(gateway, 'supabase', 'get_month_end_status');
    expect(response.status).toBe(200);
    supabase.knobs = {};
  });

  it('re-authenticates an expired Odoo session without the caller noticing', async () => {
    expect((await call(gateway, 'odoo', 'list_queue_jobs')).status).toBe(200);
    odoo.knobs = { sessionExpired: true };
    expect((await call(gateway, 'odoo', 'list_queue_jobs')).status).toBe(200);
    odoo.knobs = { sessionExpired: false };
  });

  it('reports a failing upstream with a clear error, and the cross-system view keeps the others', async () => {
    odoo.knobs = { errorRate: 1 };
    const failed = await call(gateway, 'odoo', 'list_queue_jobs');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.error.code).toBe(-32057);
    const jobs = (await call(gateway, 'monitor', 'list_failed_jobs')).body.result.data;
    expect(jobs.sources.odoo.status).toBe('error');
    expect(jobs.sources.supabase.status).toBe('ok');
    expect(jobs.jobs.length).toBeGreaterThan(0);
    const health = (await call(gateway, 'monitor', 'get_system_health')).body.result.data;
    expect(health.components.find((c: { name: string }) => c.name === 'odoo').status).toBe('down');
    odoo.knobs = { errorRate: 0 };
  });

  it('refuses a wrong Odoo key with an error naming the variable, never the key', async () => {
    odoo.knobs = { authFail: true };
    const refused = await call(gateway, 'odoo', 'get_odoo_logs');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.error.message).toMatch(/ODOO_API_KEY/);
    expect(JSON.stringify(refused.body)).not.toContain(odoo.apiKey);
    expect(gateway.output.join('\n')).not.toContain(odoo.apiKey);
    odoo.knobs = { authFail: false };
  });

  it('refuses a rejected Supabase key naming SUPABASE_SERVICE_ROLE_KEY, never the key', async () => {
    supabase.knobs = { authFail: true };
    const refused = await call(gateway, 'supabase', 'list_background_jobs');
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/SUPABASE_SERVICE_ROLE_KEY/);
    expect(JSON.stringify(refused.body)).not.toContain(supabase.secretKey);
    supabase.knobs = {};
  });
});
