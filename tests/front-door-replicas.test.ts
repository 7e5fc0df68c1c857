import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DATABASE_URL,
  REDIS_URL,
  TEST_WORKER_ENTRY,
  deleteRedisKeys,
  dropSchema,
  metricValue,
  postJson,
  runMcpgw,
  scrape,
  startGateway,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/**
 * Two gateway replicas sharing one PostgreSQL store and one Redis, as on Kubernetes: keys made by
 * the CLI work on both, a revoked key fails on both within a second, and the per-agent limit is
 * shared (100 in total, not 100 each).
 */
const schema = `gw_replicas_${process.pid}_${randomBytes(3).toString('hex')}`;
const prefix = testRedisPrefix();
const shared = {
  WORKERS: 'none',
  EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
  DATABASE_URL,
  DATABASE_SCHEMA: schema,
  REDIS_URL,
  REDIS_KEY_PREFIX: prefix,
  RATE_LIMIT_MAX_REQUESTS: '100',
  RATE_LIMIT_WINDOW_MS: '60000',
};
const storeEnv = { DATABASE_URL, DATABASE_SCHEMA: schema };
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  // The first replica runs the migrations; the second finds them applied.
  a = await startGateway({ store: 'given', env: shared });
  b = await startGateway({ store: 'given', env: shared });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await dropSchema(schema);
  await deleteRedisKeys(prefix);
});

async function createKey(name: string, scopes = 'echo'): Promise<string> {
  const { code, stdout, stderr } = await runMcpgw(['keys', 'create', '--name', name, '--scopes', scopes], storeEnv);
  expect(stderr).toMatch(/shown only once/);
  expect(code).toBe(0);
  return stdout.trim();
}

const call = (gateway: GatewayProcess, key: string) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } }, { 'x-mcp-key': key });

describe('replicas sharing PostgreSQL and Redis', () => {
  it('accept a key created by the CLI on either replica', async () => {
    const key = await createKey('agent-both');
    expect((await call(a, key)).status).toBe(200);
    expect((await call(b, key)).status).toBe(200);
  });

  it('refuse a revoked key on every replica within a second', async () => {
    const key = await createKey('agent-revoked');
    // Both replicas have the key in their caches.
    expect((await call(a, key)).status).toBe(200);
    expect((await call(b, key)).status).toBe(200);
    const revoke = await runMcpgw(['keys', 'revoke', key.slice(9, 21)], storeEnv);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/revoked/);
    // API_KEY_CACHE_TTL_MS (1000) bounds how long a replica may still trust its cached copy.
    await new Promise((r) => setTimeout(r, 1_000));
    const [fromA, fromB] = await Promise.all([call(a, key), call(b, key)]);
    expect(fromA.status).toBe(401);
    expect(fromB.status).toBe(401);
    const list = await runMcpgw(['keys', 'list', '--all', '--json'], storeEnv);
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ name: 'agent-revoked', status: 'revoked' }));
  });

  it('share one rate limit: 100 calls in total, not 100 each', async () => {
    const key = await createKey('agent-shared-limit');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const wave = await Promise.all(Array.from({ length: 10 }, (_, j) => call((i * 10 + j) % 2 === 0 ? a : b, key)));
      statuses.push(...wave.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    const [metricsA, metricsB] = await Promise.all([scrape(a.metricsUrl), scrape(b.metricsUrl)]);
    const exceeded = metricValue(metricsA, 'mcp_rate_limit_exceeded_total', { limit: 'agent' }) + metricValue(metricsB, 'mcp_rate_limit_exceeded_total', { limit: 'agent' });
    expect(exceeded).toBe(50);
    expect(metricValue(metricsA, 'mcp_rate_limit_redis_active')).toBe(1);
  });

  it('write every call to the shared audit log, readable with mcpgw audit tail', async () => {
    const key = await createKey('agent-audited');
    await call(a, key);
    await call(b, key);
    await waitFor(async () => {
      const tail = await runMcpgw(['audit', 'tail', '--agent', 'agent-audited', '--json'], storeEnv);
      return tail.stdout.trim().split('\n').filter(Boolean).length === 2;
    }, 10_000, 'two audit rows');
    const tail = await runMcpgw(['audit', 'tail', '--agent', 'agent-audited'], storeEnv);
    expect(tail.stdout).toMatch(/agent-audited \[api_key\]\s+echo\.echo\s+ok/);
    expect(tail.stdout).not.toContain(key.slice(22));
  });
});
