import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeN8n, type FakeN8n } from '@mcpgw/fakes';
import { getJson, postJson, startGateway, type GatewayProcess } from '@mcpgw/test-support';

/**
 * The n8n worker through the gateway, as processes: the slash commands in sandbox mode (no
 * configuration: the gateway starts the fakes itself), then every tool by JSON-RPC against a fake
 * n8n this test controls, with the faults a real client must handle.
 */
const call = (gateway: GatewayProcess, tool: string, args: Record<string, unknown> = {}) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'n8n', tool, arguments: args } });
const slash = (gateway: GatewayProcess, command: string) => postJson(`${gateway.url}/mcp/execute`, { command });

describe('n8n in sandbox mode (no configuration)', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { WORKERS: 'n8n' }, timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('is in the catalog as a sandbox service', async () => {
    const catalog = await getJson(`${gateway.url}/mcp/catalog`);
    const n8n = catalog.body.services.find((s: { name: string }) => s.name === 'n8n');
    expect(n8n).toMatchObject({ mode: 'sandbox', sandbox: true });
  });

  it('answers /mcp-n8n list-workflows', async () => {
    const response = await slash(gateway, '/mcp-n8n list-workflows');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'success', metadata: { service: 'n8n', tool: 'list_workflows', sandbox: true } });
    expect(response.body.data.workflows.map((w: { id: string }) => w.id)).toContain('workflow_123');
  });

  it('answers /mcp-n8n execute workflow_123 {"data": "payload"}', async () => {
    const response = await slash(gateway, '/mcp-n8n execute workflow_123 {"data": "payload"}');
    expect(response.status).toBe(200);
    expect(response.body.metadata).toMatchObject({ tool: 'execute_workflow', sandbox: true });
    expect(response.body.data).toMatchObject({ workflowId: 'workflow_123', status: 200, response: { received: { data: 'payload' } }, execution: { status: 'success' } });
  });

  it('answers /mcp-n8n get-execution exec_456', async () => {
    const response = await slash(gateway, '/mcp-n8n get-execution exec_456');
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ id: 'exec_456', workflowId: 'workflow_123', status: 'error', error: { node: 'Upsert CRM contact' } });
  });

  it('lists the valid commands for an unknown one', async () => {
    const response = await slash(gateway, '/mcp-n8n launch rockets');
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/\/mcp-n8n execute <workflowId> \[<payload>\]/);
  });
});

