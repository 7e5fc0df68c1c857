import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeN8n, type FakeN8n } from './fake-n8n.js';

/** The fake n8n over real HTTP: the API-key gate, cursor paging, statuses, activation and webhooks. */
let fake: FakeN8n;

beforeAll(async () => {
  fake = await startFakeN8n({ now: new Date('2026-03-20T04:00:00Z') });
});
afterAll(async () => {
  await fake?.close();
});
afterEach(() => {
  fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, authFail: false, keyExpired: false, deniedScopes: [], legacyStatusFilter: false };
});

async function api(path: string, init: { method?: string; key?: string | null; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers['X-N8N-API-KEY'] = init.key ?? fake.apiKey;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${fake.url}/api/v1${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('fake n8n: authentication', () => {
  it('asks for the X-N8N-API-KEY header, refuses a wrong key, and an expired one', async () => {
    expect(await api('/workflows', { key: null })).toMatchObject({ status: 401, body: { message: "'X-N8N-API-KEY' header required" } });
    expect(await api('/workflows', { key: 'wrong' })).toMatchObject({ status: 401, body: { message: 'unauthorized' } });
    fake.knobs = { keyExpired: true };
    expect((await api('/workflows')).status).toBe(401);
  });

  it('answers 403 for a scope the key lacks', async () => {
    fake.knobs = { deniedScopes: ['workflow:activate'] };
    expect((await api('/workflows/workflow_123/activate', { method: 'POST' })).status).toBe(403);
    expect((await api('/workflows')).status).toBe(200);
  });
});

describe('fake n8n: cursor pagination', () => {
  it('pages workflows with an opaque nextCursor that carries the limit, null on the last page', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await api(`/workflows?${cursor ? `cursor=${encodeURIComponent(cursor)}` : 'limit=5'}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(5);
      ids.push(...page.body.data.map((w: { id: string }) => w.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('workflow_123');
  });

  it('caps limit at 250 and refuses a forged cursor with 400', async () => {
    expect((await api('/executions?limit=251')).status).toBe(400);
    expect((await api('/executions?limit=250')).status).toBe(200);
    expect(await api('/executions?cursor=bm90LWEtY3Vyc29y')).toMatchObject({ status: 400, body: { message: 'An invalid cursor was provided' } });
  });
});

describe('fake n8n: executions', () => {
  it('has every status, lists newest first, and hides data unless asked for', async () => {
    const all = (await api('/executions?limit=250')).body.data as { status: string; startedAt: string; data?: unknown }[];
    expect(new Set(all.map((e) => e.status))).toEqual(new Set(['canceled', 'crashed', 'error', 'new', 'running', 'success', 'unknown', 'waiting']));
    const starts = all.map((e) => e.startedAt);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(all[0]!.data).toBeUndefined();
    const one = await api('/executions/exec_456?includeData=true');
    expect(one.body).toMatchObject({ id: 'exec_456', workflowId: 'workflow_123', status: 'error' });
    expect(one.body.data.resultData.error.message).toMatch(/could not be found/);
  });

  it('emulates n8n 1.x: three filter values only, running executions not listed', async () => {
    fake.knobs = { legacyStatusFilter: true };
    expect((await api('/executions?status=crashed')).status).toBe(400);
    const listed = (await api('/executions?limit=250')).body.data as { status: string }[];
    expect(listed.some((e) => e.status === 'running')).toBe(false);
  });

  it('retries a failed execution into a new one and refuses a successful one', async () => {
    const retried = await api('/executions/exec_456/retry', { method: 'POST', body: { loadWorkflow: false } });
    expect(retried.body).toMatchObject({ mode: 'retry', retryOf: 'exec_456', status: 'success' });
    const success = ((await api('/executions?status=success&limit=1')).body.data as { id: string }[])[0]!;
    expect((await api(`/executions/${success.id}/retry`, { method: 'POST' })).status).toBe(409);
  });
});

describe('fake n8n: activation and webhooks', () => {
  it('runs an active workflow through its production webhook and records the execution', async () => {
    const response = await fetch(`${fake.url}/webhook/customer-sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":"payload"}' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { received: unknown; executionId: string };
    expect(body.received).toEqual({ data: 'payload' });
    expect(fake.executions.get(body.executionId)).toMatchObject({ workflowId: 'workflow_123', mode: 'webhook', status: 'success' });
  });

  it('404s a webhook while its workflow is inactive, registers it on activate (or publish), and refuses conflicts and trigger-less workflows', async () => {
    const all = (await api('/workflows?limit=250')).body.data as { id: string; name: string }[];
    const payroll = all.find((w) => w.name === 'Payroll file import')!;
    const hit = () => fetch(`${fake.url}/webhook/payroll-import`, { method: 'POST', body: '{}' });
    expect((await hit()).status).toBe(404);
    expect((await api(`/workflows/${payroll.id}/publish`, { method: 'POST' })).body.active).toBe(true);
    expect((await hit()).status).toBe(200);
    expect((await api(`/workflows/${payroll.id}/deactivate`, { method: 'POST' })).body.active).toBe(false);
    expect((await hit()).status).toBe(404);
    const draft = all.find((w) => w.name === 'Lead enrichment (draft)')!;
    expect((await api(`/workflows/${draft.id}/activate`, { method: 'POST' })).status).toBe(409);
    const manual = all.find((w) => w.name === 'Manual data fix')!;
    expect((await api(`/workflows/${manual.id}/activate`, { method: 'POST' })).status).toBe(400);
  });

  it('injects 429 bursts with Retry-After and 5xx', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 3 } };
    const limited = await api('/workflows');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await api('/workflows')).status).toBe(200);
    fake.knobs = { errorRate: 1, errorKinds: ['http_503'] };
    expect((await api('/workflows')).status).toBe(503);
  });
});
