import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  execute,
  getJson,
  metricValue,
  postJson,
  rpc,
  scrape,
  startGateway,
  type GatewayProcess,
  type TestDatabase,
} from '@mcpgw/test-support';

/**
 * The whole path with the real postgres worker: agent → gateway → worker process → the real
 * PostgreSQL at DATABASE_URL (in a database of this test's own).
 */
let database: TestDatabase;
let gateway: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase('mcpgw_e2e');
  await database.query(`
    CREATE TABLE invoices (id int PRIMARY KEY, agency text NOT NULL, amount numeric(12,2) NOT NULL, due date NOT NULL);
    INSERT INTO invoices SELECT i, 'agency-' || (1 + i % 8), i * 100, date '2026-12-01' + i FROM generate_series(1, 40) i;
    ANALYZE invoices;
  `);
  gateway = await startGateway({ env: { POSTGRES_DATABASES: `sales=${database.url}`, DB_POOL_MAX: '3' } });
});

afterAll(async () => {
  await gateway?.stop();
  await database?.drop();
});

describe('postgres through the gateway', () => {
  it('serves the seed form {service, database, operation}', async () => {
    const response = await rpc(gateway.url, 'mcp.execute', { service: 'postgres', database: 'sales', operation: 'list-tables' });
    expect(response.status).toBe(200);
    expect(response.body.result).toMatchObject({
      status: 'success',
      data: { database: 'sales', tables: [{ qualifiedName: 'public.invoices', rowEstimate: 40 }] },
      metadata: { service: 'postgres', tool: 'list_tables', tokensUsed: 300 },
    });
    expect(response.body.result.metadata.embedded).toBeUndefined();
  });

  it('runs slash commands: list tables, describe, query', async () => {
    const describe = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres sales describe invoices' });
    expect(describe.body.data.primaryKey).toEqual(['id']);
    const query = await postJson(`${gateway.url}/mcp/execute`, {
      command: '/mcp-postgres sales query "select agency, sum(amount)::text as total from invoices group by agency order by agency limit 2"',
    });
    expect(query.status).toBe(200);
    expect(query.body.data.rows).toEqual([
      { agency: 'agency-1', total: '12000.00' },
      { agency: 'agency-2', total: '8500.00' },
    ]);
  });

  it('passes parameters and arguments through mcp.execute {service, tool, arguments}', async () => {
    const response = await execute(gateway.url, 'postgres', 'query', { database: 'sales', sql: 'select count(*)::int as n from invoices where agency = $1', params: ['agency-3'] });
    expect(response.body.result.data.rows).toEqual([{ n: 5 }]);
  });

  it('refuses writes with 422 and leaves the data unchanged', async () => {
    const response = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-postgres sales query "delete from invoices"' });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: -32056, data: { kind: 'rejected' } });
    expect((await database.query('select count(*)::int as n from invoices')).rows[0]).toEqual({ n: 40 });
  });

  it('feeds pool sizes into mcp_connection_pool_size and _idle', async () => {
    await getJson(`${gateway.url}/health/detailed`);
    const samples = await scrape(gateway.metricsUrl);
    expect(metricValue(samples, 'mcp_connection_pool_size', { service: 'postgres', pool: 'sales' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'mcp_connection_pool_idle' && s.labels['pool'] === 'sales')).toBe(true);
    expect(metricValue(samples, 'mcp_connector_healthy', { service: 'postgres' })).toBe(1);
  });

  it('lists the service in the catalog as live, with its commands', async () => {
    const { body } = await getJson(`${gateway.url}/mcp/service/postgres`);
    expect(body).toMatchObject({ name: 'postgres', mode: 'live', embedded: false, status: 'ok', location: 'server' });
    expect(body.commands.map((c: { usage: string }) => c.usage)).toEqual([
      '/mcp-postgres list databases',
      '/mcp-postgres <database> list tables [<schema>]',
      '/mcp-postgres <database> describe <table>',
      '/mcp-postgres <database> query <sql>',
      '/mcp-postgres <database> explain <sql>',
    ]);
    expect(JSON.stringify(body)).not.toContain(database.url);
  });
});
