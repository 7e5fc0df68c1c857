import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeMem0, type FakeMem0 } from '@mcpgw/fakes';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import { Mem0Client, type Mem0ClientOptions } from './mem0-client.js';

/** The client on its own against the fake Mem0 over real HTTP: both API kinds, paging, retries, auth. */
let fake: FakeMem0;
let secured: FakeMem0;
const SERVER_KEY = 'server-key-0123456789';

beforeAll(async () => {
  fake = await startFakeMem0();
  secured = await startFakeMem0({ seed: false, serverApiKey: SERVER_KEY });
});

afterAll(async () => {
  await fake?.close();
  await secured?.close();
});

afterEach(() => {
  fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, authFail: false, keyExpired: false };
  fake.calls.length = 0;
});

const platform = (overrides: Partial<Mem0ClientOptions> = {}) =>
  new Mem0Client({ kind: 'platform', url: fake.url, apiKey: fake.apiKey, timeoutMs: 2_000, retry: { baseDelayMs: 10, maxDelayMs: 20 }, ...overrides });
const server = (overrides: Partial<Mem0ClientOptions> = {}) =>
  new Mem0Client({ kind: 'server', url: fake.url, timeoutMs: 2_000, retry: { baseDelayMs: 10, maxDelayMs: 20 }, ...overrides });

const failure = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe.each([
  ['platform', platform],
  ['server', server],
] as const)('Mem0Client (%s API)', (kind, make) => {
  const agent = `client_${kind}`;

  it('adds a memory, finds it by meaning, lists it, reads it and deletes it', async () => {
    const client = make();
    const added = await client.add('User prefers TypeScript', { agentId: agent });
    expect(added).toMatchObject({ queued: false, events: [{ event: 'ADD', memory: 'User prefers TypeScript' }] });
    const id = added.events[0]!.id;
    const again = await client.add('User prefers TypeScript', { agentId: agent });
    expect(again.events).toEqual([{ id, event: 'NONE', memory: 'User prefers TypeScript' }]);

    const found = await client.search('programming preferences', { agentId: agent });
    expect(found.map((m) => m.id)).toEqual([id]);
    expect(found[0]!.score).toBeGreaterThan(0);
    expect(found[0]!.score).toBeLessThanOrEqual(1);
    expect(await client.search('programming preferences', { agentId: 'nobody' })).toEqual([]);

    const listed = await client.list({ agentId: agent }, { limit: 10 });
    expect(listed).toMatchObject({ total: 1, truncated: false, memories: [{ id, memory: 'User prefers TypeScript', agentId: agent, userId: null }] });
    expect(await client.get(id)).toMatchObject({ id, memory: 'User prefers TypeScript' });

    await client.delete(id);
    expect((await failure(client.get(id))).kind).toBe('not_found');
  });

  it('refuses a call that names no one before sending it', async () => {
    const error = await failure(make().search('anything', {}));
    expect(error.kind).toBe('invalid_arguments');
    expect(fake.calls).toHaveLength(0);
  });

  it('retries a 429 after Retry-After and answers', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 0 } };
    await make().list({ agentId: 'agent_001' }, { limit: 5 });
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up on a Retry-After longer than it waits, saying when to retry', async () => {
    fake.knobs = { rateLimit429: { burst: 5, retryAfterSec: 120 } };
    const error = await failure(make().search('close', { agentId: 'agent_001' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/rate-limiting requests \(HTTP 429\).*retry after 120 s/);
    expect(error.details.retryAfter).toBe(120);
    expect(fake.calls).toHaveLength(1);
  });

  it('retries reads on 5xx but sends an add once', async () => {
    fake.knobs = { errorRate: 1, errorKinds: ['http_503'] };
    const read = await failure(make().list({ agentId: 'agent_001' }, { limit: 5 }));
    expect(read.message).toMatch(/HTTP 503.*after 3 attempts/);
    expect(fake.calls).toHaveLength(3);
    fake.calls.length = 0;
    const write = await failure(make().add('one more fact', { agentId: agent }));
    expect(write.kind).toBe('upstream');
    expect(fake.calls).toHaveLength(1);
  });

  it('times out a slow answer, naming MEM0_TIMEOUT_MS', async () => {
    fake.knobs = { latencyMs: 400 };
    const error = await failure(make({ timeoutMs: 100, retry: { maxAttempts: 1 } }).list({ agentId: 'agent_001' }, { limit: 1 }));
    expect(error.kind).toBe('upstream_timeout');
    expect(error.message).toMatch(/MEM0_TIMEOUT_MS/);
  });
});

