import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { MetaKeys, WorkerMethods, compileCommand, healthReportSchema, matchCommand, parseSlashCommand, serviceManifestSchema, type ServiceManifest } from '@mcpgw/protocol';
import { migrateOps } from '@mcpgw/ops-schema';
import { createTestDatabase, type TestDatabase } from '@mcpgw/test-support';
import type { PreparedWorker } from '@mcpgw/worker-kit';
import pg from 'pg';
import pino from 'pino';
import { birWorker } from './bir-worker.js';

/**
 * The bir worker against the real PostgreSQL at DATABASE_URL: the ops tables from the
 * @mcpgw/ops-schema migrations in schema "ops", a few agencies and filings, and statuses judged
 * as of fixed dates (`as_of`).
 */
let db: TestDatabase;
let worker: PreparedWorker;
let client: Client;
let manifest: ServiceManifest;
let dir: string;

const SCHEMA = 'ops';

beforeAll(async () => {
  db = await createTestDatabase('mcpgw_bir');
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    await migrateOps(pool, { schema: SCHEMA });
  } finally {
    await pool.end();
  }
  await db.query(`
    INSERT INTO ops.agencies (code, name, tin, efps_group, vat_registered, has_employees, taxpayer_class, fiscal_year_end_month) VALUES
      ('MNL', 'Manila Shared Services Inc.', '000-111-222-000', 'A', true, true, 'large', 12),
      ('CDO', 'Cagayan de Oro Services Inc.', '000-333-444-000', NULL, false, true, 'micro', 12);
    INSERT INTO ops.compliance_tracking (agency_code, kind, form_code, period_start, period_end, filed_at, reference, amount, expires_on, notes) VALUES
      ('MNL', 'filing', '1601-C', '2026-02-01', '2026-02-28', '2026-03-14 10:00+08', 'eFPS-1', 80000, NULL, NULL),
      ('MNL', 'filing', '0619-E', '2026-02-01', '2026-02-28', '2026-03-20 09:00+08', 'eFPS-2', 50000, NULL, NULL),
      ('MNL', 'atp', 'ATP', NULL, NULL, NULL, 'ATP 123', NULL, '2026-04-01', 'Sales invoices 000001-050000'),
      ('MNL', 'registration', 'COR', NULL, NULL, '2015-01-10 10:00+08', 'OCN 1', NULL, NULL, NULL),
      ('CDO', 'atp', 'ATP', NULL, NULL, NULL, 'ATP 456', NULL, '2026-03-01', NULL),
      ('CDO', 'certificate', 'TCC', NULL, NULL, NULL, 'TCC-1', NULL, '2027-01-01', NULL);
  `);
  dir = mkdtempSync(join(tmpdir(), 'mcpgw-bir-'));
  writeFileSync(join(dir, 'holidays.csv'), 'date,name,kind\n2026-03-10,Special non-working day (test),special_non_working\n2026-08-21,Ninoy Aquino Day,special\n');
  worker = birWorker.prepare(
    { BIR_DATABASE_URL: db.url, BIR_DATABASE_SCHEMA: SCHEMA, BIR_HOLIDAYS_FILE: join(dir, 'holidays.csv'), BIR_DUE_SOON_DAYS: '7' },
    pino({ level: 'silent' }),
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await worker.createServer().connect(serverSide);
  client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
});

