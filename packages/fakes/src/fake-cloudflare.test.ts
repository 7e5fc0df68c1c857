import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { fakeZoneId, startFakeCloudflare, type FakeCloudflare } from './fake-cloudflare.js';

/** The fake Cloudflare's wire behaviour, as a client sees it over HTTP. */
let fake: FakeCloudflare;

beforeAll(async () => {
  fake = await startFakeCloudflare({ now: new Date('2026-03-20T04:00:00Z') });
});

afterAll(async () => {
  await fake?.close();
});

afterEach(() => {
  fake.knobs = { rateLimitWindow: null, rateLimit429: null, errorRate: 0, authFail: false, tokenExpired: false };
});

async function api(path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | string }> {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? fake.apiToken}`);
  const response = await fetch(`${fake.apiUrl}${path}`, { ...init, headers });
  const text = await response.text();
  try {
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: response.status, headers: response.headers, body: text };
  }
}

describe('fake Cloudflare', () => {
  it('wraps lists in the v4 envelope with result_info page math', async () => {
    const page = await api('/zones?page=3&per_page=5');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ success: true, errors: [], messages: [], result_info: { page: 3, per_page: 5, count: 2, total_count: 12, total_pages: 3 } });
    const clamped = await api('/zones?per_page=500');
    expect(clamped.body).toMatchObject({ result_info: { per_page: 50, total_pages: 1 } });
  });

  it('answers errors in the envelope: bad token 403 10000, no header 400, unknown route 7000, bad zone 7003', async () => {
    expect(await api('/zones', { token: 'wrong' })).toMatchObject({ status: 403, body: { success: false, errors: [{ code: 10000, message: 'Authentication error' }], result: null } });
    expect(await api('/user/tokens/verify', { token: 'wrong' })).toMatchObject({ status: 401, body: { errors: [{ code: 1000 }] } });
    expect(await api('/zones', { token: null })).toMatchObject({ status: 400, body: { errors: [{ code: 6003 }, { code: 6103 }] } });
    expect(await api('/nope')).toMatchObject({ status: 404, body: { errors: [{ code: 7000 }] } });
    expect(await api('/zones/not-an-id/dns_records')).toMatchObject({ status: 400, body: { errors: [{ code: 7003 }] } });
    fake.knobs = { tokenExpired: true };
    expect(await api('/zones')).toMatchObject({ status: 403, body: { errors: [{ code: 10000 }] } });
  });

  it('verifies the token', async () => {
    expect(await api('/user/tokens/verify')).toMatchObject({ status: 200, body: { result: { status: 'active' }, messages: [{ code: 10000 }] } });
  });

  it('keeps refusing once the window limit is passed, with Ratelimit and retry-after headers', async () => {
    fake.knobs = { rateLimitWindow: { limit: 2, windowSec: 300 } };
    const first = await api('/zones');
    expect(first.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=2;w=300');
    await api('/zones');
    for (let i = 0; i < 3; i++) {
      const blocked = await api('/zones');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(250);
      expect(blocked.body).toMatchObject({ success: false, errors: [{ code: 971 }] });
    }
  });

  it('answers edge failures as HTML pages', async () => {
    fake.knobs = { errorRate: 1, errorKinds: ['edge_502'] };
    const edge = await api('/zones');
    expect(edge.status).toBe(502);
    expect(String(edge.body)).toMatch(/<html>/);
  });

  it('validates DNS records and purges as Cloudflare does', async () => {
    const zone = fakeZoneId('example.com');
    const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(await post(`/zones/${zone}/dns_records`, { type: 'A', name: 'x', content: '999.1.1.1' })).toMatchObject({ status: 400, body: { errors: [{ code: 9005 }] } });
    expect(await post(`/zones/${zone}/dns_records`, { type: 'A', name: 'x', content: '192.0.2.1', ttl: 30 })).toMatchObject({ status: 400, body: { errors: [{ code: 9021 }] } });
    expect(await post(`/zones/${zone}/dns_records`, { type: 'CNAME', name: 'host01', content: 'example.net' })).toMatchObject({ status: 400, body: { errors: [{ code: 81053 }] } });
    expect(await post(`/zones/${zone}/purge_cache`, {})).toMatchObject({ status: 400, body: { errors: [{ code: 1012 }] } });
    expect(await post(`/zones/${zone}/purge_cache`, { purge_everything: true })).toMatchObject({ status: 200, body: { result: { id: zone } } });
    expect(fake.purges.at(-1)).toEqual({ zoneId: zone, body: { purge_everything: true } });
  });

  it('takes a multipart upload and lists it first', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(1234)]), 'clip.mp4');
    const uploaded = await api(`/accounts/${fake.accountId}/stream`, { method: 'POST', body: form });
    expect(uploaded.body).toMatchObject({ success: true, result: { size: 1234, meta: { name: 'clip.mp4' }, status: { state: 'queued' } } });
    const listed = await api(`/accounts/${fake.accountId}/stream?include_counts=true`);
    expect(listed.body).toMatchObject({ total: '7', range: '1000' });
    expect((listed.body as { result: { meta: { name: string } }[] }).result[0]!.meta.name).toBe('clip.mp4');
    expect(await api(`/accounts/${'0'.repeat(32)}/stream`)).toMatchObject({ status: 403, body: { errors: [{ code: 9109 }] } });
  });
});
