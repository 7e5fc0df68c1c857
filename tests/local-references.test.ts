import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT, TEST_WORKER_ENTRY, execute, getJson, postJson, rpc, startGateway, waitFor, type GatewayProcess } from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * Local references (playwright, shadcn, magicui, taskmaster) through the real gateway process: listed
 * with how to run them and refused with SERVICE_LOCAL_ONLY; and, given a command in
 * LOCAL_SERVICES_FILE, run as a supervised worker — here a plain MCP server (the SDK's McpServer,
 * not the worker kit) standing in for playwright.
 */
const PLAIN_SERVER = `${REPO_ROOT}tests/fixtures/plain-mcp-server/server.mjs`;
const LOCAL = ['playwright', 'shadcn', 'magicui', 'taskmaster'];

interface CatalogService {
  name: string;
  location: string;
  routed: boolean;
  status: string;
  tools: { name: string }[];
  commands: { usage: string; tool: string }[];
  local?: { run: string; install: string; upstream: { package: string }; clientConfig: { mcpServers: Record<string, { command: string; args: string[] }> } };
}

async function catalog(gateway: GatewayProcess): Promise<Map<string, CatalogService>> {
  const { status, body } = await getJson<{ services: CatalogService[] }>(`${gateway.url}/mcp/catalog`);
  expect(status).toBe(200);
  return new Map(body.services.map((s) => [s.name, s]));
}

