import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SAMPLE_READY_PULL, startFakeGithub, type FakeGithub } from '@mcpgw/fakes';
import { DATABASE_URL, getJson, postJson, runMcpgw, startGateway, type GatewayProcess } from '@mcpgw/test-support';

/**
 * The github worker through the gateway, as processes: the issue's slash commands in sandbox mode (no
 * credentials: the gateway points the worker at its built-in fake), then every tool against a fake this
 * test controls, with the upstream behaviour a real client must handle: 429s, bad and expired
 * credentials, pagination, and merge_pr's confirmation.
 */
const call = (gateway: GatewayProcess, tool: string, args: Record<string, unknown> = {}) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'github', tool, arguments: args } });
const slash = (gateway: GatewayProcess, command: string) => postJson(`${gateway.url}/mcp/execute`, { command });

describe('sandbox mode: the slash commands of issue 8', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { WORKERS: 'github' }, timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('runs github against the fake and says so', async () => {
    expect(gateway.output.join('\n')).toMatch(/SANDBOX MODE: github/);
    const catalog = await getJson(`${gateway.url}/mcp/catalog`);
    expect(catalog.body.services.find((s: { name: string }) => s.name === 'github')).toMatchObject({ mode: 'sandbox', sandbox: true });
  });

  it('/mcp-github list-repos acme', async () => {
    const response = await slash(gateway, '/mcp-github list-repos acme');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'success', data: { owner: 'acme', count: 12 }, metadata: { service: 'github', tool: 'list_repos', sandbox: true } });
  });

  it('/mcp-github create-pr "feat: Add feature" "Description here"', async () => {
    const response = await slash(gateway, '/mcp-github create-pr "feat: Add feature" "Description here"');
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      repo: 'acme/platform',
      created: true,
      defaults: { head: true, base: true },
      pull: { title: 'feat: Add feature', head: 'feature/add-feature', base: 'main', state: 'open' },
    });
  });

  it('/mcp-github list-issues --label=bug', async () => {
    const response = await slash(gateway, '/mcp-github list-issues --label=bug');
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ repo: 'acme/platform', state: 'open', labels: ['bug'] });
    expect(response.body.data.count).toBeGreaterThan(0);
    for (const issue of response.body.data.issues) expect(issue).toMatchObject({ state: 'open', isPullRequest: false, labels: expect.arrayContaining(['bug']) });
  });

  it('/mcp-github merge-pr 123 is refused without confirmation and merges with --confirm=true', async () => {
    const refused = await slash(gateway, '/mcp-github merge-pr 123');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ name: 'INVALID_PARAMS', message: expect.stringContaining('merge_pr is destructive: call it again with "confirm": true') });
    const merged = await slash(gateway, '/mcp-github merge-pr 123 --confirm=true');
    expect(merged.status).toBe(200);
    expect(merged.body.data).toMatchObject({ number: 123, merged: true, method: 'merge', checks: { state: 'success' } });
  });

  it('lets a github:read key list and read, and refuses it the merge', async () => {
    const created = await runMcpgw(['keys', 'create', '--name', 'gh-reader', '--scopes', 'github:read'], { DATABASE_URL, DATABASE_SCHEMA: gateway.schema!, WORKERS: 'github' });
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    const headers = { 'x-mcp-key': created.stdout.trim() };
    const read = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-github list-repos acme' }, headers);
    expect(read.status).toBe(200);
    const merge = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-github merge-pr 123 --confirm=true' }, headers);
    expect(merge.status).toBe(403);
    expect(merge.body.error.message).toContain('"github:read" covers only its read-only tools');
  });
});

