import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CLI_ENTRY,
  DATABASE_URL,
  NEUTRAL_CWD,
  TEST_WORKER_ENTRY,
  runMcpgw,
  startGateway,
  testStoreEnv,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/**
 * `mcpgw stdio` against a real gateway: relaying to a running one with an API key (aggregate
 * `/mcp` and one service's `/mcp/<service>`), and starting one in its own process, where stdout
 * must carry nothing but MCP messages.
 */

let gateway: GatewayProcess;
let key: string;
beforeAll(async () => {
  gateway = await startGateway({ env: { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, LOCALHOST_BYPASS: 'false' } });
  const created = await runMcpgw(['keys', 'create', '--name', 'stdio-agent', '--scopes', 'echo'], { DATABASE_URL, DATABASE_SCHEMA: gateway.schema! });
  expect(created.code).toBe(0);
  key = created.stdout.trim();
});
afterAll(async () => {
  await gateway.stop();
});

/** An SDK client that launches `mcpgw stdio <args>` as a desktop client would. */
async function connect(args: string[], env: Record<string, string> = {}): Promise<{ client: Client; stderr: () => string; close: () => Promise<void> }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_ENTRY, 'stdio', ...args], env, cwd: NEUTRAL_CWD, stderr: 'pipe' });
  let stderr = '';
  transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-bridge-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

describe('mcpgw stdio --url <a running gateway>', () => {
  it('lists and calls every service the key may use as <service>__<tool>, with the key from MCPGW_KEY', async () => {
    const { client, stderr, close } = await connect(['--url', gateway.url], { MCPGW_KEY: key });
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('echo__echo');
      const result = await client.callTool({ name: 'echo__echo', arguments: { message: 'through the bridge' } });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.content)).toContain('through the bridge');
      expect(stderr()).toBe('');
    } finally {
      await close();
    }
  });

  it('serves one service unprefixed with --service, the key from --key', async () => {
    const { client, close } = await connect(['--url', gateway.url, '--service', 'echo', '--key', key]);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('echo');
      expect(tools).not.toContain('echo__echo');
      const result = await client.callTool({ name: 'echo', arguments: { message: 'one service' } });
      expect(JSON.stringify(result.content)).toContain('one service');
    } finally {
      await close();
    }
  });

  it('without a key, answers initialize with UNAUTHENTICATED and says on stderr to pass --key or MCPGW_KEY', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_ENTRY, 'stdio', '--url', gateway.url], cwd: NEUTRAL_CWD, stderr: 'pipe' });
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'stdio-bridge-test', version: '1.0.0' });
    await expect(client.connect(transport)).rejects.toMatchObject({ code: -32010 });
    await waitFor(() => /MCPGW_KEY/.test(stderr), 10_000, 'the hint on stderr');
    expect(stderr).toMatch(/HTTP 401 on initialize.*--key KEY/);
    expect(stderr).not.toContain(key);
    await transport.close();
  });
});

describe('mcpgw stdio (a gateway in its own process)', () => {
  it('starts a gateway with its workers, relays to it over loopback, writes only MCP messages on stdout, and stops it when stdin closes', async () => {
    const store = testStoreEnv();
    try {
      const child = spawn(process.execPath, [CLI_ENTRY, 'stdio'], {
        cwd: NEUTRAL_CWD,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...store.env, WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, LOG_LEVEL: 'debug' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
      const lines = () => stdout.split('\n').filter(Boolean);

      send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
      await waitFor(() => lines().length >= 1, 30_000, 'the answer to initialize');
      send({ method: 'notifications/initialized' });
      send({ id: 2, method: 'tools/list' });
      send({ id: 3, method: 'tools/call', params: { name: 'echo__echo', arguments: { message: 'in-process' } } });
      await waitFor(() => lines().length >= 3, 30_000, 'the answers to tools/list and tools/call');
      child.stdin.end();
      expect(await exited).toEqual({ code: 0, signal: null });

      const messages = lines().map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: unknown; error?: unknown });
      for (const message of messages) expect(message.jsonrpc).toBe('2.0');
      expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
      expect(messages[0]).toMatchObject({ result: { serverInfo: expect.any(Object) } });
      expect(JSON.stringify(messages[1]!.result)).toContain('echo__echo');
      expect(JSON.stringify(messages[2]!.result)).toContain('in-process');
      // The gateway's log (at debug: a line per request too) and its worker's went to stderr.
      expect(stderr).toContain('gateway running in this process');
      expect(stderr).toContain('the gateway in this process stopped');
    } finally {
      await store.cleanup();
    }
  });

  it('refuses bad usage and a bad configuration before starting anything', async () => {
    expect(await runMcpgw(['stdio', '--service', 'Not_A_Service'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/--service "Not_A_Service" is not a service name/) });
    expect(await runMcpgw(['stdio', '--url', 'ftp://example.com'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/--url "ftp:\/\/example.com" is not an http\(s\) URL/) });
    expect(await runMcpgw(['stdio', '--frobnicate'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/usage: mcpgw stdio/) });
    expect(await runMcpgw(['stdio'], { METRICS_PORT: 'x' })).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/METRICS_PORT="x"/) });
  });
});
