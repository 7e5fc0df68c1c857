import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  DATABASE_URL,
  REDIS_URL,
  TEST_WORKER_ENTRY,
  deleteRedisKeys,
  dropSchema,
  getJson,
  metricValue,
  postJson,
  runMcpgw,
  scrape,
  startGateway,
  startTcpProxy,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
  type TcpProxy,
} from '@mcpgw/test-support';
import pg from 'pg';

/**
 * Dependencies going away under a running gateway (security.md F5, F6), made real with a TCP proxy
 * in front of Redis or PostgreSQL that the test cuts and restores — nothing is mocked.
 */
const echoOnly = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` };
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const call = (gateway: GatewayProcess, headers: Record<string, string> = {}) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } }, headers);

function target(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)) };
}

describe('Redis unreachable (F5)', () => {
  it('falls back to in-process limits, logs it once, counts it, keeps serving, and returns to Redis', async () => {
    const proxy = await startTcpProxy({ target: target(REDIS_URL) });
    const prefix = testRedisPrefix();
    cleanups.push(() => proxy.close(), () => deleteRedisKeys(prefix));
    const gateway = await startGateway({ env: { ...echoOnly, REDIS_URL: proxy.url('redis'), REDIS_KEY_PREFIX: prefix, RATE_LIMIT_MAX_REQUESTS: '1000' } });
    cleanups.push(() => gateway.stop());

    const before = await call(gateway);
    expect(before.status).toBe(200);
    expect(before.headers.get('ratelimit-remaining')).toBe('999');
    expect(metricValue(await scrape(gateway.metricsUrl), 'mcp_rate_limit_redis_active')).toBe(1);

    proxy.cut();
    for (let i = 0; i < 20; i++) expect((await call(gateway)).status).toBe(200);
    const during = await scrape(gateway.metricsUrl);
    expect(metricValue(during, 'mcp_rate_limit_redis_active')).toBe(0);
    expect(metricValue(during, 'mcp_rate_limit_fallback_total')).toBeGreaterThanOrEqual(20);
    expect((await getJson(`${gateway.url}/ready`)).body).toMatchObject({ status: 'ready', dependencies: { rateLimits: 'memory' } });
    const warnings = gateway.output.filter((line) => /rate limit/i.test(line) && /"level":40/.test(line));
    expect(warnings).toHaveLength(1);

    proxy.restore();
    await waitFor(async () => {
      await call(gateway);
      return metricValue(await scrape(gateway.metricsUrl), 'mcp_rate_limit_redis_active') === 1;
    }, 15_000, 'rate limits back in Redis');
    // Back on the shared counter: the calls made before the outage are still counted there.
    const after = await call(gateway);
    expect(Number(after.headers.get('ratelimit-remaining'))).toBeLessThan(999);
  });
});

describe('PostgreSQL unreachable (F6)', () => {
  it('keeps serving cached keys, spools audit rows, reports the store down, and flushes when it returns', async () => {
    const proxy = await startTcpProxy({ target: target(DATABASE_URL) });
    const schema = `gw_outage_${process.pid}_${randomBytes(3).toString('hex')}`;
    cleanups.push(() => proxy.close(), () => dropSchema(schema));
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const storeEnv = { DATABASE_URL: viaProxy.toString(), DATABASE_SCHEMA: schema };
    const gateway = await startGateway({ store: 'given', env: { ...echoOnly, ...storeEnv, API_KEY_STALE_MS: '600000' } });
    cleanups.push(() => gateway.stop());
    const created = await runMcpgw(['keys', 'create', '--name', 'agent-outage', '--scopes', 'echo'], storeEnv);
    const key = created.stdout.trim();
    expect((await call(gateway, { 'x-mcp-key': key })).status).toBe(200);

    proxy.cut();
    for (let i = 0; i < 10; i++) {
      // The key was seen before the outage: it keeps working from the cache.
      expect((await call(gateway, { 'x-mcp-key': key, 'x-request-id': `during-outage-${i}` })).status).toBe(200);
    }
    const ready = await getJson(`${gateway.url}/ready`);
    expect(ready.body).toMatchObject({ dependencies: { store: 'down' } });
    await waitFor(async () => metricValue(await scrape(gateway.metricsUrl), 'mcp_audit_spool_rows') >= 10, 10_000, 'spooled audit rows');
    expect(metricValue(await scrape(gateway.metricsUrl), 'mcp_store_up')).toBe(0);
    // A key never seen cannot be checked: 503, not a guess.
    const unseen = await call(gateway, { 'x-mcp-key': `mcp_live_0123456789ab_${'A'.repeat(43)}` });
    expect(unseen.status).toBe(503);
    expect(unseen.body).toMatchObject({ error: { code: -32013 } });

    proxy.restore();
    const direct = new pg.Client({ connectionString: DATABASE_URL });
    await direct.connect();
    cleanups.push(() => direct.end());
    await waitFor(async () => {
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM "${schema}".audit_log WHERE request_id LIKE 'during-outage-%'`);
      return rows[0].n === 10;
    }, 30_000, 'the spooled rows in the store');
    await waitFor(async () => metricValue(await scrape(gateway.metricsUrl), 'mcp_store_up') === 1, 10_000, 'store up again');
  });

  it('saves rows it cannot write at shutdown to the spool file and writes them at the next start', async () => {
    const proxy = await startTcpProxy({ target: target(DATABASE_URL) });
    const schema = `gw_spool_${process.pid}_${randomBytes(3).toString('hex')}`;
    cleanups.push(() => proxy.close(), () => dropSchema(schema));
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-spool-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const env = { ...echoOnly, DATABASE_URL: viaProxy.toString(), DATABASE_SCHEMA: schema, MCPGW_DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '3000' };
    const first = await startGateway({ store: 'given', env });
    proxy.cut();
    for (let i = 0; i < 5; i++) expect((await call(first, { 'x-request-id': `before-shutdown-${i}` })).status).toBe(200);
    const { code } = await first.stop();
    expect({ code, log: code === 0 ? '' : first.output.slice(-10).join('\n') }).toEqual({ code: 0, log: '' });
    const spool = join(dataDir, 'audit-spool.ndjson');
    expect(existsSync(spool)).toBe(true);

    proxy.restore();
    const second = await startGateway({ store: 'given', env });
    cleanups.push(() => second.stop());
    const direct = new pg.Client({ connectionString: DATABASE_URL });
    await direct.connect();
    cleanups.push(() => direct.end());
    await waitFor(async () => {
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM "${schema}".audit_log WHERE request_id LIKE 'before-shutdown-%'`);
      return rows[0].n === 5;
    }, 20_000, 'the rows from the spool file');
    await waitFor(() => !existsSync(spool), 5_000, 'the spool file removed');
  });
});