afterAll(async () => {
  await client?.close();
  await worker?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown>, on: Client = client) {
  const result = await on.callTool({ name, arguments: args });
  return {
    data: result.structuredContent as any,
    error: result.isError ? ((result._meta as Record<string, { kind: string; message: string }>)[MetaKeys.error] ?? { kind: 'unknown', message: '' }) : undefined,
  };
}

/** Connects an extra in-process client to a prepared worker. */
async function connect(prepared: PreparedWorker): Promise<Client> {
  const [c, s] = InMemoryTransport.createLinkedPair();
  await prepared.createServer().connect(s);
  const probe = new Client({ name: 'probe', version: '1' });
  await probe.connect(c);
  return probe;
}

describe('bir worker', () => {
  it('announces itself as live with its tools and slash commands', async () => {
    expect(manifest).toMatchObject({ name: 'bir', mode: 'live', requiredEnv: ['BIR_DATABASE_URL'] });
    expect(manifest.tools.map((t) => t.name).sort()).toEqual(['list_bir_rules', 'monitor_compliance_status', 'record_bir_filing', 'track_bir_filing_deadlines']);
    expect(manifest.commands.map((c) => c.pattern)).toEqual(['deadlines [<agency>] [<period>]', 'compliance [<agency>]', 'record <agency> <form> <period> <filed_at>', 'rules [<form>]']);
    expect(manifest.tools.find((t) => t.name === 'record_bir_filing')?.annotations).toMatchObject({ readOnlyHint: false });
  });

  it('maps slash commands to tool arguments', () => {
    const commands = manifest.commands.map((c) => compileCommand('bir', c, manifest.tools.find((t) => t.name === c.tool)?.inputSchema));
    const schemaOf = (tool: string) => manifest.tools.find((t) => t.name === tool)?.inputSchema;
    const match = (line: string) => matchCommand(commands, parseSlashCommand(line), schemaOf);
    expect(match('/mcp-bir deadlines MNL 2026-Q1 --status=overdue')).toMatchObject({ command: { tool: 'track_bir_filing_deadlines' }, arguments: { agency: 'MNL', period: '2026-Q1', status: 'overdue' } });
    expect(match('/mcp-bir compliance --within-days=14')).toMatchObject({ command: { tool: 'monitor_compliance_status' }, arguments: { within_days: 14 } });
    expect(match('/mcp-bir record MNL 1601-C 2026-03 2026-04-10 --amount=125000')).toMatchObject({ arguments: { agency: 'MNL', form: '1601-C', period: '2026-03', filed_at: '2026-04-10', amount: 125000 } });
    expect(match('/mcp-bir rules 1601-C')).toMatchObject({ command: { tool: 'list_bir_rules' }, arguments: { form: '1601-C' } });
  });

  it('reports ok health with its pool', async () => {
    const health = await client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health).toMatchObject({ status: 'ok', pools: [{ name: 'compliance' }] });
  });
});

describe('list_bir_rules', () => {
  it('lists the whole calendar with due rules, eFPS offsets and legal basis', async () => {
    const { data } = await call('list_bir_rules', { year: 2026 });
    expect(data.rules.map((r: { formCode: string }) => r.formCode)).toEqual(
      expect.arrayContaining(['1601-C', '0619-E', '1601-EQ', '2550Q', '1702Q', '1702-RT', '1604-C', '1604-E', '2307', '2316', '2550M', '0605']),
    );
    const c = data.rules.find((r: { formCode: string }) => r.formCode === '1601-C');
    expect(c).toMatchObject({ frequency: 'monthly', efpsOffsets: { A: 15, B: 14, C: 13, D: 12, E: 11 }, decemberOverride: { month: 1, day: 15 }, legalBasis: expect.stringMatching(/NIRC §58/) });
    expect(data.rules.find((r: { formCode: string }) => r.formCode === '0605')).toMatchObject({ effectiveTo: '2023-12-31' });
  });

  it('lists the year\'s holidays, computed and from BIR_HOLIDAYS_FILE', async () => {
    const { data } = await call('list_bir_rules', { form: '1601c', year: 2026 });
    expect(data.rules).toHaveLength(1);
    expect(data.holidays.year).toBe(2026);
    expect(data.holidays.days).toEqual(
      expect.arrayContaining([
        { date: '2026-04-03', name: 'Good Friday', kind: 'regular', source: 'computed' },
        { date: '2026-03-10', name: 'Special non-working day (test)', kind: 'special_non_working', source: 'operator' },
        { date: '2026-08-21', name: 'Ninoy Aquino Day', kind: 'special_non_working', source: 'operator' },
      ]),
    );
  });

  it('names the known forms when one is unknown', async () => {
    expect((await call('list_bir_rules', { form: '1701' })).error).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/unknown form "1701"; forms: 1601-C/) });
  });
});

