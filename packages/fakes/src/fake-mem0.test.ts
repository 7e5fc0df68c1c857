import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { scoreMemory, startFakeMem0, type FakeMem0 } from './fake-mem0.js';

/** The fake Mem0 on the wire: the checklist of integrations.md §7.3. */
let fake: FakeMem0;

beforeAll(async () => {
  fake = await startFakeMem0({ now: new Date('2026-07-15T00:00:00Z'), serverApiKey: 'srv-key-123456' });
});

afterAll(async () => {
  await fake?.close();
});

async function platform(method: string, path: string, body?: unknown, auth = `Token ${fake.apiKey}`): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { ...(auth ? { Authorization: auth } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function oss(method: string, path: string, body?: unknown, key: string | undefined = 'srv-key-123456'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { ...(key ? { 'X-API-Key': key } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('fake Mem0 platform API', () => {
  it('takes `Authorization: Token <key>` only', async () => {
    expect((await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } })).status).toBe(200);
    expect(await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } }, `Bearer ${fake.apiKey}`)).toMatchObject({ status: 401 });
    expect(await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } }, '')).toMatchObject({ status: 401, body: { detail: 'Authentication credentials were not provided.' } });
    expect(await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } }, 'Token nope')).toMatchObject({ status: 401, body: { detail: 'Invalid API key.' } });
  });

  it('serves paths with a trailing slash only', async () => {
    expect((await platform('POST', '/v2/memories', { filters: { agent_id: 'agent_001' } })).status).toBe(404);
  });

  it('answers an add with an event list (v1) or {results} (v1.1), and needs an entity', async () => {
    const v1 = await platform('POST', '/v1/memories/', { messages: [{ role: 'user', content: 'Likes dark mode' }, { role: 'assistant', content: 'Noted' }], user_id: 'dana' });
    expect(v1).toMatchObject({ status: 200, body: [{ event: 'ADD', data: { memory: 'Likes dark mode' } }] });
    const v11 = await platform('POST', '/v1/memories/', { messages: [{ role: 'user', content: 'Likes dark mode' }], user_id: 'dana', output_format: 'v1.1' });
    expect(v11.body).toEqual({ results: [{ id: v1.body[0].id, memory: 'Likes dark mode', event: 'NONE' }] });
    const raw = await platform('POST', '/v1/memories/', { messages: [{ role: 'assistant', content: 'Raw note' }], user_id: 'dana', infer: false });
    expect(raw.body).toMatchObject([{ event: 'ADD', data: { memory: 'Raw note' } }]);
    const none = await platform('POST', '/v1/memories/', { messages: [{ role: 'user', content: 'x' }] });
    expect(none).toMatchObject({ status: 400, body: { error: '400 Bad Request', details: { message: expect.stringMatching(/^Invalid input data\./) } } });
  });

  it('rejects v3 searches with top-level entity ids or without any, and scores in [0, 1]', async () => {
    const topLevel = await platform('POST', '/v3/memories/search/', { query: 'close', user_id: 'alice' });
    expect(topLevel).toMatchObject({ status: 400, body: { details: { message: expect.stringMatching(/inside filters/) } } });
    expect((await platform('POST', '/v3/memories/search/', { query: 'close', filters: {} })).status).toBe(400);
    const found = await platform('POST', '/v3/memories/search/', { query: 'prefers TypeScript', filters: { OR: [{ user_id: 'alice' }, { agent_id: 'agent_001' }] }, top_k: 2 });
    expect(found.status).toBe(200);
    expect(found.body.results.length).toBeGreaterThan(0);
    expect(found.body.results.length).toBeLessThanOrEqual(2);
    expect(found.body.results[0].memory).toBe('Alice prefers TypeScript for internal tooling');
    for (const r of found.body.results) expect(r.score).toBeGreaterThan(0);
    for (const r of found.body.results) expect(r.score).toBeLessThanOrEqual(1);
  });

  it('filters with in, wildcard, NOT, icontains, contains (categories) and date ranges', async () => {
    const ids = async (filters: unknown) => (await platform('POST', '/v2/memories/', { filters, page_size: 100 })).body.results.map((m: { memory: string }) => m.memory).sort();
    expect(await ids({ AND: [{ user_id: 'alice' }, { agent_id: '*' }] })).toEqual(['Alice prefers TypeScript for internal tooling']);
    expect(await ids({ AND: [{ user_id: { in: ['alice', 'bob'] } }, { NOT: [{ agent_id: '*' }] }] })).toEqual(['Alice is the controller for the Visayas agencies', 'Alice prefers short answers with the numbers first']);
    expect(await ids({ AND: [{ agent_id: 'agent_001' }, { memory: { icontains: 'ODOO' } }] })).toEqual(['Failed Odoo queue jobs are escalated to the finance-ops channel']);
    expect(await ids({ AND: [{ agent_id: 'agent_002' }, { categories: { contains: 'user_preferences' } }] })).toEqual(['Bob wants daily summaries at 8:00 Manila time']);
    expect(await ids({ AND: [{ user_id: 'alice' }, { created_at: { gte: '2026-07-14', lte: '2026-07-14' } }] })).toHaveLength(3);
    expect(await ids({ AND: [{ user_id: 'alice' }, { created_at: { gt: '2026-07-15' } }] })).toEqual([]);
    expect((await platform('POST', '/v2/memories/', { filters: { agent_id: { near: 'x' } } })).status).toBe(400);
  });

  it('pages with page / page_size and reports the total', async () => {
    const first = await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' }, page: 1, page_size: 3 });
    const second = await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' }, page: 2, page_size: 3 });
    expect(first.body.total).toBe(4);
    expect(first.body.results).toHaveLength(3);
    expect(second.body.results).toHaveLength(1);
    expect(new Set([...first.body.results, ...second.body.results].map((m: { id: string }) => m.id)).size).toBe(4);
  });

  it('reads, updates, tells the history of and deletes one memory', async () => {
    const [event] = (await platform('POST', '/v1/memories/', { messages: [{ role: 'user', content: 'Temporary fact' }], run_id: 'run-1' })).body;
    const path = `/v1/memories/${event.id}/`;
    expect(await platform('GET', path)).toMatchObject({ status: 200, body: { id: event.id, memory: 'Temporary fact', run_id: 'run-1' } });
    expect(await platform('PUT', path, { text: 'Updated fact' })).toMatchObject({ status: 200, body: { memory: 'Updated fact' } });
    expect((await platform('GET', `${path}history/`)).body.map((h: { event: string }) => h.event)).toEqual(['ADD', 'UPDATE']);
    expect(await platform('DELETE', path)).toMatchObject({ status: 200, body: { message: 'Memory deleted successfully!' } });
    expect((await platform('GET', path)).status).toBe(404);
  });

  it('throttles with Retry-After, fails on demand, and refuses expired keys', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 3 } };
    const limited = await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } })).status).toBe(200);
    fake.faults = { errorRate: 1, errorKinds: ['http_502'] };
    expect((await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } })).status).toBe(502);
    fake.faults = { errorRate: 0, keyExpired: true };
    expect(await platform('POST', '/v2/memories/', { filters: { agent_id: 'agent_001' } })).toMatchObject({ status: 401, body: { detail: 'API key has expired.' } });
    fake.faults = { keyExpired: false };
    expect(() => (fake.knobs = { errorRate: 2 })).toThrow(RangeError);
  });
});

