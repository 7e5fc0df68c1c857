import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeN8n, type FakeN8n } from '@mcpgw/fakes';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import { N8nClient } from './n8n-client.js';

/** The client on its own against the fake n8n over real HTTP: paging, retries, 429s, refusals, timeouts. */
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

function client(overrides: Partial<ConstructorParameters<typeof N8nClient>[0]> = {}): N8nClient {
  return new N8nClient({ baseUrl: fake.url, apiKey: fake.apiKey, timeoutMs: 2_000, retry: { baseDelayMs: 10, maxDelayMs: 50 }, ...overrides });
}

const failure = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe('N8nClient paging', () => {
  it('follows nextCursor across pages, up to the bound, and resumes exactly where it stopped', async () => {
    fake.calls.length = 0;
    const first = await client().collect<{ id: string }>('/workflows', {}, { max: 7, pageSize: 3, what: 'list workflows' });
    expect(first.items).toHaveLength(7);
    expect(first.pages).toBe(3);
    expect(first.nextCursor).not.toBeNull();
    const rest = await client().collect<{ id: string }>('/workflows', {}, { max: 100, pageSize: 3, cursor: first.nextCursor!, what: 'list workflows' });
    const all = await client().collect<{ id: string }>('/workflows', {}, { max: 100, pageSize: 250, what: 'list workflows' });
    expect([...first.items, ...rest.items].map((w) => w.id)).toEqual(all.items.map((w) => w.id));
    expect(rest.nextCursor).toBeNull();
    expect(fake.calls.filter((c) => c.path === '/api/v1/workflows').length).toBeGreaterThanOrEqual(3);
  });

  it('stops at the first item `until` rejects', async () => {
    const listed = await client().collect<{ id: string; startedAt: string }>('/executions', {}, { max: 100, pageSize: 4, what: 'list executions', until: (e) => (e as { startedAt: string }).startedAt < '2026-03-19T12:00:00Z' });
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.every((e) => e.startedAt >= '2026-03-19T12:00:00Z')).toBe(true);
    expect(listed.nextCursor).toBeNull();
  });
});

describe('N8nClient failures', () => {
  it('waits out a short 429 and succeeds', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 0 } };
    const page = await client().page('/workflows', {}, { limit: 1, what: 'list workflows' });
    expect(page.data).toHaveLength(1);
  });

  it('gives up on a persistent 429 with the Retry-After in the error, at once when it is too long to wait', async () => {
    fake.knobs = { rateLimit429: { burst: 100, retryAfterSec: 120 } };
    fake.calls.length = 0;
    const error = await failure(client().page('/workflows', {}, { limit: 1, what: 'list workflows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/rate-limiting.*retry after 120 s/);
    expect(error.details.retryAfter).toBe(120);
    expect(fake.calls).toHaveLength(1);
  });

  it('retries a 5xx for idempotent requests only', async () => {
    fake.knobs = { errorRate: 0.5, errorKinds: ['http_502'] };
    await expect(client().page('/workflows', {}, { limit: 1, what: 'list workflows' })).resolves.toBeDefined();
    fake.knobs = { errorRate: 1, errorKinds: ['http_503'] };
    fake.calls.length = 0;
    const error = await failure(client().api('POST', '/executions/exec_456/retry', { what: 'retry execution exec_456', idempotent: false }));
    expect(error).toMatchObject({ kind: 'upstream' });
    expect(error.message).toMatch(/HTTP 503/);
    expect(fake.calls).toHaveLength(1);
  });

  it('names N8N_API_KEY when the key is refused or expired, never the key', async () => {
    for (const knobs of [{ authFail: true }, { keyExpired: true }]) {
      fake.knobs = knobs;
      const error = await failure(client().page('/workflows', {}, { limit: 1, what: 'list workflows' }));
      expect(error.kind).toBe('unconfigured');
      expect(error.message).toMatch(/N8N_API_KEY/);
      expect(error.message).not.toContain(fake.apiKey);
      expect(error.details.missing).toEqual(['N8N_API_KEY']);
    }
  });

  it('names the missing scope on 403, and maps 404, 400 and timeouts', async () => {
    fake.knobs = { deniedScopes: ['execution:list'] };
    const forbidden = await failure(client().page('/executions', {}, { limit: 1, what: 'list executions', scope: 'execution:list' }));
    expect(forbidden.kind).toBe('rejected');
    expect(forbidden.message).toMatch(/execution:list/);
    fake.knobs = { deniedScopes: [] };
    const missing = await failure(client().api('GET', '/workflows/nope', { what: 'get workflow nope', idempotent: true, notFound: 'n8n has no workflow "nope"' }));
    expect(missing).toMatchObject({ kind: 'not_found', message: 'n8n has no workflow "nope"' });
    const bad = await failure(client().page('/executions', {}, { limit: 1, cursor: 'forged', what: 'list executions' }));
    expect(bad.kind).toBe('invalid_arguments');
    expect(bad.message).toMatch(/invalid cursor/);
    fake.knobs = { latencyMs: 400 };
    const slow = await failure(client({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 10 } }).page('/workflows', {}, { limit: 1, what: 'list workflows' }));
    expect(slow.kind).toBe('upstream_timeout');
    expect(slow.message).toMatch(/N8N_TIMEOUT_MS/);
  });

  it('reports an unreachable instance naming N8N_API_URL', async () => {
    const error = await failure(new N8nClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', retry: { maxAttempts: 1 } }).page('/workflows', {}, { limit: 1, what: 'list workflows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/cannot reach n8n.*N8N_API_URL/);
  });
});

describe('N8nClient webhooks', () => {
  it('posts the payload to the production URL and returns n8n\'s answer; an unregistered path is a 404 answer, not a throw', async () => {
    const answer = await client().webhook('POST', 'customer-sync', { data: 'payload' }, { what: 'the webhook' });
    expect(answer).toMatchObject({ status: 200, body: { received: { data: 'payload' } } });
    const missing = await client().webhook('POST', 'payroll-import', {}, { what: 'the webhook' });
    expect(missing.status).toBe(404);
    const get = await client().webhook('GET', 'ping', { a: 1, b: 'x' }, { what: 'the webhook' });
    expect(get.body).toMatchObject({ query: { a: '1', b: 'x' } });
  });
});
