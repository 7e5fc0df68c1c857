import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REFERENCE_AGENCIES } from '@mcpgw/ops-schema';
import { startFakeOdoo, type FakeOdoo } from './fake-odoo.js';

const NOW = new Date('2025-06-15T04:00:00Z');
const KEY = 'test-api-key-0123456789';

interface RpcAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: { jsonrpc?: string; id?: unknown; result?: unknown; error?: { code: number; message: string; data: Record<string, unknown> } };
}

/** A real HTTP client: POST /jsonrpc with Odoo's envelope. */
async function rpc(fake: FakeOdoo, service: string, method: string, args: unknown[]): Promise<RpcAnswer> {
  const response = await fetch(`${fake.url}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 42, params: { service, method, args } }),
  });
  const text = await response.text();
  let body: RpcAnswer['body'] = {};
  try {
    body = JSON.parse(text) as RpcAnswer['body'];
  } catch {
    // HTML error pages (429/502/503)
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** execute_kw as the first user; resolves with `result`, throws on an error envelope. */
async function kw(fake: FakeOdoo, model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<unknown> {
  const answer = await rpc(fake, 'object', 'execute_kw', [fake.db, fake.uid, fake.apiKey, model, method, args, kwargs]);
  if (answer.body.error !== undefined) throw new Error(`${String(answer.body.error.data['name'])}: ${String(answer.body.error.data['message'])}`);
  return answer.body.result;
}

/** execute_kw expected to fail: resolves with the whole answer. */
async function kwFault(fake: FakeOdoo, model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<RpcAnswer> {
  const answer = await rpc(fake, 'object', 'execute_kw', [fake.db, fake.uid, fake.apiKey, model, method, args, kwargs]);
  expect(answer.body.error).toBeDefined();
  return answer;
}

type Row = Record<string, unknown> & { id: number };

describe('fake Odoo', () => {
  let fake: FakeOdoo;
  let moves: Row[];

  beforeAll(async () => {
    fake = await startFakeOdoo({ users: [{ login: 'admin', apiKey: KEY, password: 'admin-pw' }, { login: 'bot', apiKey: 'bot-key-xyz' }], now: NOW });
    moves = (await kw(fake, 'account.move', 'search_read', [[]], { order: 'id asc' })) as Row[];
  });
  afterAll(async () => {
    await fake.close();
  });

  describe('common and version', () => {
    it('answers common.version and GET /web/version with the configured version', async () => {
      const answer = await rpc(fake, 'common', 'version', []);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: 42 });
      expect(answer.body.result).toEqual({ server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 });
      const web = await fetch(`${fake.url}/web/version`);
      expect(web.status).toBe(200);
      expect(((await web.json()) as Record<string, unknown>)['server_serie']).toBe('17.0');
    });

    it('authenticates with the API key or the password, and returns false (not an error) on bad credentials', async () => {
      expect((await rpc(fake, 'common', 'authenticate', [fake.db, 'admin', KEY, {}])).body.result).toBe(2);
      expect((await rpc(fake, 'common', 'authenticate', [fake.db, 'admin', 'admin-pw', {}])).body.result).toBe(2);
      expect((await rpc(fake, 'common', 'authenticate', [fake.db, 'bot', 'bot-key-xyz', {}])).body.result).toBe(3);
      expect((await rpc(fake, 'common', 'login', [fake.db, 'admin', KEY])).body.result).toBe(2);
      for (const [login, secret] of [
        ['admin', 'wrong'],
        ['admin', 'bot-key-xyz'],
        ['nobody', KEY],
        ['admin', ''],
      ]) {
        const answer = await rpc(fake, 'common', 'authenticate', [fake.db, login, secret, {}]);
        expect(answer.status).toBe(200);
        expect(answer.body.error).toBeUndefined();
        expect(answer.body.result).toBe(false);
      }
    });

    it('refuses execute_kw with a wrong key or a uid that is not the key owner: AccessDenied inside HTTP 200', async () => {
      const wrongKey = await rpc(fake, 'object', 'execute_kw', [fake.db, 2, 'nope', 'res.partner', 'search_count', [[]]]);
      expect(wrongKey.status).toBe(200);
      expect(wrongKey.body.error).toMatchObject({ code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } });
      const wrongUid = await rpc(fake, 'object', 'execute_kw', [fake.db, 3, KEY, 'res.partner', 'search_count', [[]]]);
      expect(wrongUid.body.error?.data['name']).toBe('odoo.exceptions.AccessDenied');
      const unknownUid = await rpc(fake, 'object', 'execute_kw', [fake.db, 99, KEY, 'res.partner', 'search_count', [[]]]);
      expect(unknownUid.body.error?.data['name']).toBe('odoo.exceptions.AccessDenied');
      expect(JSON.stringify(wrongKey.body)).not.toContain('nope');
    });

    it('faults on an unknown database', async () => {
      const answer = await rpc(fake, 'common', 'authenticate', ['other', 'admin', KEY, {}]);
      expect(answer.status).toBe(200);
      expect(answer.body.error?.data['name']).toBe('psycopg2.OperationalError');
    });

    it('answers 404 for unknown paths and a BadRequest envelope for invalid JSON', async () => {
      expect((await fetch(`${fake.url}/nope`)).status).toBe(404);
      const bad = await fetch(`${fake.url}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      expect(bad.status).toBe(200);
      expect(((await bad.json()) as RpcAnswer['body']).error?.data['name']).toBe('werkzeug.exceptions.BadRequest');
    });
  });

  describe('ORM methods', () => {
    it('search returns ids in the model order; search_count counts the same records', async () => {
      const ids = (await kw(fake, 'account.move', 'search', [[['state', '=', 'posted']]])) as number[];
      expect(ids.length).toBeGreaterThan(50);
      expect(await kw(fake, 'account.move', 'search_count', [[['state', '=', 'posted']]])).toBe(ids.length);
      expect(ids.length).toBe(moves.filter((m) => m['state'] === 'posted').length);
      // account.move's _order is 'date desc, name desc, id desc'
      const byId = new Map(moves.map((m) => [m.id, m]));
      const dates = ids.map((id) => String(byId.get(id)!['date']));
      expect([...dates].sort().reverse()).toEqual(dates);
      expect(await kw(fake, 'account.move', 'search', [[['state', '=', 'posted']]], { count: true })).toBe(ids.length);
    });

    it('read returns many2one as [id, "Display Name"], empty values as false, and the requested fields plus id', async () => {
      const draft = moves.find((m) => m['state'] === 'draft' && m['move_type'] === 'out_invoice')!;
      const entry = moves.find((m) => m['move_type'] === 'entry')!;
      const [a, b] = (await kw(fake, 'account.move', 'read', [[draft.id, entry.id]], { fields: ['name', 'partner_id', 'invoice_date_due', 'display_name', 'company_id'] })) as Row[];
      expect(Object.keys(a!).sort()).toEqual(['company_id', 'display_name', 'id', 'invoice_date_due', 'name', 'partner_id']);
      expect(a!['partner_id']).toEqual([expect.any(Number), expect.any(String)]);
      expect(a!['display_name']).toBe(`Draft Invoice (* ${draft.id})`);
      expect(a!['invoice_date_due']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(b!['partner_id']).toBe(false);
      expect(b!['invoice_date_due']).toBe(false);
      const company = (b!['company_id'] as [number, string])[1];
      expect(REFERENCE_AGENCIES.map((x) => x.name)).toContain(company);
      const missing = await kwFault(fake, 'account.move', 'read', [[999_999]]);
      expect(missing.body.error?.data['name']).toBe('odoo.exceptions.MissingError');
    });

    it('search_read pages with offset/limit over a stable order, and honours order', async () => {
      const domain = [['move_type', '=', 'out_invoice']];
      const all = (await kw(fake, 'account.move', 'search_read', [domain], { fields: ['id'], order: 'id asc' })) as Row[];
      const paged: Row[] = [];
      for (let offset = 0; offset < all.length; offset += 25) {
        paged.push(...((await kw(fake, 'account.move', 'search_read', [domain], { fields: ['id'], order: 'id asc', offset, limit: 25 })) as Row[]));
      }
      expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));
      const byAmount = (await kw(fake, 'account.move', 'search_read', [domain, ['amount_total']], { order: 'amount_total desc', limit: 10 })) as Row[];
      expect(byAmount).toHaveLength(10);
      const amounts = byAmount.map((r) => r['amount_total'] as number);
      expect([...amounts].sort((x, y) => y - x)).toEqual(amounts);
      // ties are broken by id: ordering on a many-valued field pages without duplicates
      const byState: number[] = [];
      for (let offset = 0; offset < all.length; offset += 7) {
        const page = (await kw(fake, 'account.move', 'search_read', [domain], { fields: ['id'], order: 'state', offset, limit: 7 })) as Row[];
        byState.push(...page.map((r) => r.id));
      }
      expect(new Set(byState).size).toBe(all.length);
    });

    it('read_group (lazy) returns <groupby>_count, aggregates and __domain', async () => {
      const groups = (await kw(fake, 'account.move', 'read_group', [[['move_type', '=', 'out_invoice']], ['amount_total:sum', 'amount_residual'], ['state']])) as Row[];
      const invoices = moves.filter((m) => m['move_type'] === 'out_invoice');
      expect(groups.map((g) => g['state'])).toEqual(['cancel', 'draft', 'posted']);
      for (const g of groups) {
        const members = invoices.filter((m) => m['state'] === g['state']);
        expect(g['state_count']).toBe(members.length);
        expect(g['amount_total']).toBeCloseTo(members.reduce((s, m) => s + (m['amount_total'] as number), 0), 2);
        expect(g['amount_residual']).toBeCloseTo(members.reduce((s, m) => s + (m['amount_residual'] as number), 0), 2);
        expect(g['__domain']).toEqual(['&', ['state', '=', g['state']], ['move_type', '=', 'out_invoice']]);
        expect(g['__count']).toBeUndefined();
        // the group's __domain selects exactly its members
        expect(await kw(fake, 'account.move', 'search_count', [g['__domain']])).toBe(members.length);
      }
    });

    it('read_group (lazy=false) returns __count over every groupby, many2one keys as [id, name]', async () => {
      const groups = (await kw(fake, 'account.move', 'read_group', [[], ['amount_total:sum'], ['company_id', 'state']], { lazy: false })) as Row[];
      expect(groups.reduce((s, g) => s + (g['__count'] as number), 0)).toBe(moves.length);
      expect(groups[0]!['company_id']).toEqual([expect.any(Number), expect.any(String)]);
      expect(groups[0]!['company_id_count']).toBeUndefined();
      expect(new Set(groups.map((g) => (g['company_id'] as [number, string])[0])).size).toBe(8);
      const lazyWithMore = (await kw(fake, 'account.move', 'read_group', [[], ['amount_total:sum'], ['company_id', 'state']])) as Row[];
      expect(lazyWithMore).toHaveLength(8);
      expect(lazyWithMore[0]!['__context']).toEqual({ group_by: ['state'] });
      expect(lazyWithMore[0]!['company_id_count']).toBeGreaterThan(0);
    });

    it('read_group groups dates by month with labels and __range, with orderby, offset and limit', async () => {
      const groups = (await kw(fake, 'account.move', 'read_group', [[], ['amount_total:sum'], ['date:month']], { orderby: 'date:month desc', limit: 2 })) as Row[];
      expect(groups.map((g) => g['date:month'])).toEqual(['June 2025', 'May 2025']);
      expect(groups[0]!['__range']).toEqual({ 'date:month': { from: '2025-06-01', to: '2025-07-01' } });
      expect(groups[0]!['date_count']).toBe(moves.filter((m) => String(m['date']).startsWith('2025-06')).length);
      const second = (await kw(fake, 'account.move', 'read_group', [[], ['amount_total:sum'], ['date:month']], { orderby: 'date:month desc', offset: 1, limit: 1 })) as Row[];
      expect(second.map((g) => g['date:month'])).toEqual(['May 2025']);
    });

    it('fields_get describes fields, filtered by attributes', async () => {
      const all = (await kw(fake, 'account.move', 'fields_get', [], { attributes: ['string', 'type', 'selection', 'relation'] })) as Record<string, Record<string, unknown>>;
      expect(all['partner_id']).toEqual({ string: 'Partner', type: 'many2one', relation: 'res.partner' });
      expect(all['state']?.['selection']).toEqual([
        ['draft', 'Draft'],
        ['posted', 'Posted'],
        ['cancel', 'Cancelled'],
      ]);
      expect(Object.keys(all['amount_total']!)).toEqual(['string', 'type']);
      const some = (await kw(fake, 'queue.job', 'fields_get', [['state', 'exc_info']])) as Record<string, Record<string, unknown>>;
      expect(Object.keys(some)).toEqual(['state', 'exc_info']);
      expect(some['exc_info']?.['type']).toBe('text');
    });

    it('hides archived records unless the domain filters on active or active_test is false', async () => {
      const active = (await kw(fake, 'res.partner', 'search_count', [[]])) as number;
      const all = (await kw(fake, 'res.partner', 'search_count', [[]], { context: { active_test: false } })) as number;
      const archived = (await kw(fake, 'res.partner', 'search_count', [[['active', '=', false]]])) as number;
      expect(archived).toBeGreaterThan(0);
      expect(active + archived).toBe(all);
    });
  });

  describe('domains', () => {
    const count = async (domain: unknown[]): Promise<number> => (await kw(fake, 'account.move', 'search_count', [domain])) as number;
    const expected = (pred: (m: Row) => boolean): number => moves.filter(pred).length;

    it('supports the comparison operators', async () => {
      expect(await count([['amount_total', '>', 100000]])).toBe(expected((m) => (m['amount_total'] as number) > 100000));
      expect(await count([['amount_total', '>=', 100000]])).toBe(expected((m) => (m['amount_total'] as number) >= 100000));
      expect(await count([['amount_total', '<', 100000]])).toBe(expected((m) => (m['amount_total'] as number) < 100000));
      expect(await count([['amount_total', '<=', 100000]])).toBe(expected((m) => (m['amount_total'] as number) <= 100000));
      expect(await count([['state', '!=', 'posted']])).toBe(expected((m) => m['state'] !== 'posted'));
      expect(await count([['invoice_date_due', '<', '2025-06-15']])).toBe(expected((m) => m['invoice_date_due'] !== false && String(m['invoice_date_due']) < '2025-06-15'));
      expect(await count([['create_date', '>=', '2025-06-01']])).toBe(expected((m) => String(m['create_date']) >= '2025-06-01 00:00:00'));
    });

    it('supports in, not in, like, ilike, =? and false comparisons', async () => {
      expect(await count([['payment_state', 'in', ['not_paid', 'partial']]])).toBe(expected((m) => ['not_paid', 'partial'].includes(String(m['payment_state']))));
      expect(await count([['payment_state', 'not in', ['not_paid', 'partial']]])).toBe(expected((m) => !['not_paid', 'partial'].includes(String(m['payment_state']))));
      expect(await count([['name', 'like', 'INV/']])).toBe(expected((m) => String(m['name']).includes('INV/')));
      expect(await count([['name', 'like', 'inv/']])).toBe(0);
      expect(await count([['name', 'ilike', 'inv/']])).toBe(expected((m) => String(m['name']).toLowerCase().includes('inv/')));
      expect(await count([['name', 'not ilike', 'inv/']])).toBe(expected((m) => !String(m['name']).toLowerCase().includes('inv/')));
      expect(await count([['name', '=like', 'RINV/%']])).toBe(expected((m) => String(m['name']).startsWith('RINV/')));
      expect(await count([['state', '=?', false]])).toBe(moves.length);
      expect(await count([['state', '=?', 'draft']])).toBe(expected((m) => m['state'] === 'draft'));
      expect(await count([['partner_id', '=', false]])).toBe(expected((m) => m['partner_id'] === false));
      expect(await count([['partner_id', '!=', false]])).toBe(expected((m) => m['partner_id'] !== false));
      const partnerId = (moves.find((m) => m['partner_id'] !== false)!['partner_id'] as [number, string])[0];
      expect(await count([['partner_id', '=', partnerId]])).toBe(expected((m) => m['partner_id'] !== false && (m['partner_id'] as [number, string])[0] === partnerId));
      expect(await count([['partner_id', 'in', [partnerId, false]]])).toBe(
        expected((m) => m['partner_id'] === false || (m['partner_id'] as [number, string])[0] === partnerId),
      );
    });

    it('combines leaves with implicit AND and prefix &, |, !', async () => {
      const draftOrCancel = expected((m) => m['state'] === 'draft' || m['state'] === 'cancel');
      expect(await count(['|', ['state', '=', 'draft'], ['state', '=', 'cancel']])).toBe(draftOrCancel);
      expect(await count(['!', ['state', '=', 'posted']])).toBe(draftOrCancel);
      expect(await count([['move_type', '=', 'out_invoice'], '|', ['state', '=', 'draft'], ['state', '=', 'cancel']])).toBe(
        expected((m) => m['move_type'] === 'out_invoice' && (m['state'] === 'draft' || m['state'] === 'cancel')),
      );
      expect(await count(['|', ['move_type', '=', 'entry'], '&', ['state', '=', 'posted'], ['payment_state', '=', 'paid']])).toBe(
        expected((m) => m['move_type'] === 'entry' || (m['state'] === 'posted' && m['payment_state'] === 'paid')),
      );
      expect(await count(['|', ['state', '=', 'draft'], ['state', '=', 'cancel'], ['move_type', '=', 'in_invoice']])).toBe(
        expected((m) => (m['state'] === 'draft' || m['state'] === 'cancel') && m['move_type'] === 'in_invoice'),
      );
      expect(await count(['&', '!', ['state', '=', 'posted'], ['move_type', '=', 'entry']])).toBe(expected((m) => m['state'] !== 'posted' && m['move_type'] === 'entry'));
    });

    it('follows dotted paths through many2one fields', async () => {
      const partner = moves.find((m) => m['partner_id'] !== false)!['partner_id'] as [number, string];
      const word = partner[1].split(' ')[0]!;
      const viaPath = await count([['partner_id.name', 'ilike', word]]);
      const partners = (await kw(fake, 'res.partner', 'search_read', [[['name', 'ilike', word]], ['id']], { context: { active_test: false } })) as Row[];
      const ids = new Set(partners.map((p) => p.id));
      expect(viaPath).toBe(expected((m) => m['partner_id'] !== false && ids.has((m['partner_id'] as [number, string])[0])));
      expect(viaPath).toBeGreaterThan(0);
      const acme = REFERENCE_AGENCIES[0]!;
      const company = (await kw(fake, 'res.company', 'search_read', [[['company_registry', '=', acme.code]], ['name']])) as Row[];
      expect(company).toHaveLength(1);
      expect(await count([['company_id.company_registry', '=', acme.code]])).toBe(expected((m) => (m['company_id'] as [number, string])[0] === company[0]!.id));
      // a many2one compared with a string matches the display name
      expect(await count([['company_id', 'ilike', acme.name.slice(0, 12)]])).toBeGreaterThan(0);
    });

    it('rejects malformed domains, unknown fields and operators with a ValueError', async () => {
      for (const domain of [[['nope', '=', 1]], [['state', 'equals', 'draft']], ['|', ['state', '=', 'draft']], 'state = draft', [['partner_id.nope', '=', 'x']], [['state', '=']]]) {
        const answer = await kwFault(fake, 'account.move', 'search', [domain]);
        expect(answer.body.error?.data['name']).toBe('builtins.ValueError');
      }
      const answer = await kwFault(fake, 'account.move', 'search', [[['nope', '=', 1]]]);
      expect(answer.body.error?.data['message']).toBe("Invalid field account.move.nope in leaf ('nope', '=', 1)");
    });
  });

  describe('faults', () => {
    it('uses Odoo’s envelope: HTTP 200, code 200, name/message/arguments/context/debug', async () => {
      const answer = await kwFault(fake, 'no.such.model', 'search', [[]]);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: 42 });
      const error = answer.body.error!;
      expect(error.code).toBe(200);
      expect(error.message).toBe('Odoo Server Error');
      expect(error.data).toEqual({
        name: 'builtins.KeyError',
        message: "'no.such.model'",
        arguments: ["'no.such.model'"],
        context: {},
        debug: expect.stringContaining('Traceback (most recent call last):'),
      });
    });

    it('maps bad fields, orders and arguments to ValueError/TypeError, writes to AccessError, unknown methods to AttributeError', async () => {
      expect((await kwFault(fake, 'account.move', 'search_read', [[]], { fields: ['nope'] })).body.error?.data['name']).toBe('builtins.ValueError');
      expect((await kwFault(fake, 'account.move', 'search_read', [[]], { order: 'nope desc' })).body.error?.data['name']).toBe('builtins.ValueError');
      expect((await kwFault(fake, 'account.move', 'search_read', [[]], { order: 'id; drop table' })).body.error?.data['name']).toBe('builtins.ValueError');
      expect((await kwFault(fake, 'account.move', 'search_read', [[]], { bogus: 1 })).body.error?.data['name']).toBe('builtins.TypeError');
      expect((await kwFault(fake, 'account.move', 'read_group', [[], ['amount_total:sum'], ['nope']])).body.error?.data['name']).toBe('builtins.ValueError');
      for (const method of ['create', 'write', 'unlink', 'action_post', 'requeue']) {
        const answer = await kwFault(fake, 'account.move', method, [[1]]);
        expect(answer.body.error?.data['name']).toBe('odoo.exceptions.AccessError');
        expect(String(answer.body.error?.data['message'])).toContain('read-only');
      }
      expect((await kwFault(fake, 'account.move', '_private', [])).body.error?.data['name']).toBe('odoo.exceptions.AccessError');
      expect((await kwFault(fake, 'account.move', 'frobnicate', [])).body.error?.data['name']).toBe('builtins.AttributeError');
    });
  });

  describe('seed data', () => {
    it('has one company per reference agency, with the agency code and TIN', async () => {
      const companies = (await kw(fake, 'res.company', 'search_read', [[], ['name', 'company_registry', 'vat']])) as Row[];
      expect(companies.map((c) => c['company_registry']).sort()).toEqual(REFERENCE_AGENCIES.map((a) => a.code).sort());
      for (const agency of REFERENCE_AGENCIES) {
        expect(companies.find((c) => c['company_registry'] === agency.code)).toMatchObject({ name: agency.name, vat: agency.tin });
      }
    });

    it('has queue jobs in every state, failed ones with their exception', async () => {
      const groups = (await kw(fake, 'queue.job', 'read_group', [[], [], ['state']])) as Row[];
      expect(groups.map((g) => g['state']).sort()).toEqual(['cancelled', 'done', 'enqueued', 'failed', 'pending', 'started', 'wait_dependencies']);
      const failed = (await kw(fake, 'queue.job', 'search_read', [[['state', '=', 'failed']], ['exc_name', 'exc_message', 'exc_info', 'date_created', 'func_string']])) as Row[];
      expect(failed.length).toBeGreaterThan(3);
      for (const job of failed) {
        expect(job['exc_name']).toEqual(expect.any(String));
        expect(job['exc_message']).toEqual(expect.any(String));
        expect(job['exc_info']).toContain('Traceback');
        expect(job['date_created']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      }
    });

    it('has overdue receivables, overdue activities and errors in the logs', async () => {
      const overdue = (await kw(fake, 'account.move', 'search_count', [
        [['move_type', '=', 'out_invoice'], ['state', '=', 'posted'], ['payment_state', 'in', ['not_paid', 'partial']], ['invoice_date_due', '<', '2025-06-15']],
      ])) as number;
      expect(overdue).toBeGreaterThan(5);
      const late = (await kw(fake, 'mail.activity', 'search_read', [[['date_deadline', '<', '2025-06-15']], ['state', 'res_model', 'res_id']])) as Row[];
      expect(late.length).toBeGreaterThan(0);
      expect(late.every((a) => a['state'] === 'overdue' && a['res_model'] === 'account.move')).toBe(true);
      const levels = (await kw(fake, 'ir.logging', 'read_group', [[['create_date', '>=', '2025-06-08']], [], ['level']])) as Row[];
      expect(levels.map((l) => l['level']).sort()).toEqual(['CRITICAL', 'ERROR', 'INFO', 'WARNING']);
      const drafts = (await kw(fake, 'account.move', 'search_count', [[['state', '=', 'draft'], ['date', '>=', '2025-06-01']]])) as number;
      expect(drafts).toBeGreaterThan(0);
    });

    it('is deterministic for the same clock', async () => {
      const other = await startFakeOdoo({ users: [{ login: 'admin', apiKey: KEY }, { login: 'bot', apiKey: 'other-bot-key' }], now: NOW });
      try {
        const theirs = (await kw(other, 'account.move', 'search_read', [[]], { order: 'id asc' })) as Row[];
        expect(theirs).toEqual(moves);
        const jobs = async (f: FakeOdoo): Promise<unknown> => kw(f, 'queue.job', 'search_read', [[]], { order: 'id asc' });
        expect(await jobs(other)).toEqual(await jobs(fake));
      } finally {
        await other.close();
      }
    });
  });

  describe('web client routes', () => {
    const web = async (path: string, params: Record<string, unknown>, cookie?: string): Promise<{ status: number; headers: Headers; body: RpcAnswer['body'] }> => {
      const response = await fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 7, params }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as RpcAnswer['body'] };
    };

    it('logs in with the password (not the API key) and serves call_kw on the session cookie', async () => {
      const withKey = await web('/web/session/authenticate', { db: fake.db, login: 'admin', password: KEY });
      expect(withKey.body.error?.data['name']).toBe('odoo.exceptions.AccessDenied');
      const login = await web('/web/session/authenticate', { db: fake.db, login: 'admin', password: 'admin-pw' });
      expect(login.body.result).toMatchObject({ uid: 2, db: fake.db, server_version: '17.0', user_context: { tz: 'Asia/Manila', uid: 2 } });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect(cookie).toMatch(/^session_id=[0-9a-f]{40}$/);
      const call = await web('/web/dataset/call_kw/res.company/search_count', { model: 'res.company', method: 'search_count', args: [[]], kwargs: {} }, cookie);
      expect(call.body.result).toBe(8);
      const anonymous = await web('/web/dataset/call_kw', { model: 'res.company', method: 'search_count', args: [[]], kwargs: {} });
      expect(anonymous.status).toBe(200);
      expect(anonymous.body.error).toMatchObject({ code: 100, message: 'Odoo Session Expired', data: { name: 'odoo.http.SessionExpiredException' } });
      await web('/web/session/destroy', {}, cookie);
      expect((await web('/web/dataset/call_kw', { model: 'res.company', method: 'search_count', args: [[]], kwargs: {} }, cookie)).body.error?.code).toBe(100);
    });
  });

  describe('more ORM details', () => {
    it('name_search, read of a single id, load=null and search_count with a limit', async () => {
      const acme = REFERENCE_AGENCIES[0]!;
      const found = (await kw(fake, 'res.company', 'name_search', [acme.name.slice(0, 10)])) as [number, string][];
      expect(found.map(([, name]) => name)).toContain(acme.name);
      const [one] = (await kw(fake, 'res.company', 'read', [found[0]![0], ['name']])) as Row[];
      expect(one).toEqual({ id: found[0]![0], name: found[0]![1] });
      const [raw] = (await kw(fake, 'account.move', 'search_read', [[['partner_id', '!=', false]]], { fields: ['partner_id'], limit: 1, load: null })) as Row[];
      expect(typeof raw!['partner_id']).toBe('number');
      expect(await kw(fake, 'account.move', 'search_count', [[]], { limit: 5 })).toBe(5);
    });

    it('a fake started with seed: false has companies and users but no transactions', async () => {
      const empty = await startFakeOdoo({ users: [{ login: 'admin', apiKey: KEY }], now: NOW, seed: false });
      try {
        expect(await kw(empty, 'res.company', 'search_count', [[]])).toBe(8);
        expect(await kw(empty, 'account.move', 'search_count', [[]])).toBe(0);
        expect(await kw(empty, 'account.move', 'read_group', [[], ['amount_total:sum'], ['state']])).toEqual([]);
        expect(empty.seedSummary['account.move']).toBeGreaterThan(0);
      } finally {
        await empty.close();
      }
    });
  });

  describe('calls log', () => {
    it('records service, method, model and ORM method, never the key', async () => {
      fake.calls.length = 0;
      await kw(fake, 'queue.job', 'search_count', [[]]);
      await rpc(fake, 'common', 'authenticate', [fake.db, 'admin', 'wrong', {}]);
      await kwFault(fake, 'nope.model', 'search', [[]]);
      expect(fake.calls).toEqual([
        { service: 'object', method: 'execute_kw', model: 'queue.job', modelMethod: 'search_count', outcome: 'ok', faultName: null },
        { service: 'common', method: 'authenticate', model: null, modelMethod: null, outcome: 'ok', faultName: null },
        { service: 'object', method: 'execute_kw', model: 'nope.model', modelMethod: 'search', outcome: 'fault', faultName: 'builtins.KeyError' },
      ]);
      expect(JSON.stringify(fake.calls)).not.toContain(KEY);
    });
  });
});