describe('fake Mem0 open-source server', () => {
  it('requires its X-API-Key when configured with one', async () => {
    expect(await oss('GET', '/memories?user_id=alice', undefined, '')).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/X-API-Key/) } });
    expect((await oss('GET', '/memories?user_id=alice', undefined, 'wrong')).status).toBe(401);
    expect((await oss('GET', '/memories?user_id=alice')).body.results).toHaveLength(3);
  });

  it('adds, searches and lists without a prefix, with FastAPI errors', async () => {
    const added = await oss('POST', '/memories', { messages: [{ role: 'user', content: 'Erin reviews payroll on Fridays' }], user_id: 'erin' });
    expect(added).toMatchObject({ status: 200, body: { results: [{ event: 'ADD', memory: 'Erin reviews payroll on Fridays' }] } });
    expect(await oss('POST', '/memories', { messages: [{ role: 'user', content: 'x' }] })).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/At least one identifier/) } });
    expect((await oss('POST', '/memories', { user_id: 'erin' })).status).toBe(422);
    const found = await oss('POST', '/search', { query: 'payroll', user_id: 'erin' });
    expect(found.body.results).toMatchObject([{ memory: 'Erin reviews payroll on Fridays', user_id: 'erin', score: 1 }]);
    expect((await oss('POST', '/search', { query: 'payroll' })).status).toBe(500);
    expect((await oss('GET', '/memories')).status).toBe(400);
  });

  it('answers null for an unknown id and a 500 when deleting one', async () => {
    expect(await oss('GET', '/memories/nope')).toEqual({ status: 200, body: null });
    expect(await oss('DELETE', '/memories/nope')).toMatchObject({ status: 500, body: { detail: expect.stringMatching(/not found/) } });
  });
});

describe('scoreMemory', () => {
  it('scores shared words and stems in [0, 1]', () => {
    expect(scoreMemory('User prefers TypeScript', 'User prefers TypeScript')).toBe(1);
    expect(scoreMemory('programming preferences', 'User prefers TypeScript')).toBeCloseTo(0.3);
    expect(scoreMemory('payroll schedule', 'Bank reconciliation')).toBe(0);
  });
});
