import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getJson, postJson, startGateway, waitFor, type GatewayProcess } from '@mcpgw/test-support';

/**
 * The README's first command: no configuration at all. The postgres worker serves its embedded
 * demo database through the same code path as a real server, and says so.
 */
let gateway: GatewayProcess;

beforeAll(async () => {
  // No periodic health polling: the catalog turns ok because the worker announces its health change.
  gateway = await startGateway({ env: { DB_QUERY_TIMEOUT_MS: '1000', HEALTH_CHECK_INTERVAL_MS: '3600000' }, timeoutMs: 60_000 });
  await waitFor(async () => (await getJson(`${gateway.url}/mcp/service/postgres`)).body.status === 'ok', 60_000, 'the demo database');
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
    );
  }, 90_000);
});