describe('n8n against a fake this test controls', () => {
  let fake: FakeN8n;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fake = await startFakeN8n();
    gateway = await startGateway({
      env: { WORKERS: 'n8n', SANDBOX: 'off', N8N_API_URL: fake.url, N8N_API_KEY: fake.apiKey, N8N_PAGE_SIZE: '5', N8N_TIMEOUT_MS: '5000' },
      timeoutMs: 60_000,
    });
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });
  afterEach(() => {
    fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, authFail: false, keyExpired: false, deniedScopes: [] };
  });

  it('talks to the configured n8n, not a sandbox', async () => {
    const response = await call(gateway, 'n8n_health');
    expect(response.status).toBe(200);
    expect(response.body.result.metadata.sandbox).toBeUndefined();
    expect(response.body.result.data.status).toBe('ok');
  });

  it('pages workflows across three pages of five and resumes from nextCursor', async () => {
    fake.calls.length = 0;
    const first = (await call(gateway, 'list_workflows', { limit: 12 })).body.result.data;
    expect(first).toMatchObject({ count: 12, pages: 3 });
    expect(fake.calls.filter((c) => c.path === '/api/v1/workflows')).toHaveLength(3);
    const rest = (await call(gateway, 'list_workflows', { cursor: first.nextCursor })).body.result.data;
    expect(rest.nextCursor).toBeNull();
    const ids = [...first.workflows, ...rest.workflows].map((w: { id: string }) => w.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(fake.workflows.size);
  });

  it('answers every tool by JSON-RPC', async () => {
    const payroll = [...fake.workflows.values()].find((w) => w.name === 'Payroll file import')!.id;
    const cases: [string, Record<string, unknown>, (data: any) => void][] = [
      ['get_workflow', { id: 'workflow_123' }, (d) => expect(d.triggers[0]).toMatchObject({ kind: 'webhook', path: 'customer-sync' })],
      ['activate_workflow', { id: payroll }, (d) => expect(d).toMatchObject({ active: true, changed: true })],
      ['deactivate_workflow', { id: payroll, confirm: true }, (d) => expect(d).toMatchObject({ active: false, changed: true })],
      ['execute_workflow', { workflowId: 'workflow_123', payload: { data: 'payload' } }, (d) => expect(d.response.received).toEqual({ data: 'payload' })],
      ['list_executions', { status: 'success', limit: 11 }, (d) => expect(d).toMatchObject({ count: 11, pages: 3 })],
      ['get_execution', { id: 'exec_456' }, (d) => expect(d.error.message).toMatch(/could not be found/)],
      ['list_failed_executions', { limit: 5 }, (d) => expect(d.executions.length).toBe(5)],
      ['retry_execution', { id: 'exec_456' }, (d) => expect(d.execution).toMatchObject({ retryOf: 'exec_456', status: 'success' })],
      ['n8n_health', {}, (d) => expect(d.status).toBe('ok')],
      ['list_workflows', { active: true, tags: 'ops' }, (d) => expect(d.workflows.every((w: { active: boolean }) => w.active)).toBe(true)],
    ];
    for (const [tool, args, check] of cases) {
      const response = await call(gateway, tool, args);
      expect({ tool, status: response.status }).toEqual({ tool, status: 200 });
      expect(response.body.result).toMatchObject({ status: 'success', metadata: { service: 'n8n', tool } });
      check(response.body.result.data);
    }
  });

  it('refuses the destructive deactivate without confirm, by JSON-RPC and slash command, and runs it with confirm', async () => {
    const refused = await call(gateway, 'deactivate_workflow', { id: 'workflow_123' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/deactivate_workflow is destructive.*"confirm": true/);
    const bySlash = await slash(gateway, '/mcp-n8n deactivate workflow_123');
    expect(bySlash.status).toBe(400);
    expect(fake.workflows.get('workflow_123')!.active).toBe(true);
    const done = await slash(gateway, '/mcp-n8n deactivate workflow_123 --confirm');
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({ active: false, changed: true });
    const back = await slash(gateway, '/mcp-n8n activate workflow_123');
    expect(back.body.data).toMatchObject({ active: true });
  });

  it('waits out one 429 and answers', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 1 } };
    const response = await call(gateway, 'list_executions', { limit: 3 });
    expect(response.status).toBe(200);
    expect(fake.calls.some((c) => c.status === 429)).toBe(true);
  });

  it('reports a persistent 429 clearly, with n8n\'s Retry-After', async () => {
    fake.knobs = { rateLimit429: { burst: 1_000, retryAfterSec: 90 } };
    const response = await call(gateway, 'get_execution', { id: 'exec_456' });
    expect(response.status).toBe(502);
    expect(response.body.error.message).toMatch(/n8n is rate-limiting requests \(HTTP 429\).*retry after 90 s/);
    expect(response.body.error.data).toMatchObject({ retryAfter: 90 });
  });

  it('reports an invalid and an expired key naming N8N_API_KEY, never the key', async () => {
    for (const knobs of [{ authFail: true }, { keyExpired: true }]) {
      fake.knobs = knobs;
      const response = await call(gateway, 'list_workflows');
      expect(response.status).toBe(503);
      expect(response.body.error.message).toMatch(/n8n refused the API key \(HTTP 401.*N8N_API_KEY/);
      expect(response.body.error.data).toMatchObject({ missing: ['N8N_API_KEY'] });
      expect(JSON.stringify(response.body)).not.toContain(fake.apiKey);
    }
    expect(gateway.output.join('\n')).not.toContain(fake.apiKey);
  });
});
