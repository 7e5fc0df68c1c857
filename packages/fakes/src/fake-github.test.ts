import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeGithub, type FakeGithub } from './fake-github.js';

/** The fake GitHub's own contract: what integrations.md §4.6 asks of it. */
let fake: FakeGithub;
beforeAll(async () => {
  fake = await startFakeGithub();
});
afterAll(async () => {
  await fake?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${fake.token}`, 'user-agent': 'test', 'x-github-api-version': '2022-11-28', ...headers } });

describe('fake GitHub', () => {
  it('sends the five rate-limit headers with a decrementing counter and echoes the API version', async () => {
    const first = await get('/repos/acme/platform');
    const second = await get('/repos/acme/platform');
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-resource']) expect(first.headers.get(name)).not.toBeNull();
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(Number(first.headers.get('x-ratelimit-remaining')) - 1);
    expect(first.headers.get('x-github-api-version-selected')).toBe('2022-11-28');
    expect((await get('/repos/acme/platform', { 'x-github-api-version': '1999-01-01' })).status).toBe(400);
  });

  it('caps per_page at 100 and links pages with absolute URLs', async () => {
    const response = await get('/repos/acme/platform/issues?state=all&per_page=500');
    expect(((await response.json()) as unknown[]).length).toBe(100);
    expect(response.headers.get('link')).toMatch(new RegExp(`^<${fake.url}/repos/acme/platform/issues\\?state=all&per_page=100&page=2>; rel="next"`));
  });

  it('mixes pull requests into /issues and hides private repositories behind 404', async () => {
    const issues = (await (await get('/repos/acme/platform/issues?state=all&per_page=100')).json()) as { pull_request?: unknown }[];
    expect(issues.some((i) => i.pull_request !== undefined)).toBe(true);
    expect((await get('/repos/othercorp/secret-plans')).status).toBe(404);
  });

  it('answers 304 to a matching If-None-Match without counting it', async () => {
    const first = await get('/repos/acme/website');
    const etag = first.headers.get('etag')!;
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    const cached = await get('/repos/acme/website', { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    expect(Number(cached.headers.get('x-ratelimit-remaining'))).toBe(remaining);
  });

  it('refuses requests without a User-Agent, and bad tokens with 401 Bad credentials', async () => {
    const noAgent = await fetch(`${fake.url}/repos/acme/platform`, { headers: { authorization: `Bearer ${fake.token}`, 'user-agent': '' } });
    expect(noAgent.status).toBe(403);
    const bad = await get('/repos/acme/platform', { authorization: 'Bearer ghp_wrong' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('has workflow runs with every status and every conclusion', async () => {
    const body = (await (await get('/repos/acme/platform/actions/runs?per_page=100')).json()) as { workflow_runs: { status: string; conclusion: string | null }[] };
    expect(new Set(body.workflow_runs.map((r) => r.status))).toEqual(new Set(['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending']));
    expect(new Set(body.workflow_runs.map((r) => r.conclusion).filter(Boolean))).toEqual(
      new Set(['success', 'failure', 'cancelled', 'skipped', 'timed_out', 'action_required', 'neutral', 'stale', 'startup_failure']),
    );
  });

  it('signals an exhausted primary limit with remaining 0 and a secondary limit with retry-after', async () => {
    fake.knobs = { coreLimit: 0 };
    const primary = await get('/repos/acme/platform');
    expect(primary.status).toBe(403);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    fake.knobs = { coreLimit: 5_000, secondaryLimit403: { burst: 1, retryAfterSec: 60 } };
    const secondary = await get('/repos/acme/platform');
    expect(secondary.status).toBe(403);
    expect(secondary.headers.get('retry-after')).toBe('60');
    expect(await secondary.json()).toMatchObject({ message: expect.stringContaining('secondary rate limit') });
    expect((await get('/repos/acme/platform')).status).toBe(200);
  });
});
