import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, runMcpgw as mcpgw, startGateway, type GatewayProcess } from '@mcpgw/test-support';

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` } });
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
    const bad = await mcpgw(['config'], { METRICS_PORT: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/METRICS_PORT="x"/);
  });

  it('sends a slash command to a running gateway', async () => {
    const ok = await mcpgw(['call', '/mcp-echo echo from the cli', '--url', gateway.url]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'success', data: { echo: { message: 'from the cli' } } });
    const failed = await mcpgw(['call', '/mcp-echo nonsense', '--url', gateway.url]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe(-32032);
  });

  it('lists the services of a running gateway with their commands', async () => {
    const { code, stdout } = await mcpgw(['services', '--url', gateway.url]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^echo {2}ok {2}7 tools\n {4}\/mcp-echo echo <message\.\.\.>/);
  });

  it('refuses an unknown worker', async () => {
    const { code, stderr } = await mcpgw(['worker', 'oracle']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/workers: postgres/);
  });
});