describe('Mem0Client (platform specifics)', () => {
  it('sends Token auth, entity ids inside v3 filters, and reads every page of a long list', async () => {
    const client = platform({ pageSize: 3 });
    fake.seed(Array.from({ length: 8 }, (_, i) => ({ agent_id: 'pager', memory: `paged fact ${i}` })));
    const all = await client.list({ agentId: 'pager' }, { limit: 100 });
    expect(all).toMatchObject({ total: 8, pages: 3, truncated: false });
    expect(new Set(all.memories.map((m) => m.id)).size).toBe(8);
    expect(fake.calls.filter((c) => c.path === '/v2/memories/')).toHaveLength(3);

    const capped = await client.list({ agentId: 'pager' }, { limit: 5 });
    expect(capped).toMatchObject({ total: 8, pages: 2, truncated: true });
    expect(capped.memories).toHaveLength(5);
    expect(capped.memories.map((m) => m.id)).toEqual(all.memories.slice(0, 5).map((m) => m.id));

    const both = await client.search('Alice prefers TypeScript', { agentId: 'agent_001', userId: 'alice' });
    expect(both.map((m) => m.memory)).toEqual(['Alice prefers TypeScript for internal tooling']);
    expect(fake.calls.at(-1)).toMatchObject({ path: '/v3/memories/search/', status: 200 });
  });

  it('reports a refused or expired key as a configuration problem naming MEM0_API_KEY, never the key', async () => {
    for (const knobs of [{ authFail: true }, { keyExpired: true }]) {
      fake.knobs = { authFail: false, keyExpired: false, ...knobs };
      const error = await failure(platform().list({ agentId: 'agent_001' }, { limit: 1 }));
      expect(error.kind).toBe('unconfigured');
      expect(error.details.missing).toEqual(['MEM0_API_KEY']);
      expect(error.message).toMatch(/Mem0 refused MEM0_API_KEY \(HTTP 401: (Invalid API key|API key has expired)\.\)/);
      expect(error.message).not.toContain(fake.apiKey);
    }
    const wrong = await failure(platform({ apiKey: 'm0-not-the-key' }).get('x'));
    expect(wrong.kind).toBe('unconfigured');
  });

  it('says which endpoint is missing when MEM0_API_KIND does not match the server', async () => {
    const error = await failure(platform({ url: `${fake.url}/nested` }).search('x', { agentId: 'a' }));
    expect(error.message).toMatch(/has no POST \/v3\/memories\/search\/ endpoint \(HTTP 404\): check MEM0_API_URL and MEM0_API_KIND/);
  });
});

describe('Mem0Client (server specifics)', () => {
  it('sends X-API-Key to a server that requires one, and asks for MEM0_API_KEY when it is missing', async () => {
    const withKey = server({ url: secured.url, apiKey: SERVER_KEY });
    const added = await withKey.add('Runs on the self-hosted server', { userId: 'carol' });
    expect(added.events).toHaveLength(1);
    const refused = await failure(server({ url: secured.url }).list({ userId: 'carol' }, { limit: 5 }));
    expect(refused).toMatchObject({ kind: 'unconfigured', details: { missing: ['MEM0_API_KEY'] } });
    expect(refused.message).toMatch(/requires an API key \(HTTP 401.*set MEM0_API_KEY \(sent as X-API-Key\)/);
  });

  it('answers not_found for an unknown id (the server says null with HTTP 200)', async () => {
    const client = server();
    expect((await failure(client.get('00000000-0000-0000-0000-000000000000'))).kind).toBe('not_found');
  });

  it('cannot reach a closed port: names the origin and the variable', async () => {
    const closed = await startFakeMem0({ seed: false });
    const url = closed.url;
    await closed.close();
    const error = await failure(server({ url, retry: { maxAttempts: 1 } }).list({ userId: 'x' }, { limit: 1 }));
    expect(error.message).toContain(`cannot reach Mem0 at ${url} (ECONNREFUSED): check MEM0_API_URL`);
  });
});