describe('track_bir_filing_deadlines', () => {
  it('lists an agency\'s deadlines in a month with status, eFPS dates, filings and penalty estimates', async () => {
    const { data } = await call('track_bir_filing_deadlines', { agency: 'MNL', period: '2026-03', as_of: '2026-03-20' });
    expect(data).toMatchObject({ asOf: '2026-03-20', window: { from: '2026-03-01', to: '2026-03-31', by: 'due' }, agencies: ['MNL'], total: 3, truncated: false });
    expect(data.obligations.map((o: any) => [o.formCode, o.period, o.dueDate, o.status])).toEqual([
      ['1604-E', '2025', '2026-03-02', 'overdue'],
      ['0619-E', '2026-02', '2026-03-16', 'filed_late'],
      ['1601-C', '2026-02', '2026-03-16', 'filed'],
    ]);
    const [annual, expanded, compensation] = data.obligations;
    expect(annual).toMatchObject({ daysOverdue: 18, rolledForwardFrom: '2026-03-01', penalty: { estimate: true, penaltyBasis: 'information', total: 1000 } });
    expect(expanded).toMatchObject({
      efpsGroup: 'A',
      rawDueDate: '2026-03-15',
      filing: { reference: 'eFPS-2', amount: 50000, filedOn: '2026-03-20', daysLate: 4 },
      penalty: { surcharge: { rate: 0.25, amount: 12500 }, interest: { days: 4, amount: 65.75 }, compromise: { amount: 8500, bracket: 'over ₱30,000 up to ₱50,000', suggested: true } },
    });
    expect(compensation).toMatchObject({ filing: { filedOn: '2026-03-14', daysLate: 0 } });
    expect(compensation).not.toHaveProperty('penalty');
    expect(data.summary).toEqual({ upcoming: 0, due_soon: 0, due_today: 0, overdue: 1, filed: 1, filed_late: 1 });
  });

  it('applies the operator holiday file: a deadline on a declared non-working day moves', async () => {
    const { data } = await call('track_bir_filing_deadlines', { agency: 'CDO', from: '2026-03-01', to: '2026-03-31', form: '1601-C', as_of: '2026-03-20' });
    expect(data.obligations).toEqual([
      expect.objectContaining({ formCode: '1601-C', period: '2026-02', rawDueDate: '2026-03-10', dueDate: '2026-03-11', status: 'overdue', daysOverdue: 9 }),
    ]);
    // Micro taxpayer, tax due unknown: rates under EOPT, no amounts.
    expect(data.obligations[0].penalty).toMatchObject({ taxDue: null, surcharge: { rate: 0.1, amount: null }, total: null });
  });

  it('filters by status across every agency, and reads a period given in the agency slot', async () => {
    const { data } = await call('track_bir_filing_deadlines', { agency: '2026-03', status: ['overdue', 'due_today'], as_of: '2026-03-20' });
    expect(data.agencies).toEqual(['CDO', 'MNL']);
    expect(new Set(data.obligations.map((o: any) => o.status))).toEqual(new Set(['overdue']));
    expect(data.obligations.map((o: any) => `${o.agency} ${o.formCode}`)).toEqual(['CDO 1604-E', 'MNL 1604-E', 'CDO 0619-E', 'CDO 1601-C']);
  });

  it('marks due_soon and due_today around a deadline, and caps the list with limit', async () => {
    const soon = await call('track_bir_filing_deadlines', { agency: 'MNL', form: '1601-C,1702-RT', from: '2026-04-01', to: '2026-04-30', as_of: '2026-04-10' });
    expect(soon.data.obligations.map((o: any) => [o.formCode, o.dueDate, o.status, o.daysUntilDue])).toEqual([
      ['1601-C', '2026-04-15', 'due_soon', 5],
      ['1702-RT', '2026-04-15', 'due_soon', 5],
    ]);
    const today = await call('track_bir_filing_deadlines', { agency: 'MNL', form: '1702-RT', period: '2026-04', as_of: '2026-04-15', limit: 1 });
    expect(today.data.obligations[0]).toMatchObject({ status: 'due_today', daysUntilDue: 0 });
    const capped = await call('track_bir_filing_deadlines', { period: '2026', as_of: '2026-01-01', limit: 5 });
    expect(capped.data).toMatchObject({ truncated: true });
    expect(capped.data.obligations).toHaveLength(5);
    expect(capped.data.total).toBeGreaterThan(5);
  });

  it('windows by period end when asked', async () => {
    const { data } = await call('track_bir_filing_deadlines', { agency: 'MNL', period: '2026-Q1', by: 'period', form: '1601-EQ', as_of: '2026-03-20' });
    expect(data.obligations).toEqual([expect.objectContaining({ period: '2026-Q1', dueDate: '2026-04-30', status: 'upcoming' })]);
  });

  it('explains bad arguments', async () => {
    expect((await call('track_bir_filing_deadlines', { agency: 'XYZ' })).error).toMatchObject({ kind: 'not_found', message: 'no agency "XYZ"; agencies: CDO, MNL' });
    expect((await call('track_bir_filing_deadlines', { period: 'March' })).error).toMatchObject({ kind: 'invalid_arguments', message: expect.stringMatching(/not YYYY-MM, YYYY-Qn/) });
    expect((await call('track_bir_filing_deadlines', { period: '2026', from: '2026-01-01', to: '2026-02-01' })).error).toMatchObject({ kind: 'invalid_arguments' });
    expect((await call('track_bir_filing_deadlines', { from: '2026-03-01' })).error?.message).toMatch(/both from and to/);
    expect((await call('track_bir_filing_deadlines', { form: '9999' })).error).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/unknown form "9999"/) });
    expect((await call('track_bir_filing_deadlines', { status: 'late' })).error?.kind).toBe('invalid_arguments');
    expect((await call('track_bir_filing_deadlines', { as_of: '2026-02-30' })).error?.kind).toBe('invalid_arguments');
  });
});

