import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DATABASE_URL, TEST_WORKER_ENTRY, createTestDatabase, postJson, runMcpgw as mcpgw, startGateway, type GatewayProcess } from '@mcpgw/test-support';

const JWT_SECRET = 'cli-test-secret-that-is-long-enough-0123';
let gateway: GatewayProcess;
/** What the CLI needs to reach the gateway's store (and sign its tokens). */
let storeEnv: Record<string, string>;
beforeAll(async () => {
  gateway = await startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, JWT_SECRET, LOCALHOST_BYPASS: 'false' } });
  storeEnv = { DATABASE_URL, DATABASE_SCHEMA: gateway.schema!, JWT_SECRET };
});
afterAll(async () => {
  await gateway.stop();
});

describe('mcpgw', () => {
  it('prints its commands', async () => {
    const { code, stdout } = await mcpgw(['help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/commands:\n  start/);
    expect((await mcpgw(['frobnicate'])).code).toBe(2);
  });

  it('checks the configuration and shows worker environments by name only', async () => {
    const { code, stdout } = await mcpgw(['config'], { POSTGRES_DATABASES: 'sales=postgres://u:hunter2@db/sales', PORT: '9000' });
    expect(code).toBe(0);
    const config = JSON.parse(stdout);
    expect(config.port).toBe(9000);
    expect(config.workers[0]).toMatchObject({ name: 'postgres', env: expect.arrayContaining(['POSTGRES_DATABASES']) });
    expect(stdout).not.toContain('hunter2');
    const secrets = await mcpgw(['config'], { DATABASE_URL: 'postgres://gw:s3cret-pw@db/gw', REDIS_URL: 'redis://:r3dis-pw@r:6379', JWT_SECRET });
    expect(secrets.stdout).not.toMatch(/s3cret-pw|r3dis-pw|cli-test-secret/);
    expect(JSON.parse(secrets.stdout).store.databaseUrl).toBe('postgres://gw:***@db/gw');
    const bad = await mcpgw(['config'], { METRICS_PORT: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/METRICS_PORT="x"/);
  });

  it('creates, lists and revokes keys in the gateway\'s store, refusing bad usage', async () => {
    const created = await mcpgw(['keys', 'create', '--name', 'cli-agent', '--scopes', 'echo', '--expires', '30d', '--rate', '500/1m', '--json'], storeEnv);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { key: string; prefix: string; rateLimit: unknown; expiresAt: string };
    expect(key).toMatchObject({ name: 'cli-agent', scopes: ['echo'], rateLimit: { max: 500, windowMs: 60_000 }, status: 'active' });
    expect(new Date(key.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const list = await mcpgw(['keys', 'list'], storeEnv);
    expect(list.stdout).toMatch(new RegExp(`${key.prefix}\\s+cli-agent\\s+active\\s+echo`));
    expect(list.stdout).not.toContain(key.key.slice(22));
    expect((await mcpgw(['keys', 'revoke', key.prefix], storeEnv)).code).toBe(0);
    expect((await mcpgw(['keys', 'list'], storeEnv)).stdout).not.toContain(key.prefix);
    expect((await mcpgw(['keys', 'list', '--all'], storeEnv)).stdout).toMatch(/revoked/);
    const audit = await mcpgw(['audit', 'tail', '--service', 'admin', '--json'], storeEnv);
    const changes = audit.stdout.trim().split('\n').map((line) => JSON.parse(line) as { tool: string; agent: string; endpoint: string });
    expect(changes.map((c) => c.tool)).toEqual([`keys.create:${key.prefix}`, `keys.revoke:${key.prefix}`]);
    expect(changes[0]).toMatchObject({ agent: expect.stringMatching(/^cli:/), endpoint: 'cli' });
    const missing = await mcpgw(['keys', 'revoke', '0123456789ab'], storeEnv);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/no API key has the prefix/) });
    for (const args of [['keys', 'create', '--scopes', 'echo'], ['keys', 'create', '--name', 'x', '--scopes', 'Bad'], ['keys', 'create', '--name', 'x', '--scopes', 'echo', '--expires', '1y'], ['keys', 'revoke', 'nope'], ['keys']]) {
      const result = await mcpgw(args, storeEnv);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/usage|scope|duration/);
    }
  });

  it('signs tokens the gateway accepts, and says when JWT_SECRET is missing', async () => {
    const signed = await mcpgw(['token', 'sign', '--sub', 'cli-jwt-agent', '--scopes', 'echo', '--ttl', '10m'], storeEnv);
    expect(signed.code).toBe(0);
    const token = signed.stdout.trim();
    const call = await postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.listServices' }, { authorization: `Bearer ${token}` });
    expect(call.status).toBe(200);
    expect(call.body.result.services.map((s: { name: string }) => s.name)).toEqual(['echo']);
    const noSecret = await mcpgw(['token', 'sign', '--sub', 'x']);
    expect(noSecret).toMatchObject({ code: 2, stderr: expect.stringMatching(/JWT_SECRET is not set/) });
  });

  it('applies migrations idempotently and tails the audit log', async () => {
    const migrated = await mcpgw(['migrate'], storeEnv);
    expect(migrated).toMatchObject({ code: 0, stdout: 'the gateway store is up to date\n' });
    const tail = await mcpgw(['audit', 'tail', '--limit', '5', '--outcome', 'unauthenticated'], storeEnv);
    expect(tail.code).toBe(0);
    const bad = await mcpgw(['audit', 'tail', '--since', 'yesterday'], storeEnv);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/since is an ISO 8601 time/);
  });

  it('sends a slash command to a running gateway', async () => {
    const created = await mcpgw(['keys', 'create', '--name', 'cli-caller', '--scopes', 'echo'], storeEnv);
    const key = created.stdout.trim();
    const refused = await mcpgw(['call', '/mcp-echo echo from the cli', '--url', gateway.url]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe(-32010);
    const ok = await mcpgw(['call', '/mcp-echo echo from the cli', '--url', gateway.url, '--key', key]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'success', data: { echo: { message: 'from the cli' } } });
    const failed = await mcpgw(['call', '/mcp-echo nonsense', '--url', gateway.url, '--key', key]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe(-32032);
  });

  it('lists the services of a running gateway with their commands', async () => {
    const key = (await mcpgw(['keys', 'create', '--name', 'cli-lister', '--scopes', 'echo'], storeEnv)).stdout.trim();
    const { code, stdout } = await mcpgw(['services', '--url', gateway.url, '--key', key]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^echo {2}ok {2}12 tools\n {4}\/mcp-echo echo <message\.\.\.>/);
    const refused = await mcpgw(['services', '--url', gateway.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/-32010/);
  });

  it('refuses an unknown worker', async () => {
    const { code, stderr } = await mcpgw(['worker', 'oracle']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/workers: postgres/);
  });
});

describe('mcpgw ops', () => {
  it('applies the operational tables and loads sample data into a database, refusing to seed without --yes', async () => {
    const database = await createTestDatabase('mcpgw_ops_cli');
    try {
      const env = { SUPABASE_DB_URL: database.url };
      const first = await mcpgw(['ops', 'migrate'], env);
      expect(first).toMatchObject({ code: 0, stdout: 'applied operational-table migrations: 1\n' });
      expect((await mcpgw(['ops', 'migrate'], env)).stdout).toMatch(/up to date/);
      const refused = await mcpgw(['ops', 'seed'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--yes/);
      const seeded = await mcpgw(['ops', 'seed', '--yes'], env);
      expect(seeded.code).toBe(0);
      expect(JSON.parse(seeded.stdout)).toMatchObject({ agencies: 8 });
      const { rows } = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM month_end_tasks');
      expect(rows[0]!.n).toBeGreaterThan(0);
      expect((await mcpgw(['ops', 'migrate'])).stderr).toMatch(/SUPABASE_DB_URL/);
      expect((await mcpgw(['ops', 'frobnicate'], env)).code).toBe(2);
    } finally {
      await database.drop();
    }
  });
});
