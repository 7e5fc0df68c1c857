import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DATABASE_URL, TEST_WORKER_ENTRY, getJson, postJson, runMcpgw, startGateway, type GatewayProcess } from '@mcpgw/test-support';

/** `<service>:read` scopes through a real gateway and API key: read-only tools yes, the rest no. */
let gateway: GatewayProcess;
let key: string;
const echoOnly = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` };

beforeAll(async () => {
  gateway = await startGateway({ env: echoOnly });
  const storeEnv = { DATABASE_URL, DATABASE_SCHEMA: gateway.schema!, ...echoOnly };
  const created = await runMcpgw(['keys', 'create', '--name', 'reader', '--scopes', 'echo:read'], storeEnv);
  expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
  key = created.stdout.trim();
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
});

const call = (tool: string, args: Record<string, unknown>) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool, arguments: args } }, { 'x-mcp-key': key });

describe('service:read scopes', () => {
  it('allow the read-only tools of the service', async () => {
    const answer = await call('echo', { message: 'hi' });
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ status: 'success', data: { echo: { message: 'hi' } } });
  });

  it('refuse its other tools with 403, naming the scopes that would allow them', async () => {
    const answer = await call('crash', { code: 1 });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ data: { name: 'FORBIDDEN' } });
    expect(answer.body.error.message).toContain('needs scope "echo" or "echo:crash" or "*"');
    expect(answer.body.error.message).toContain('"echo:read" covers only its read-only tools');
  });

  it('show only the read-only tools in the catalog', async () => {
    const service = await getJson(`${gateway.url}/mcp/service/echo`, { 'x-mcp-key': key });
    const tools = (service.body.tools as { name: string; annotations?: { readOnlyHint?: boolean } }[]) ?? [];
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((t) => t.name)).not.toContain('crash');
  });
});
