import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getJson, postJson, startGateway, waitFor, type GatewayProcess } from '@mcpgw/test-support';

/**
 * The README's first command: no configuration at all. The postgres worker serves its embedded
 * demo database through the same code path as a real server, and says so; the gateway keeps its
 * keys and audit log in the embedded store and applies its default rate limit to local callers.
 */
let gateway: GatewayProcess;

beforeAll(async () => {
  // No periodic health polling: the catalog turns ok because the worker announces its health change.
  gateway = await startGateway({
    store: 'embedded',
    env: { DB_QUERY_TIMEOUT_MS: '1000', HEALTH_CHECK_INTERVAL_MS: '3600000', RATE_LIMIT_MAX_REQUESTS: '100' },
    timeoutMs: 60_000,
  });
  // Local callers get 100 calls a minute here, catalog reads included: poll at 2/s, not at 40/s.
  await waitFor(async () => (await getJson(`${gateway.url}/mcp/service/postgres`)).body.status === 'ok', 60_000, 'the demo database', 500);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
});

describe('embedded default', () => {
  it('answers the README example with real rows, marked embedded', async () => {
    const response = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo list tables' });
    expect(response.status).toBe(200);
    expect(response.body.data.tables.map((t: { name: string }) => t.name)).toEqual(['customers', 'order_items', 'orders', 'products', 'revenue_by_month']);
    expect(response.body.metadata.embedded).toBe(true);
    const revenue = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo query "select count(*)::int as orders from orders"' });
    expect(revenue.body.data.rows).toEqual([{ orders: 60 }]);
  });

  it('keeps its own data in the embedded store and limits local callers to 100 calls a minute', async () => {
    const ready = await getJson(`${gateway.url}/ready`);
    expect(ready.body).toMatchObject({ status: 'ready', dependencies: { store: 'up', rateLimits: 'memory' } });
    const response = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres list databases' });
    expect(response.headers.get('ratelimit-limit')).toBe('100');
    await waitFor(async () => (await getJson(`${gateway.url}/admin/audit?limit=5`)).body.rows.length > 0, 10_000, 'audit rows');
  });

  it('says so in the catalog', async () => {
    const { body } = await getJson(`${gateway.url}/mcp/catalog`);
    const postgres = body.services.find((s: { name: string }) => s.name === 'postgres');
    expect(postgres).toMatchObject({ mode: 'embedded', embedded: true, notes: expect.stringMatching(/POSTGRES_DATABASES is not set/) });
  });

  it('is read-only too', async () => {
    const response = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo query "with d as (delete from orders returning 1) select count(*) from d"' });
    expect(response.status).toBe(422);
    const count = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo query "select count(*)::int as n from orders"' });
    expect(count.body.data.rows).toEqual([{ n: 60 }]);
  });

  it('cuts off a runaway statement (the embedded engine ignores statement_timeout) and recovers', async () => {
    // Left alone, the statement would run for 60 s, past this test's timeout.
    const response = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo query "select pg_sleep(60)"' });
    expect(response.status).toBe(504);
    expect(response.body.error).toMatchObject({ code: -32060, message: expect.stringMatching(/cut off after 1000 ms/) });
    await waitFor(
      async () => (await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres demo query "select 1 as ok"' })).status === 200,
      60_000,
      'the demo database to restart',
      500,
    );
  }, 90_000);
});