describe('against a fake GitHub this test controls', () => {
  let fake: FakeGithub;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fake = await startFakeGithub();
    gateway = await startGateway({
      env: {
        WORKERS: 'github',
        SANDBOX: 'off',
        GITHUB_API_URL: fake.url,
        GITHUB_TOKEN: fake.token,
        GITHUB_DEFAULT_REPO: fake.defaultRepo,
        GITHUB_DEFAULT_HEAD: fake.featureBranch,
        GITHUB_PAGE_SIZE: '10',
      },
      timeoutMs: 60_000,
    });
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });

  it.each([
    ['list_repos', { owner: 'acme' }],
    ['get_repo', {}],
    ['list_issues', { label: 'bug', state: 'all' }],
    ['create_issue', { title: 'Queue is stuck', body: 'since 08:00', labels: ['ops'] }],
    ['comment_issue', { number: 3, body: 'Looking into it' }],
    ['list_prs', { state: 'all' }],
    ['create_pr', { title: 'feat: Add feature', body: 'Description here', draft: true }],
    ['get_pr_status', { number: SAMPLE_READY_PULL }],
    ['list_workflow_runs', { status: 'failed' }],
    ['rerun_workflow', { runId: 90_000_007, failedOnly: false }],
    ['list_checks', { ref: 'fix/login-timeout' }],
    ['github_health', {}],
    ['merge_pr', { number: SAMPLE_READY_PULL, method: 'squash', confirm: true }],
  ])('%s answers through JSON-RPC', async (tool, args) => {
    const response = await call(gateway, tool, args);
    expect({ tool, status: response.status, error: response.body.error }).toEqual({ tool, status: 200, error: undefined });
    expect(response.body.result).toMatchObject({ status: 'success', metadata: { service: 'github', tool } });
    expect(response.body.result.metadata.sandbox).toBeUndefined();
  });

  it('reads across at least three pages (Link headers) at a small page size', async () => {
    const response = await call(gateway, 'list_issues', { state: 'all', includePulls: true, limit: 45 });
    expect(response.body.result.data).toMatchObject({ count: 45, pages: 5, truncated: true });
    const numbers = response.body.result.data.issues.map((i: { number: number }) => i.number);
    expect(new Set(numbers).size).toBe(45);
  });

  it('refuses merge_pr without confirm, by JSON-RPC too', async () => {
    const response = await call(gateway, 'merge_pr', { number: 124 });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/"confirm": true/);
    const wrong = await call(gateway, 'merge_pr', { number: 124, confirm: false });
    expect(wrong.status).toBe(400);
  });

  it('waits out one 429 with retry-after and answers', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 1 } };
    fake.calls.length = 0;
    const response = await call(gateway, 'get_repo');
    expect(response.status).toBe(200);
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('reports a persistent 429 as a clear upstream error', async () => {
    fake.knobs = { rateLimit429: { burst: 50, retryAfterSec: 0 } };
    const response = await call(gateway, 'list_prs');
    fake.knobs = { rateLimit429: null };
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ code: -32057, message: expect.stringMatching(/secondary rate limit stopped list pull requests of acme\/platform \(HTTP 429\) after 4 attempts/) });
  });

  it('reports an exhausted primary rate limit with its reset time', async () => {
    fake.knobs = { coreLimit: 0 };
    const response = await call(gateway, 'get_repo');
    fake.knobs = { coreLimit: 5_000 };
    expect(response.status).toBe(502);
    expect(response.body.error.message).toMatch(/primary rate limit is exhausted .* resets at \d{4}-\d{2}-\d{2}T/);
  });

  it('refuses bad credentials naming GITHUB_TOKEN, never the token', async () => {
    fake.knobs = { authFail: true };
    const response = await call(gateway, 'list_issues');
    fake.knobs = { authFail: false };
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({ code: -32055, message: expect.stringContaining('GITHUB_TOKEN is invalid, expired or revoked'), data: { missing: ['GITHUB_TOKEN'] } });
    expect(JSON.stringify(response.body)).not.toContain(fake.token);
    expect(gateway.output.join('\n')).not.toContain(fake.token);
  });

  it('answers GitHub\'s 404 for a repository the token cannot see', async () => {
    const response = await call(gateway, 'get_repo', { repo: 'othercorp/secret-plans' });
    expect(response.status).toBe(422);
    expect(response.body.error.message).toMatch(/not found \(HTTP 404\)/);
  });
});

describe('as a GitHub App installation', () => {
  let fake: FakeGithub;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fake = await startFakeGithub();
    gateway = await startGateway({
      env: {
        WORKERS: 'github',
        SANDBOX: 'off',
        GITHUB_API_URL: fake.url,
        GITHUB_APP_ID: fake.app.appId,
        GITHUB_INSTALLATION_ID: fake.app.installationId,
        GITHUB_PRIVATE_KEY: fake.app.privateKey.replace(/\n/g, '\\n'),
        GITHUB_DEFAULT_REPO: fake.defaultRepo,
      },
      timeoutMs: 60_000,
    });
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });

  it('mints an installation token, and a new one when GitHub refuses an expired one', async () => {
    expect((await call(gateway, 'list_prs')).status).toBe(200);
    fake.expireInstallationTokens();
    fake.calls.length = 0;
    const response = await call(gateway, 'list_repos');
    expect(response.status).toBe(200);
    expect(response.body.result.data).toMatchObject({ source: '/orgs/acme/repos', count: 12 });
    expect(fake.calls.map((c) => [c.auth, c.status])).toEqual([['invalid', 401], ['app_jwt', 201], ['installation', 200]]);
  });

  it('names the App variables when GitHub refuses them, never the key', async () => {
    fake.knobs = { authFail: true };
    fake.expireInstallationTokens();
    const response = await call(gateway, 'get_repo');
    fake.knobs = { authFail: false };
    expect(response.status).toBe(503);
    expect(response.body.error.message).toMatch(/GITHUB_APP_ID and GITHUB_PRIVATE_KEY/);
    expect(gateway.output.join('\n')).not.toContain('PRIVATE KEY');
  });
});