describe('monitor_compliance_status', () => {
  it('reports expired and expiring documents, missing and late filings, per agency', async () => {
    const { data } = await call('monitor_compliance_status', { as_of: '2026-03-20', within_days: 14, lookback_days: 20 });
    expect(data).toMatchObject({ asOf: '2026-03-20', withinDays: 14, lookbackDays: 20 });
    const mnl = data.agencies.find((a: any) => a.agency === 'MNL');
    const cdo = data.agencies.find((a: any) => a.agency === 'CDO');
    expect(mnl.expiring).toEqual([{ category: 'atp', formCode: 'ATP', reference: 'ATP 123', expiresOn: '2026-04-01', daysUntilExpiry: 12, notes: 'Sales invoices 000001-050000' }]);
    expect(mnl.expired).toEqual([]);
    expect(mnl.missing.map((m: any) => [m.formCode, m.period])).toEqual([['1604-E', '2025']]);
    expect(mnl.filedLate).toEqual([expect.objectContaining({ formCode: '0619-E', daysLate: 4, penalty: expect.objectContaining({ estimate: true }) })]);
    expect(mnl.status).toBe('critical');
    expect(cdo.expired).toEqual([expect.objectContaining({ category: 'atp', expiresOn: '2026-03-01', daysUntilExpiry: -19 })]);
    expect(cdo.missing.map((m: any) => m.formCode)).toEqual(['1604-E', '0619-E', '1601-C']);
    expect(cdo.missing[2]).toMatchObject({ category: 'filing', dueDate: '2026-03-11', daysOverdue: 9, penalty: { estimate: true } });
    expect(data.summary).toMatchObject({ expired: 1, expiring: 1, missing: 4, filedLate: 1 });
  });

  it('counts deadlines within the window as due soon and is ok when nothing is wrong', async () => {
    const { data } = await call('monitor_compliance_status', { agency: 'mnl', as_of: '2026-03-21', within_days: 0, lookback_days: 1 });
    expect(data.agencies).toEqual([{ agency: 'MNL', name: 'Manila Shared Services Inc.', status: 'ok', expired: [], expiring: [], missing: [], dueSoon: [], filedLate: [] }]);
    const soon = await call('monitor_compliance_status', { agency: 'MNL', as_of: '2026-04-10', within_days: 10, lookback_days: 1 });
    expect(soon.data.agencies[0].dueSoon.map((o: any) => [o.formCode, o.dueDate, o.daysUntilDue])).toEqual([
      ['1601-C', '2026-04-15', 5],
      ['1702-RT', '2026-04-15', 5],
      ['2307', '2026-04-20', 10],
    ]);
    // The ATP expired on 1 April: that alone makes the agency critical.
    expect(soon.data.agencies[0]).toMatchObject({ status: 'critical', expired: [expect.objectContaining({ formCode: 'ATP' })] });
    const expiring = await call('monitor_compliance_status', { agency: 'MNL', as_of: '2026-03-21', within_days: 11, lookback_days: 1 });
    expect(expiring.data.agencies[0]).toMatchObject({ status: 'attention', expiring: [expect.objectContaining({ daysUntilExpiry: 11 })], dueSoon: [] });
  });
});

