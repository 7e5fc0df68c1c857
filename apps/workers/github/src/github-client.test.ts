import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeGithub, type FakeGithub } from '@mcpgw/fakes';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import { GithubClient, type GithubClientOptions } from './github-client.js';

/** The client against the fake GitHub of @mcpgw/fakes, over real HTTP. */
let fake: FakeGithub;

beforeAll(async () => {
  fake = await startFakeGithub();
});
afterAll(async () => {
  await fake?.close();
});
afterEach(() => {
  fake.knobs = { rateLimit429: null, secondaryLimit403: null, errorRate: 0, authFail: false, coreLimit: 5_000, primaryLimitStatus: 403, tokenTtlSec: 3_600, latencyMs: 0 };
  fake.calls.length = 0;
});

const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 40 };

function tokenClient(options: Partial<GithubClientOptions> = {}): GithubClient {
  return new GithubClient({ apiUrl: fake.url, auth: { kind: 'token', token: fake.token }, retry: FAST_RETRY, ...options });
}

function appClient(options: Partial<GithubClientOptions> = {}): GithubClient {
  return new GithubClient({
    apiUrl: fake.url,
    auth: { kind: 'app', appId: fake.app.appId, installationId: fake.app.installationId, privateKey: createPrivateKey(fake.app.privateKey) },
    retry: FAST_RETRY,
    ...options,
  });
}

const failure = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe('requests', () => {
  it('sends the version header, a User-Agent and the token, and reads the rate-limit headers', async () => {
    const client = tokenClient({ apiVersion: '2022-11-28' });
    const { data, headers } = await client.request<{ full_name: string; default_branch: string }>('GET', '/repos/acme/platform', { what: 'read' });
    expect(data).toMatchObject({ full_name: 'acme/platform', default_branch: 'main' });
    expect(headers.get('x-github-api-version-selected')).toBe('2022-11-28');
    expect(fake.calls.at(-1)).toMatchObject({ apiVersion: '2022-11-28', auth: 'token', userAgent: 'mcp-gateway-github-worker' });
    expect(client.rateLimit).toMatchObject({ limit: 5_000, resource: 'core' });
    expect(client.rateLimit!.remaining).toBeLessThan(5_000);
  });

  it('reports an unsupported API version as GitHub words it', async () => {
    const error = await failure(tokenClient({ apiVersion: '2099-01-01' }).request('GET', '/repos/acme/platform', { what: 'read acme/platform' }));
    expect(error.kind).toBe('failed');
    expect(error.message).toMatch(/HTTP 400: API version 2099-01-01 is not supported/);
  });

  it('answers 404 for a private repository the token cannot see, saying so', async () => {
    const error = await failure(tokenClient().request('GET', '/repos/othercorp/secret-plans', { what: 'read repository othercorp/secret-plans' }));
    expect(error.kind).toBe('not_found');
    expect(error.message).toMatch(/othercorp\/secret-plans: not found .*private resources/);
  });

  it('turns a refused token into an unconfigured error naming GITHUB_TOKEN, never the token', async () => {
    fake.knobs = { authFail: true };
    const error = await failure(tokenClient().request('GET', '/repos/acme/platform', { what: 'read' }));
    expect(error.kind).toBe('unconfigured');
    expect(error.message).toMatch(/HTTP 401: Bad credentials.*GITHUB_TOKEN is invalid, expired or revoked/);
    expect(error.details).toEqual({ missing: ['GITHUB_TOKEN'] });
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(fake.token);
  });

  it('passes GitHub\'s validation errors on', async () => {
    const error = await failure(tokenClient().request('POST', '/repos/acme/platform/issues', { body: { body: 'no title' }, what: 'create an issue in acme/platform' }));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(/HTTP 422: Validation Failed: Issue\.title missing_field/);
  });
});