async function mcpClient(gateway: GatewayProcess, path: string): Promise<Client> {
  const client = new Client({ name: 'local-references-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}${path}`)));
  return client;
}

describe('local references without a command', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('are in the catalog with location local, routed false and how to install and run them', async () => {
    const services = await catalog(gateway);
    expect([...services.keys()]).toEqual(['echo', ...LOCAL]);
    expect(services.get('echo')).toMatchObject({ location: 'server', routed: true });
    for (const name of LOCAL) {
      expect(services.get(name)).toMatchObject({ location: 'local', routed: false, status: 'local', tools: [], commands: [], local: { install: expect.stringMatching(/Node\.js/) } });
    }
    expect(services.get('playwright')!.local).toMatchObject({
      run: 'npx @playwright/mcp@latest',
      upstream: { package: '@playwright/mcp' },
      clientConfig: { mcpServers: { playwright: { command: 'npx', args: ['@playwright/mcp@latest'] } } },
    });
    expect(services.get('shadcn')!.local!.run).toBe('npx shadcn@latest mcp');
    expect(services.get('magicui')!.local!.run).toBe('npx -y @magicuidesign/mcp@latest');
    expect(services.get('taskmaster')!.local!.run).toBe('npx -y --package=task-master-ai task-master-ai');

    const one = await getJson(`${gateway.url}/mcp/service/magicui`);
    expect(one.body).toMatchObject({ name: 'magicui', location: 'local', routed: false });
    const listed = await rpc(gateway.url, 'mcp.listServices');
    expect(listed.body.result.services.map((s: { name: string; location: string }) => [s.name, s.location])).toEqual([['echo', 'server'], ...LOCAL.map((n) => [n, 'local'])]);
    const described = await rpc(gateway.url, 'mcp.describeService', { service: 'taskmaster' });
    expect(described.body.result).toMatchObject({ name: 'taskmaster', routed: false, local: { run: 'npx -y --package=task-master-ai task-master-ai' } });
  });

  it('answer a call through mcp.execute, slash commands and the MCP front with SERVICE_LOCAL_ONLY saying how to run them', async () => {
    const expected = {
      code: -32034,
      message: "playwright is a local reference: run it on the agent's machine (npx @playwright/mcp@latest), or set a command for it in LOCAL_SERVICES_FILE",
      data: { name: 'SERVICE_LOCAL_ONLY', service: 'playwright', location: 'local', run: 'npx @playwright/mcp@latest' },
    };
    const viaRpc = await execute(gateway.url, 'playwright', 'browser_navigate', { url: 'https://example.com' });
    expect(viaRpc.status).toBe(404);
    expect(viaRpc.body.error).toMatchObject(expected);

    const viaSlash = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-shadcn list' });
    expect(viaSlash.status).toBe(404);
    expect(viaSlash.body.error).toMatchObject({ code: -32034, name: 'SERVICE_LOCAL_ONLY', message: expect.stringContaining('(npx shadcn@latest mcp)') });

    const front = await postJson(`${gateway.url}/mcp/magicui`, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, {
      accept: 'application/json, text/event-stream',
    });
    expect(front.status).toBe(404);
    expect(front.body.error).toMatchObject({ code: -32034, message: expect.stringContaining('magicui is a local reference: run it on the agent\'s machine (npx -y @magicuidesign/mcp@latest)') });

    const aggregate = await mcpClient(gateway, '/mcp');
    try {
      expect(aggregate.getInstructions()).toContain('Local references, not served here (run them on your own machine; GET /mcp/catalog shows how): playwright, shadcn, magicui, taskmaster.');
      const tools = (await aggregate.listTools()).tools.map((t) => t.name);
      expect(tools.some((t) => LOCAL.some((n) => t.startsWith(`${n}__`)))).toBe(false);
      await expect(aggregate.callTool({ name: 'playwright__browser_navigate', arguments: {} })).rejects.toThrow(/playwright is a local reference/);
    } finally {
      await aggregate.close();
    }
  });
});

describe('a local reference given a command in LOCAL_SERVICES_FILE', () => {
  let gateway: GatewayProcess;
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-local-refs-'));
  beforeAll(async () => {
    mkdirSync(join(dir, 'workspace'));
    const file = join(dir, 'local-services.yaml');
    writeFileSync(
      file,
      [
        '# playwright, played by a plain MCP server fixture',
        'playwright:',
        `  command: ${JSON.stringify(process.execPath)}`,
        `  args: [${JSON.stringify(PLAIN_SERVER)}]`,
        '  env:',
        '    FIXTURE_GREETING: "hello ${AGENT_GREETING}"',
        '  cwd: workspace',
        '',
      ].join('\n'),
    );
    gateway = await startGateway({
      env: { WORKERS: 'none', LOCAL_SERVICES_FILE: file, AGENT_GREETING: 'from the gateway', WORKER_RESTART_BASE_MS: '100', WORKER_RESTART_MAX_MS: '400' },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function worker() {
    const { body } = await getJson<{ workers: { name: string; pid: number; state: string; restarts: number; health?: { status: string } }[] }>(`${gateway.url}/health/detailed`);
    return body.workers.find((w) => w.name === 'playwright')!;
  }

  it('moves to a routed service with the tools the server lists; the others stay local', async () => {
    const services = await catalog(gateway);
    expect([...services.keys()]).toEqual(LOCAL);
    const playwright = services.get('playwright')!;
    expect(playwright).toMatchObject({ location: 'server', routed: true, version: '2.3.4', mode: 'live', description: expect.stringMatching(/^Browser automation/) });
    expect(playwright.local).toBeUndefined();
    expect(playwright.tools.map((t) => t.name)).toEqual(['browser_echo', 'whoami', 'fail']);
    expect(playwright.commands.map((c) => c.usage)).toEqual(['/mcp-playwright browser-echo <text>', '/mcp-playwright whoami', '/mcp-playwright fail']);
    for (const name of ['shadcn', 'magicui', 'taskmaster']) expect(services.get(name)).toMatchObject({ location: 'local', routed: false });
  });

  it('answers health by ping', async () => {
    await waitFor(async () => (await worker()).health?.status === 'ok', 10_000, 'the first health check');
    expect((await getJson(`${gateway.url}/health`)).body).toMatchObject({ services: { playwright: 'ok' } });
  });

  it('serves tool calls through mcp.execute (with its env and cwd), slash commands and /mcp/playwright', async () => {
    const echoed = await execute(gateway.url, 'playwright', 'browser_echo', { text: 'hi', times: 2 });
    expect(echoed.status).toBe(200);
    expect(echoed.body.result).toMatchObject({ status: 'success', data: { content: [{ type: 'text', text: 'hi hi' }] }, metadata: { service: 'playwright', tool: 'browser_echo' } });

    const facts = await execute(gateway.url, 'playwright', 'whoami');
    expect(facts.body.result.data).toEqual({ pid: (await worker()).pid, cwd: join(dir, 'workspace'), greeting: 'hello from the gateway' });

    const failed = await execute(gateway.url, 'playwright', 'fail');
    expect(failed.body.error).toMatchObject({ code: -32056, message: 'the fixture failed on purpose' });

    const slash = await postJson(`${gateway.url}/mcp/execute`, { command: '/mcp-playwright browser-echo "two words" --times=3' });
    expect(slash.status).toBe(200);
    expect(slash.body.data).toEqual({ content: [{ type: 'text', text: 'two words two words two words' }] });

    const own = await mcpClient(gateway, '/mcp/playwright');
    try {
      expect(own.getServerVersion()).toMatchObject({ name: 'plain-fixture', version: '2.3.4' });
      expect((await own.listTools()).tools.map((t) => t.name)).toEqual(['browser_echo', 'whoami', 'fail']);
      const result = await own.callTool({ name: 'browser_echo', arguments: { text: 'front' } });
      expect(result.content).toEqual([{ type: 'text', text: 'front' }]);
    } finally {
      await own.close();
    }
    const aggregate = await mcpClient(gateway, '/mcp');
    try {
      const result = await aggregate.callTool({ name: 'playwright__browser_echo', arguments: { text: 'aggregate' } });
      expect(result.content).toEqual([{ type: 'text', text: 'aggregate' }]);
    } finally {
      await aggregate.close();
    }
  });

  it('is restarted when it dies, and serves calls again', async () => {
    const before = await worker();
    expect(before.state).toBe('ready');
    process.kill(before.pid, 'SIGKILL');
    await waitFor(async () => {
      const now = await worker();
      return now.state === 'ready' && now.pid !== before.pid;
    }, 15_000, 'the plain server to be restarted');
    expect((await worker()).restarts).toBe(before.restarts + 1);
    const after = await execute(gateway.url, 'playwright', 'whoami');
    expect(after.status).toBe(200);
    expect(after.body.result.data.pid).toBe((await worker()).pid);
  });
});

describe('a LOCAL_SERVICES_FILE naming something else', () => {
  it('stops start-up saying which names are allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgw-local-refs-bad-'));
    const file = join(dir, 'local-services.yaml');
    writeFileSync(file, 'github:\n  command: npx\n');
    try {
      const started = startGateway({ env: { WORKERS: 'none', LOCAL_SERVICES_FILE: file }, timeoutMs: 15_000 });
      await expect(started).rejects.toThrow(/"github" is not a local reference; this file accepts only playwright, shadcn, magicui, taskmaster/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