describe('record_bir_filing', () => {
  it('records a filing on time and reports its status', async () => {
    const { data, error } = await call('record_bir_filing', { agency: 'MNL', form: '1601c', period: '2026-01', filed_at: '2026-02-16T23:59:00+08:00', reference: 'eFPS-9', amount: 75000.5 });
    expect(error).toBeUndefined();
    expect(data.recorded).toMatchObject({ agency: 'MNL', kind: 'filing', formCode: '1601-C', periodStart: '2026-01-01', periodEnd: '2026-01-31', filedAt: '2026-02-16T15:59:00.000Z', reference: 'eFPS-9', amount: 75000.5 });
    expect(data.obligation).toMatchObject({ dueDate: '2026-02-16', status: 'filed', filing: { daysLate: 0 } });
    const rows = await db.query("select kind, form_code, amount::text from ops.compliance_tracking where agency_code = 'MNL' and form_code = '1601-C' and period_start = '2026-01-01'");
    expect(rows.rows).toEqual([{ kind: 'filing', form_code: '1601-C', amount: '75000.50' }]);
  });

  it('refuses a second filing of the same form and period', async () => {
    const { error } = await call('record_bir_filing', { agency: 'MNL', form: '1601-C', period: '2026-01', filed_at: '2026-02-17' });
    expect(error).toMatchObject({ kind: 'rejected', message: expect.stringMatching(/^MNL already has 1601-C for 2026-01 recorded \(id \d+, filed 2026-02-16, reference eFPS-9\)/) });
    const count = await db.query<{ n: number }>("select count(*)::int n from ops.compliance_tracking where form_code = '1601-C' and period_start = '2026-01-01'");
    expect(count.rows[0]?.n).toBe(1);
  });

  it('records concurrent duplicates once', async () => {
    const attempts = await Promise.all([1, 2, 3].map(() => call('record_bir_filing', { agency: 'CDO', form: '2307', period: '2025-Q4', filed_at: '2026-01-15' })));
    expect(attempts.filter((a) => a.error === undefined)).toHaveLength(1);
    expect(attempts.filter((a) => a.error?.kind === 'rejected')).toHaveLength(2);
    const rows = await db.query("select kind from ops.compliance_tracking where agency_code = 'CDO' and form_code = '2307'");
    expect(rows.rows).toEqual([{ kind: 'certificate' }]);
  });

  it('estimates the penalty of a late filing from its amount', async () => {
    const { data } = await call('record_bir_filing', { agency: 'CDO', form: '2551Q', period: '2025-Q4', filed_at: '2026-02-24', amount: 10000 });
    expect(data.obligation).toMatchObject({
      dueDate: '2026-01-26',
      status: 'filed_late',
      filing: { daysLate: 29 },
      penalty: { surcharge: { rate: 0.1, amount: 1000 }, interest: { days: 29, amount: 47.67 }, compromise: { amount: 2000 } },
    });
  });

  it.each([
    [{ form: '0619-E', period: '2026-03' }, 'rejected', /first two months of each quarter/],
    [{ form: '2551Q', period: '2026-Q1' }, 'rejected', /non-VAT taxpayers only/],
    [{ form: '1702Q', period: '2025-Q4' }, 'rejected', /first three quarters only/],
    [{ form: '1601-C', period: '2026-Q1' }, 'rejected', /give the period as a month/],
    [{ form: '0605', period: '2025' }, 'rejected', /Abolished/],
    [{ form: '1701', period: '2026' }, 'not_found', /unknown form "1701"/],
    [{ form: '1601-C', period: '2026-02', filed_at: '2099-01-01' }, 'rejected', /in the future/],
    [{ form: '1601-C', period: '2026-02', filed_at: '2026-03-10T10:00:00' }, 'invalid_arguments', /timestamp with an offset/],
    [{ form: '1601-C', period: '2026-02', filed_at: '2026-01-15' }, 'rejected', /before the period 2026-02 starts/],
    [{ form: '1601-C', period: '2026-02', amount: 10.001 }, 'invalid_arguments', /2 decimals/],
    [{ agency: 'NOPE', form: '1601-C', period: '2026-02' }, 'not_found', /no agency "NOPE"/],
  ])('validates %j', async (args, kind, message) => {
    const { error } = await call('record_bir_filing', { agency: 'MNL', filed_at: '2026-03-10', ...args });
    expect(error).toMatchObject({ kind, message: expect.stringMatching(message) });
  });
});