describe('pagination', () => {
  it('follows Link headers across pages up to the cap, without duplicates', async () => {
    const client = tokenClient({ pageSize: 10 });
    const page = await client.paginate<{ number: number }>('/repos/acme/platform/issues', { query: { state: 'all' }, max: 35, what: 'list issues' });
    expect(page.pages).toBe(4);
    expect(page.items).toHaveLength(35);
    expect(page.truncated).toBe(true);
    expect(new Set(page.items.map((i) => i.number)).size).toBe(35);
    const pageCalls = fake.calls.filter((c) => c.path === '/repos/acme/platform/issues');
    expect(pageCalls.map((c) => new URLSearchParams(c.query).get('page'))).toEqual([null, '2', '3', '4']);
  });

  it('reads to the end when the cap is not reached', async () => {
    const page = await tokenClient({ pageSize: 5 }).paginate('/orgs/acme/repos', { what: 'list repos' });
    expect(page.items).toHaveLength(12);
    expect(page.pages).toBe(3);
    expect(page.truncated).toBe(false);
  });

  it('counts only kept items when filtering, and reads enveloped lists', async () => {
    const issues = await tokenClient({ pageSize: 10 }).paginate<{ pull_request?: unknown }>('/repos/acme/platform/issues', {
      query: { state: 'all' },
      max: 25,
      filter: (i) => i.pull_request === undefined,
      what: 'list issues',
    });
    expect(issues.items).toHaveLength(25);
    expect(issues.items.every((i) => i.pull_request === undefined)).toBe(true);
    expect(issues.skipped).toBeGreaterThan(0);
    const runs = await tokenClient({ pageSize: 10 }).paginate('/repos/acme/platform/actions/runs', { itemsKey: 'workflow_runs', what: 'list runs' });
    expect(runs.items).toHaveLength(34);
    expect(runs.totalCount).toBe(34);
    expect(runs.pages).toBe(4);
  });

  it('never follows a next link to another origin', async () => {
    // A real HTTP server whose first page links the next one on another origin.
    const server = createServer((_req, res) => {
      res.writeHead(200, { link: '<http://evil.example.com/steal?page=2>; rel="next"', 'content-type': 'application/json' });
      res.end('[{"id":1}]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await failure(new GithubClient({ apiUrl, auth: { kind: 'token', token: 'test-token' } }).paginate('/x', { what: 'list x' }));
      expect(error.message).toMatch(/points outside GITHUB_API_URL/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('rate limits and faults', () => {
  it('waits out a 429 with retry-after and succeeds', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 1 } };
    const { data } = await tokenClient().request<{ name: string }>('GET', '/repos/acme/platform', { what: 'read' });
    expect(data.name).toBe('platform');
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('waits out a secondary-limit 403 with retry-after, for a write too', async () => {
    fake.knobs = { secondaryLimit403: { burst: 1, retryAfterSec: 1 } };
    const { status } = await tokenClient().request('POST', '/repos/acme/platform/issues/1/comments', { body: { body: 'retried once' }, what: 'comment' });
    expect(status).toBe(201);
    expect(fake.calls.map((c) => c.status)).toEqual([403, 201]);
  });

  it('gives up on a persistent 429 with a clear error and retryAfter', async () => {
    fake.knobs = { rateLimit429: { burst: 100, retryAfterSec: 0 } };
    const error = await failure(tokenClient({ retry: { ...FAST_RETRY, maxAttempts: 3 } }).request('GET', '/repos/acme/platform', { what: 'read repository acme/platform' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/secondary rate limit stopped read repository acme\/platform \(HTTP 429\) after 3 attempts/);
    expect(fake.calls).toHaveLength(3);
  });

  it('does not wait for a retry-after longer than the bound', async () => {
    fake.knobs = { secondaryLimit403: { burst: 1, retryAfterSec: 60 } };
    const error = await failure(tokenClient({ maxRetryWaitMs: 5_000 }).request('GET', '/repos/acme/platform', { what: 'read' }));
    expect(error.message).toMatch(/asks to wait 60 s/);
    expect(error.details).toEqual({ retryAfter: 60 });
    expect(fake.calls).toHaveLength(1);
  });

  it.each([403, 429] as const)('reports an exhausted primary limit (HTTP %s) with its reset time', async (status) => {
    fake.knobs = { coreLimit: 1, primaryLimitStatus: status };
    const client = tokenClient();
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    const error = await failure(client.request('GET', '/repos/acme/platform', { what: 'read repository acme/platform' }));
    expect(error.message).toMatch(new RegExp(`primary rate limit is exhausted \\(core: 0 of 1 requests left, HTTP ${status}\\).*resets at \\d{4}-`));
    expect(error.details.retryAfter).toBeGreaterThan(3_000);
  });

  it('retries reads on 5xx but never writes', async () => {
    // Every second request fails: the first read passes, the second fails once and is retried.
    fake.knobs = { errorRate: 0.5, errorKinds: ['http_502'] };
    const client = tokenClient();
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    const { data } = await client.request<{ name: string }>('GET', '/repos/acme/platform', { what: 'read' });
    expect(data.name).toBe('platform');
    expect(fake.calls.map((c) => c.status)).toEqual([200, 502, 200]);
    fake.knobs = { errorRate: 1, errorKinds: ['http_500'] };
    fake.calls.length = 0;
    const error = await failure(tokenClient().request('POST', '/repos/acme/platform/issues', { body: { title: 'x' }, what: 'create an issue' }));
    expect(error.message).toMatch(/GitHub failed create an issue \(HTTP 500\)/);
    expect(fake.calls).toHaveLength(1);
  });

  it('times out slow answers naming GITHUB_TIMEOUT_MS', async () => {
    fake.knobs = { latencyMs: 400 };
    const error = await failure(tokenClient({ timeoutMs: 100, retry: { ...FAST_RETRY, maxAttempts: 2 } }).request('GET', '/repos/acme/platform', { what: 'read' }));
    expect(error.kind).toBe('upstream_timeout');
    expect(error.message).toMatch(/within 100 ms \(GITHUB_TIMEOUT_MS\) after 2 attempts/);
  });
});

describe('GitHub App authentication', () => {
  it('mints an installation token with an app JWT and reuses it', async () => {
    const client = appClient();
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    await client.request('GET', '/repos/acme/platform/pulls', { what: 'list' });
    expect(fake.calls.map((c) => [c.path, c.auth])).toEqual([
      [`/app/installations/${fake.app.installationId}/access_tokens`, 'app_jwt'],
      ['/repos/acme/platform', 'installation'],
      ['/repos/acme/platform/pulls', 'installation'],
    ]);
    expect(client.installationTokenExpiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('refreshes a token before it expires', async () => {
    fake.knobs = { tokenTtlSec: 120 };
    const client = appClient({ tokenRefreshMarginMs: 5 * 60_000 });
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    expect(fake.calls.filter((c) => c.auth === 'app_jwt')).toHaveLength(2);
  });

  it('mints a new token once when GitHub refuses the cached one', async () => {
    const client = appClient();
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    fake.expireInstallationTokens();
    fake.calls.length = 0;
    await client.request('GET', '/repos/acme/platform', { what: 'read' });
    expect(fake.calls.map((c) => c.status)).toEqual([401, 201, 200]);
  });

  it('names the App variables when the installation does not exist or the key is wrong', async () => {
    const wrongInstallation = new GithubClient({ apiUrl: fake.url, auth: { kind: 'app', appId: fake.app.appId, installationId: '1', privateKey: createPrivateKey(fake.app.privateKey) } });
    const missing = await failure(wrongInstallation.request('GET', '/repos/acme/platform', { what: 'read' }));
    expect(missing).toMatchObject({ kind: 'unconfigured', details: { missing: ['GITHUB_INSTALLATION_ID'] } });
    const { generateKeyPairSync } = await import('node:crypto');
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const wrongKey = new GithubClient({ apiUrl: fake.url, auth: { kind: 'app', appId: fake.app.appId, installationId: fake.app.installationId, privateKey: otherKey } });
    const refused = await failure(wrongKey.request('GET', '/repos/acme/platform', { what: 'read' }));
    expect(refused.kind).toBe('unconfigured');
    expect(refused.message).toMatch(/refused the App's JWT .*GITHUB_APP_ID and GITHUB_PRIVATE_KEY/);
  });
});
