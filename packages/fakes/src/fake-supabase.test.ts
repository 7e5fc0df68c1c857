import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@mcpgw/test-support';
import { startFakeSupabase, type FakeSupabase } from './fake-supabase.js';

const NOW = new Date('2025-07-08T03:30:00Z');

describe('fake Supabase (PostgREST subset over the real ops tables)', () => {
  let db: TestDatabase;
  let fake: FakeSupabase;

  beforeAll(async () => {
    db = await createTestDatabase('mcpgw_fake_supa');
    fake = await startFakeSupabase({ databaseUrl: db.url, seed: { now: NOW } });
  });

  afterAll(async () => {
    await fake.close();
    await db.drop();
  });

  beforeEach(() => {
    fake.knobs = {};
  });

  const rest = (path: string, init: { headers?: Record<string, string>; method?: string; body?: unknown; key?: string | null } = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? fake.secretKey : init.key;
    if (key !== null) headers['apikey'] = key;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${fake.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  };
  const rows = async (res: Response): Promise<Record<string, unknown>[]> => (await res.json()) as Record<string, unknown>[];

  describe('keys', () => {
    it('answers 401 "No API key found in request" without an apikey', async () => {
      const res = await rest('/rest/v1/agencies', { key: null });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ message: 'No API key found in request' });
    });

    it('answers 401 "Invalid API key" for an unknown key, and never echoes it', async () => {
      const res = await rest('/rest/v1/agencies', { key: 'sb_secret_wrongwrongwrong' });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ message: 'Invalid API key' });
      expect(text).not.toContain('wrongwrongwrong');
    });

    it('rejects the secret key from a browser-like User-Agent', async () => {
      const res = await rest('/rest/v1/agencies', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0' } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ message: expect.stringMatching(/secret API key in browser/) });
    });

    it('accepts the key in the apikey query parameter too', async () => {
      const res = await fetch(`${fake.url}/rest/v1/agencies?select=code&apikey=${encodeURIComponent(fake.secretKey)}`);
      expect(res.status).toBe(200);
      expect(await rows(res)).toHaveLength(8);
    });

    it('gives the publishable (anon) key no rows (row-level security) and refuses its inserts', async () => {
      const read = await rest('/rest/v1/agencies', { key: fake.publishableKey, headers: { prefer: 'count=exact' } });
      expect(read.status).toBe(200);
      expect(await rows(read)).toEqual([]);
      expect(read.headers.get('content-range')).toBe('*/0');
      const insert = await rest('/rest/v1/error_logs', { key: fake.publishableKey, method: 'POST', body: { level: 'info', source: 's', message: 'm' } });
      expect(insert.status).toBe(401);
      expect(await insert.json()).toMatchObject({ code: '42501' });
    });

    it('answers 401 to every request while authFail is on', async () => {
      fake.knobs = { authFail: true };
      expect((await rest('/rest/v1/agencies')).status).toBe(401);
      expect((await rest('/auth/v1/health')).status).toBe(401);
      fake.knobs = {};
      expect((await rest('/rest/v1/agencies')).status).toBe(200);
    });

    it('serves GoTrue health and the OpenAPI root with a key', async () => {
      const health = await rest('/auth/v1/health');
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ name: 'GoTrue', version: expect.stringMatching(/^v2\./) });
      const root = await rest('/rest/v1/');
      expect(root.status).toBe(200);
      const doc = (await root.json()) as { paths: Record<string, unknown>; definitions: Record<string, { properties: Record<string, unknown> }> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/month_end_tasks', '/background_jobs', '/error_logs', '/compliance_tracking', '/agency_metrics']));
      expect(Object.keys(doc.definitions['agencies']?.properties ?? {})).toContain('efps_group');
    });
  });

  describe('reads', () => {
    it('selects columns and filters with eq, in, is and order', async () => {
      const res = await rest('/rest/v1/agencies?select=code,vat_registered&code=in.(ACME-MNL,ACME-BCD,"ACME-XXX")&efps_group=is.null&order=code.desc');
      expect(res.status).toBe(200);
      expect(await rows(res)).toEqual([{ code: 'ACME-BCD', vat_registered: false }]);
    });

    it('filters with gte/lt on dates, neq and not.eq, and returns JSON types like PostgREST', async () => {
      const res = await rest('/rest/v1/agency_metrics?agency_code=eq.ACME-MNL&metric=eq.dso_days&metric_date=gte.2025-07-01&metric_date=lt.2025-07-08&order=metric_date.asc');
      const list = await rows(res);
      expect(list).toHaveLength(7);
      expect(list[0]).toMatchObject({ agency_code: 'ACME-MNL', metric_date: '2025-07-01', metric: 'dso_days', unit: 'days' });
      expect(typeof list[0]?.['id']).toBe('number');
      expect(typeof list[0]?.['value']).toBe('number');
      const neq = await rows(await rest('/rest/v1/agencies?select=code&code=neq.ACME-MNL'));
      const notEq = await rows(await rest('/rest/v1/agencies?select=code&code=not.eq.ACME-MNL'));
      expect(neq).toHaveLength(7);
      expect(notEq).toEqual(neq);
    });

    it('filters with like/ilike (* wildcard), gt/lte and or=(...)', async () => {
      const ilike = await rows(await rest('/rest/v1/agencies?select=code&name=ilike.*MINDANAO*&order=code'));
      expect(ilike).toEqual([{ code: 'ACME-CDO' }, { code: 'ACME-DVO' }]);
      const like = await rows(await rest('/rest/v1/agencies?select=code&name=like.*Mindanao*'));
      expect(like).toHaveLength(2);
      const or = await rows(await rest('/rest/v1/agencies?select=code&or=(taxpayer_class.eq.micro,and(efps_group.eq.A,vat_registered.is.true))&order=code'));
      expect(or).toEqual([{ code: 'ACME-BAG' }, { code: 'ACME-CDO' }, { code: 'ACME-MNL' }]);
      const jobs = await rows(await rest('/rest/v1/background_jobs?select=id&attempts=gt.1&attempts=lte.5'));
      expect(jobs.length).toBeGreaterThan(0);
      const failed = await rows(await rest('/rest/v1/background_jobs?select=status,last_error&status=eq.failed'));
      expect(failed.length).toBeGreaterThanOrEqual(3);
      for (const job of failed) expect(job['last_error']).toEqual(expect.any(String));
    });

    it('orders with nullslast and supports aliases and casts', async () => {
      const list = await rows(await rest('/rest/v1/agencies?select=agency:code,efps:efps_group,fy:fiscal_year_end_month::text&order=efps_group.desc.nullslast,code'));
      expect(list.at(-1)).toEqual({ agency: 'ACME-CDO', efps: null, fy: '12' });
      expect(list[0]).toEqual({ agency: 'ACME-ILO', efps: 'E', fy: '12' });
    });

    it('pages with Range and reports the total with Prefer: count=exact (206, then 200 for the whole set)', async () => {
      const total = Number(
        (await rest('/rest/v1/error_logs?select=id', { method: 'HEAD', headers: { prefer: 'count=exact' } })).headers.get('content-range')?.split('/')[1],
      );
      expect(total).toBe(140);
      const first = await rest('/rest/v1/error_logs?select=id&order=id', { headers: { range: '0-24', 'range-unit': 'items', prefer: 'count=exact' } });
      expect(first.status).toBe(206);
      expect(first.headers.get('content-range')).toBe(`0-24/${total}`);
      expect((await rows(first)).map((r) => r['id'])).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const last = await rest('/rest/v1/error_logs?select=id&order=id', { headers: { range: '125-149', prefer: 'count=exact' } });
      expect(last.status).toBe(206);
      expect(last.headers.get('content-range')).toBe('125-139/140');
      expect(await rows(last)).toHaveLength(15);
      const all = await rest('/rest/v1/error_logs?select=id', { headers: { prefer: 'count=exact' } });
      expect(all.status).toBe(200);
      expect(all.headers.get('content-range')).toBe('0-139/140');
      const uncounted = await rest('/rest/v1/error_logs?select=id&limit=10&offset=5');
      expect(uncounted.status).toBe(200);
      expect(uncounted.headers.get('content-range')).toBe('5-14/*');
    });

    it('answers */0 for an empty result and 416 for an offset past the end', async () => {
      const empty = await rest('/rest/v1/agencies?code=eq.NOPE', { headers: { prefer: 'count=exact' } });
      expect(empty.status).toBe(200);
      expect(empty.headers.get('content-range')).toBe('*/0');
      expect(await rows(empty)).toEqual([]);
      const past = await rest('/rest/v1/agencies', { headers: { range: '200-224', prefer: 'count=exact' } });
      expect(past.status).toBe(416);
      expect(await past.json()).toMatchObject({ code: 'PGRST103', details: expect.stringContaining('only 8 rows') });
      expect((await rest('/rest/v1/agencies', { headers: { range: '9-3' } })).status).toBe(416);
    });

    it('caps a response at 1000 rows', async () => {
      const res = await rest('/rest/v1/agency_metrics?select=id', { headers: { prefer: 'count=exact' } });
      expect(res.status).toBe(206);
      expect(await rows(res)).toHaveLength(1000);
      expect(res.headers.get('content-range')).toBe('0-999/1920');
    });

    it('returns one object for vnd.pgrst.object+json, and 406 PGRST116 for more', async () => {
      const one = await rest('/rest/v1/agencies?code=eq.ACME-MNL&select=code,tin', { headers: { accept: 'application/vnd.pgrst.object+json' } });
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual({ code: 'ACME-MNL', tin: '000-123-456-000' });
      const many = await rest('/rest/v1/agencies', { headers: { accept: 'application/vnd.pgrst.object+json' } });
      expect(many.status).toBe(406);
      expect(await many.json()).toMatchObject({ code: 'PGRST116' });
    });
  });

  describe('errors', () => {
    it('answers 404 PGRST205 for an unknown table', async () => {
      const res = await rest('/rest/v1/invoices');
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 'PGRST205', details: null, hint: null, message: "Could not find the table 'public.invoices' in the schema cache" });
    });

    it('answers 400 with PostgREST error JSON for a bad column, operator or value', async () => {
      const column = await rest('/rest/v1/agencies?select=code,secret_column');
      expect(column.status).toBe(400);
      expect(await column.json()).toEqual({ code: '42703', details: null, hint: null, message: 'column agencies.secret_column does not exist' });
      const filter = await rest('/rest/v1/agencies?nope=eq.1');
      expect(filter.status).toBe(400);
      expect(await filter.json()).toMatchObject({ code: '42703' });
      const op = await rest('/rest/v1/agencies?code=regex.x');
      expect(op.status).toBe(400);
      expect(await op.json()).toMatchObject({ code: 'PGRST100', details: expect.any(String), hint: null, message: expect.any(String) });
      const value = await rest('/rest/v1/month_end_tasks?id=eq.not-a-number');
      expect(value.status).toBe(400);
      expect(await value.json()).toMatchObject({ code: '22P02' });
      const order = await rest('/rest/v1/agencies?order=code.sideways');
      expect(order.status).toBe(400);
    });

    it('treats SQL injection in filters and select as data or as a bad column, never as SQL', async () => {
      const attempts = [
        `/rest/v1/agencies?code=eq.${encodeURIComponent("x' OR '1'='1")}`,
        `/rest/v1/agencies?code=in.(${encodeURIComponent("a'); DROP TABLE agencies; --")})`,
        `/rest/v1/agencies?select=${encodeURIComponent('code,(SELECT 1)')}`,
        `/rest/v1/agencies?select=${encodeURIComponent('code; DROP TABLE agencies')}`,
        `/rest/v1/agencies?select=${encodeURIComponent('"code"" FROM pg_user --"')}`,
        `/rest/v1/agencies?order=${encodeURIComponent('code; DROP TABLE agencies')}`,
        `/rest/v1/agencies?${encodeURIComponent('code" = code OR "1')}=eq.1`,
        `/rest/v1/agencies?select=${encodeURIComponent('code::text; DROP TABLE agencies')}`,
        `/rest/v1/${encodeURIComponent('agencies; DROP TABLE agencies')}`,
      ];
      for (const path of attempts) {
        const res = await rest(path);
        if (res.status === 200) expect(await rows(res)).toEqual([]);
        else expect([400, 404]).toContain(res.status);
      }
      const count = await db.query<{ n: string }>('SELECT count(*) AS n FROM public.agencies');
      expect(count.rows[0]?.n).toBe('8');
    });

    it('answers 405 PGRST117 for methods it does not serve', async () => {
      const res = await rest('/rest/v1/agencies?code=eq.ACME-MNL', { method: 'DELETE' });
      expect(res.status).toBe(405);
      expect(await res.json()).toMatchObject({ code: 'PGRST117' });
    });
  });

  describe('inserts', () => {
    const filing = {
      agency_code: 'ACME-MNL',
      kind: 'filing',
      form_code: '1601-C',
      period_start: '2025-06-01',
      period_end: '2025-06-30',
      filed_at: '2025-07-09T02:00:00Z',
      reference: 'eFPS-TEST-1',
      amount: 123456.78,
    };

    it('inserts with return=representation (201, rows back with defaults) and return=minimal (201, empty)', async () => {
      await db.query(`DELETE FROM public.compliance_tracking WHERE agency_code = 'ACME-MNL' AND form_code = '1601-C' AND period_start = '2025-06-01'`);
      const res = await rest('/rest/v1/compliance_tracking?select=id,form_code,amount,created_at', { method: 'POST', body: filing, headers: { prefer: 'return=representation' } });
      expect(res.status).toBe(201);
      const [row] = await rows(res);
      expect(row).toMatchObject({ id: expect.any(Number), form_code: '1601-C', amount: 123456.78, created_at: expect.any(String) });
      const minimal = await rest('/rest/v1/error_logs', {
        method: 'POST',
        body: [
          { level: 'info', source: 'test', message: 'one' },
          { level: 'error', source: 'test', message: 'two' },
        ],
      });
      expect(minimal.status).toBe(201);
      expect(await minimal.text()).toBe('');
      expect((await db.query(`SELECT 1 FROM public.error_logs WHERE source = 'test'`)).rowCount).toBe(2);
    });

    it('answers 409 for a duplicate filing and 400 for a constraint violation or unknown column', async () => {
      const dup = await rest('/rest/v1/compliance_tracking', { method: 'POST', body: filing });
      expect(dup.status).toBe(409);
      expect(await dup.json()).toMatchObject({ code: '23505', message: expect.stringContaining('compliance_tracking_filing_key') });
      const bad = await rest('/rest/v1/error_logs', { method: 'POST', body: { level: 'fatal', source: 's', message: 'm' } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: '23514' });
      const unknown = await rest('/rest/v1/error_logs', { method: 'POST', body: { level: 'info', source: 's', message: 'm', hacker: 1 } });
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({ code: 'PGRST204' });
      const fk = await rest('/rest/v1/month_end_tasks', {
        method: 'POST',
        body: { agency_code: 'NOPE', period: '2025-07-01', task: 't', category: 'c', status: 'done', due_date: '2025-08-01' },
      });
      expect(fk.status).toBe(409);
      const garbage = await fetch(`${fake.url}/rest/v1/error_logs`, { method: 'POST', headers: { apikey: fake.secretKey, 'content-type': 'application/json' }, body: '{not json' });
      expect(garbage.status).toBe(400);
      expect(await garbage.json()).toMatchObject({ code: 'PGRST102' });
    });

    it('upserts with Prefer: resolution=merge-duplicates on the primary key', async () => {
      const res = await rest('/rest/v1/agencies?select=code,name', {
        method: 'POST',
        body: { code: 'ACME-MNL', name: 'Acme Renamed', tin: '000-123-456-000', vat_registered: true, taxpayer_class: 'large' },
        headers: { prefer: 'resolution=merge-duplicates,return=representation' },
      });
      expect(res.status).toBe(201);
      expect(await rows(res)).toEqual([{ code: 'ACME-MNL', name: 'Acme Renamed' }]);
      await db.query(`UPDATE public.agencies SET name = 'Acme Shared Services Manila Inc.' WHERE code = 'ACME-MNL'`);
    });
  });

  describe('knobs', () => {
    it('answers the next n requests with 429 and Retry-After, then serves again', async () => {
      fake.knobs = { rateLimit429: { burst: 2, retryAfterSec: 3 } };
      for (let i = 0; i < 2; i += 1) {
        const res = await rest('/rest/v1/agencies?select=code');
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('3');
      }
      expect((await rest('/rest/v1/agencies?select=code')).status).toBe(200);
    });

    it('fails the configured fraction of requests with PostgREST-style 500/503', async () => {
      fake.knobs = { errorRate: 1 };
      const statuses = [];
      for (let i = 0; i < 4; i += 1) {
        const res = await rest('/rest/v1/agencies?select=code');
        statuses.push(res.status);
        expect(await res.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      }
      expect(new Set(statuses)).toEqual(new Set([500, 503]));
      fake.knobs = { errorRate: 0.5 };
      const half = [];
      for (let i = 0; i < 10; i += 1) half.push((await rest('/rest/v1/agencies?select=code')).status);
      expect(half.filter((s) => s === 200)).toHaveLength(5);
      expect(() => (fake.knobs = { errorRate: 2 })).toThrow(RangeError);
    });

    it('delays answers by latencyMs and counts requests', async () => {
      const before = fake.requests;
      fake.knobs = { latencyMs: 50 };
      const started = process.hrtime.bigint();
      expect((await rest('/rest/v1/agencies?select=code')).status).toBe(200);
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThanOrEqual(45);
      expect(fake.requests).toBe(before + 1);
    });
  });

  it('runs the migrations on start without reseeding, and serves a table created later', async () => {
    const second = await startFakeSupabase({ databaseUrl: db.url, keys: { secret: 'sb_secret_fixed', publishable: 'sb_publishable_fixed' } });
    try {
      expect(second.seeded).toBeNull();
      expect(second.secretKey).toBe('sb_secret_fixed');
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      await pool.query('CREATE TABLE public.late_table (id int PRIMARY KEY)');
      await pool.query('INSERT INTO public.late_table VALUES (1)');
      await pool.end();
      await new Promise((r) => setTimeout(r, 1100));
      const res = await fetch(`${second.url}/rest/v1/late_table`, { headers: { apikey: 'sb_secret_fixed' } });
      expect(await res.json()).toEqual([{ id: 1 }]);
    } finally {
      await second.close();
    }
  });
});