describe('database trouble and configuration', () => {
  it('cuts a blocked read off at BIR_QUERY_TIMEOUT_MS', async () => {
    const slow = birWorker.prepare({ BIR_DATABASE_URL: db.url, BIR_DATABASE_SCHEMA: SCHEMA, BIR_QUERY_TIMEOUT_MS: '300' }, pino({ level: 'silent' }));
    const probe = await connect(slow);
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE ops.agencies IN ACCESS EXCLUSIVE MODE');
      const { error } = await call('track_bir_filing_deadlines', {}, probe);
      expect(error).toMatchObject({ kind: 'upstream_timeout', message: expect.stringMatching(/within 300 ms \(BIR_QUERY_TIMEOUT_MS\)/) });
      await locker.query('ROLLBACK');
      expect((await call('track_bir_filing_deadlines', { agency: 'MNL', period: '2026-03', as_of: '2026-03-20' }, probe)).data.total).toBe(3);
    } finally {
      await locker.end();
      await probe.close();
      await slow.close();
    }
  });

  it('reports down, and answers calls with the migration hint, when the schema has no ops tables', async () => {
    const empty = birWorker.prepare({ BIR_DATABASE_URL: db.url, BIR_DATABASE_SCHEMA: 'nothing_here' }, pino({ level: 'silent' }));
    const probe = await connect(empty);
    try {
      expect(await empty.health()).toMatchObject({ status: 'down', reason: expect.stringMatching(/agencies and compliance_tracking not found in schema "nothing_here"/) });
      expect((await call('monitor_compliance_status', {}, probe)).error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/apply the @mcpgw\/ops-schema migrations/) });
    } finally {
      await probe.close();
      await empty.close();
    }
  });

  it('never shows the database password when the database is unreachable', async () => {
    const gone = birWorker.prepare({ BIR_DATABASE_URL: 'postgres://user:pw-not-shown@127.0.0.1:1/ops', BIR_CONNECT_TIMEOUT_MS: '500' }, pino({ level: 'silent' }));
    const probe = await connect(gone);
    try {
      const health = await gone.health();
      expect(health).toMatchObject({ status: 'down', reason: expect.stringMatching(/cannot reach the compliance database/) });
      const result = await probe.callTool({ name: 'list_bir_rules', arguments: {} });
      expect(result.isError).toBeFalsy();
      const failed = await probe.callTool({ name: 'track_bir_filing_deadlines', arguments: {} });
      expect(failed.isError).toBe(true);
      expect(JSON.stringify([health, failed])).not.toContain('pw-not-shown');
    } finally {
      await probe.close();
      await gone.close();
    }
  });

  it('is unconfigured without BIR_DATABASE_URL, naming it', async () => {
    const bare = birWorker.prepare({}, pino({ level: 'silent' }));
    expect(await bare.health()).toMatchObject({ status: 'unconfigured', missing: ['BIR_DATABASE_URL'] });
    await bare.close();
  });

  it('is unconfigured, with the file and row, when BIR_HOLIDAYS_FILE is bad', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ date: '2026-13-01', name: 'x' }]));
    const bad = birWorker.prepare({ BIR_DATABASE_URL: db.url, BIR_HOLIDAYS_FILE: join(dir, 'bad.json') }, pino({ level: 'silent' }));
    expect(await bad.health()).toMatchObject({ status: 'unconfigured', reason: expect.stringMatching(/bad\.json: entry 1: date must be YYYY-MM-DD/) });
    await bad.close();
    const missing = birWorker.prepare({ BIR_DATABASE_URL: db.url, BIR_HOLIDAYS_FILE: join(dir, 'nope.csv') }, pino({ level: 'silent' }));
    expect(await missing.health()).toMatchObject({ status: 'unconfigured', reason: expect.stringMatching(/nope\.csv cannot be read \(ENOENT\)/) });
    await missing.close();
  });
});