describe('fake Odoo knobs', () => {
  let fake: FakeOdoo;
  beforeAll(async () => {
    fake = await startFakeOdoo({ now: NOW });
  });
  afterAll(async () => {
    await fake.close();
  });
  const reset = (): void => {
    fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, sessionExpired: false, authFail: false, serverVersion: '17.0', errorKinds: ['server_error', 'http_502', 'http_503'] };
  };

  it('generates a random key per fake when none is given', () => {
    expect(fake.login).toBe('admin');
    expect(fake.apiKey).toMatch(/^[0-9a-f]{40}$/);
  });

  it('sessionExpired: execute_kw answers code 100 until the client authenticates again', async () => {
    reset();
    fake.knobs = { sessionExpired: true };
    for (let i = 0; i < 2; i++) {
      const answer = await rpc(fake, 'object', 'execute_kw', [fake.db, fake.uid, fake.apiKey, 'res.partner', 'search_count', [[]]]);
      expect(answer.status).toBe(200);
      expect(answer.body.error).toMatchObject({ code: 100, message: 'Odoo Session Expired', data: { name: 'odoo.http.SessionExpiredException' } });
    }
    expect(fake.calls.at(-1)?.outcome).toBe('session_expired');
    // a failed login does not renew the session
    expect((await rpc(fake, 'common', 'authenticate', [fake.db, fake.login, 'wrong', {}])).body.result).toBe(false);
    expect(fake.knobs.sessionExpired).toBe(true);
    expect((await rpc(fake, 'common', 'authenticate', [fake.db, fake.login, fake.apiKey, {}])).body.result).toBe(2);
    expect(fake.knobs.sessionExpired).toBe(false);
    expect(typeof (await kw(fake, 'res.partner', 'search_count', [[]]))).toBe('number');
  });

  it('rateLimit429: the next `burst` requests get HTTP 429 with Retry-After, then service resumes', async () => {
    reset();
    fake.knobs = { rateLimit429: { burst: 2, retryAfterSec: 1 } };
    for (let i = 0; i < 2; i++) {
      const answer = await rpc(fake, 'common', 'version', []);
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    expect((await rpc(fake, 'common', 'version', [])).status).toBe(200);
    expect(fake.calls.filter((c) => c.outcome === 'rate_limited')).toHaveLength(2);
    // assigning the knob again starts a new burst; mutating the live object in place does too
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 0.2 } };
    const again = await rpc(fake, 'common', 'version', []);
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('1');
    fake.knobs.rateLimit429 = { burst: 1, retryAfterSec: 3 };
    expect((await rpc(fake, 'common', 'version', [])).headers.get('retry-after')).toBe('3');
    expect((await rpc(fake, 'common', 'version', [])).status).toBe(200);
  });

  it('errorRate: injects an Odoo server error inside HTTP 200, then HTTP 502 and 503, in rotation', async () => {
    reset();
    fake.knobs = { errorRate: 1 };
    const first = await rpc(fake, 'common', 'version', []);
    const second = await rpc(fake, 'common', 'version', []);
    const third = await rpc(fake, 'common', 'version', []);
    const statuses = [first.status, second.status, third.status].sort();
    expect(statuses).toEqual([200, 502, 503]);
    const envelope = [first, second, third].find((a) => a.status === 200)!;
    expect(envelope.body.error).toMatchObject({ code: 200, data: { name: 'psycopg2.errors.SerializationFailure' } });
    fake.knobs = { errorKinds: ['http_503'] };
    expect((await rpc(fake, 'common', 'version', [])).status).toBe(503);
    fake.knobs = { errorRate: 0 };
    expect((await rpc(fake, 'common', 'version', [])).status).toBe(200);
  });

  it('errorRate between 0 and 1 fails some requests and serves others', async () => {
    reset();
    fake.knobs = { errorRate: 0.5, errorKinds: ['http_502'] };
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await rpc(fake, 'common', 'version', [])).status);
    expect(statuses).toContain(502);
    expect(statuses).toContain(200);
  });

  it('latencyMs delays answers', async () => {
    reset();
    fake.knobs = { latencyMs: 120 };
    const started = Date.now();
    expect((await rpc(fake, 'common', 'version', [])).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('authFail: authenticate answers false and execute_kw AccessDenied even with the right key', async () => {
    reset();
    fake.knobs = { authFail: true };
    expect((await rpc(fake, 'common', 'authenticate', [fake.db, fake.login, fake.apiKey, {}])).body.result).toBe(false);
    const answer = await rpc(fake, 'object', 'execute_kw', [fake.db, fake.uid, fake.apiKey, 'res.partner', 'search_count', [[]]]);
    expect(answer.body.error?.data['name']).toBe('odoo.exceptions.AccessDenied');
  });

  it('serverVersion: failure_count and first_failure_date exist on ir.cron from 18.0 only', async () => {
    reset();
    const fields17 = (await kw(fake, 'ir.cron', 'fields_get', [], { attributes: ['type'] })) as Record<string, unknown>;
    expect(fields17['failure_count']).toBeUndefined();
    expect(fields17['numbercall']).toBeDefined();
    const crons17 = (await kw(fake, 'ir.cron', 'search_read', [[]], { context: { active_test: false } })) as Row[];
    expect(crons17[0]).not.toHaveProperty('failure_count');
    expect((await kwFault(fake, 'ir.cron', 'search_read', [[['failure_count', '>', 0]]])).body.error?.data['name']).toBe('builtins.ValueError');

    fake.knobs = { serverVersion: '18.0' };
    expect(((await rpc(fake, 'common', 'version', [])).body.result as Record<string, unknown>)['server_version_info']).toEqual([18, 0, 0, 'final', 0, '']);
    const fields18 = (await kw(fake, 'ir.cron', 'fields_get', [], { attributes: ['type'] })) as Record<string, unknown>;
    expect(fields18['failure_count']).toEqual({ type: 'integer' });
    expect(fields18['numbercall']).toBeUndefined();
    const failing = (await kw(fake, 'ir.cron', 'search_read', [[['failure_count', '>', 0]], ['cron_name', 'failure_count', 'first_failure_date', 'active']], {
      context: { active_test: false },
    })) as Row[];
    expect(failing.length).toBeGreaterThanOrEqual(2);
    expect(failing.some((c) => c['active'] === false && (c['failure_count'] as number) >= 5)).toBe(true);
    expect(failing.every((c) => typeof c['first_failure_date'] === 'string')).toBe(true);
    // the 18.0 payment states
    const states = (await kw(fake, 'account.payment', 'read_group', [[], [], ['state']])) as Row[];
    expect(states.map((s) => s['state'])).toEqual(expect.arrayContaining(['paid', 'draft']));
    expect(states.map((s) => s['state'])).not.toContain('posted');
    reset();
  });

  it('rejects knob values it cannot honour', () => {
    expect(() => {
      fake.knobs = { errorRate: 2 };
    }).toThrow(RangeError);
    expect(() => {
      fake.knobs = { latencyMs: -1 };
    }).toThrow(RangeError);
    expect(() => {
      fake.knobs = { rateLimit429: { burst: 1.5, retryAfterSec: 1 } };
    }).toThrow(RangeError);
    expect(() => {
      fake.knobs = { serverVersion: 'latest' };
    }).toThrow(RangeError);
    expect(fake.knobs.errorRate).toBe(0);
  });

  it('injects failures on /web/version too (HTML 500 for a server error there)', async () => {
    reset();
    fake.knobs = { errorRate: 1, errorKinds: ['server_error'] };
    const response = await fetch(`${fake.url}/web/version`);
    expect(response.status).toBe(500);
    await response.text();
    reset();
  });

  it('serves JSON-2 (/json/2/<model>/<method>) from 19.0 with a bearer key and real HTTP statuses', async () => {
    reset();
    const json2 = async (path: string, body: unknown, key: string | null = fake.apiKey): Promise<{ status: number; body: unknown }> => {
      const response = await fetch(`${fake.url}/json/2/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `bearer ${key}` }) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    };
    expect((await json2('res.company/search_count', { domain: [] })).status).toBe(404);
    fake.knobs = { serverVersion: '19.0' };
    const ok = await json2('res.company/search_read', { domain: [['company_registry', '=', REFERENCE_AGENCIES[0]!.code]], fields: ['name'] });
    expect(ok).toEqual({ status: 200, body: [{ id: expect.any(Number), name: REFERENCE_AGENCIES[0]!.name }] });
    const unauthorized = await json2('res.company/search_read', { domain: [] }, 'nope');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toMatchObject({ name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey', arguments: ['Invalid apikey', 401], context: {} });
    expect((await json2('res.company/search_read', { domain: [] }, null)).status).toBe(401);
    expect((await json2('res.company/search_read', { domain: [['nope', '=', 1]] })).status).toBe(422);
    expect((await json2('nope.model/search_read', { domain: [] })).status).toBe(404);
    expect((await json2('res.company/write', { ids: [1], vals: {} })).status).toBe(403);
    const read = await json2('res.company/read', { ids: [1], fields: ['company_registry'] });
    expect(read.body).toEqual([{ id: 1, company_registry: REFERENCE_AGENCIES[0]!.code }]);
    reset();
  });

  it('keeps at most maxCalls entries in the calls log', async () => {
    const small = await startFakeOdoo({ now: NOW, seed: false, maxCalls: 3 });
    try {
      for (let i = 0; i < 5; i++) await rpc(small, 'common', 'version', []);
      await rpc(small, 'db', 'list', []);
      expect(small.calls).toHaveLength(3);
      expect(small.calls.at(-1)).toMatchObject({ service: 'db', method: 'list' });
    } finally {
      await small.close();
    }
  });

  it('close() does not wait for answers held back by latency', async () => {
    const slow = await startFakeOdoo({ now: NOW, seed: false, knobs: { latencyMs: 60_000 } });
    const pending = rpc(slow, 'common', 'version', []).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await slow.close();
    // fetch rejects (a TypeError from another realm under Jest, hence no instanceof check)
    expect(await pending).toMatchObject({ message: 'fetch failed' });
  });
});
