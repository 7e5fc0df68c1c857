import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CONFORMANCE_WORKER_ENTRY,
  DATABASE_URL,
  REPO_ROOT,
  TEST_WORKER_ENTRY,
  listConformanceServerScenarios,
  runConformanceServerSuite,
  runMcpgw,
  startGateway,
  startHeaderProxy,
  type ConformanceCheck,
  type GatewayProcess,
  type HeaderProxy,
} from '@mcpgw/test-support';

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, pinned to 0.1.13, the last
 * release that runs on Node 20) against the gateway, through the front door: the localhost bypass
 * is off, and every request carries an API key (the suite cannot send headers, so a proxy on
 * 127.0.0.1 adds X-MCP-Key and passes everything else — Host and Origin included — unchanged).
 */

/** Scenarios that could not pass, with the reason. Empty: every scenario passes. */
const EXPECTED_FAILURES = new Map<string, string>();

/**
 * Scenarios that need no fixture names, also run against the aggregate /mcp (where the fixture's
 * tools and prompts are named conformance__<name>; resource URIs keep the worker's own).
 */
const AGGREGATE_SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'server-sse-polling',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

/**
 * The inspector's CLI mode (`npx @modelcontextprotocol/inspector --cli` runs exactly this package;
 * 0.21.2 is the newest whose CLI runs on Node 20). It finds its own package.json by testing
 * `../package.json` against the *working directory*, so it runs from a directory whose parent
 * holds one (tests/fixtures → tests/package.json).
 */
const INSPECTOR_CLI = `${REPO_ROOT}tests/node_modules/@modelcontextprotocol/inspector-cli/build/index.js`;
const INSPECTOR_CWD = `${REPO_ROOT}tests/fixtures`;

let gateway: GatewayProcess;
let proxy: HeaderProxy;
let key: string;

beforeAll(async () => {
  gateway = await startGateway({
    env: { WORKERS: 'none', EXTRA_WORKERS: `conformance=${CONFORMANCE_WORKER_ENTRY},echo=${TEST_WORKER_ENTRY}`, LOCALHOST_BYPASS: 'false' },
  });
  const created = await runMcpgw(['keys', 'create', '--name', 'conformance-suite', '--scopes', '*', '--json'], { DATABASE_URL, DATABASE_SCHEMA: gateway.schema! });
  expect(created.code).toBe(0);
  key = (JSON.parse(created.stdout) as { key: string }).key;
  proxy = await startHeaderProxy({ target: gateway.url, headers: { 'x-mcp-key': key } });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await gateway?.stop();
});

function failures(results: Map<string, ConformanceCheck[]>, scenarios: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const scenario of scenarios) {
    const checks = results.get(scenario);
    if (!checks) {
      out[scenario] = ['the scenario did not run'];
      continue;
    }
    const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${c.status} ${c.name}: ${c.errorMessage ?? c.description}`);
    if (bad.length > 0) out[scenario] = bad;
  }
  return out;
}

describe('MCP conformance through the gateway', () => {
  it('refuses the endpoints without a credential (the bypass is off)', async () => {
    for (const path of ['/mcp', '/mcp/conformance']) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32010 } });
    }
  });

  it('passes every server scenario of the suite on /mcp/<fixture>', async () => {
    const scenarios = await listConformanceServerScenarios();
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
    const results = await runConformanceServerSuite(`${proxy.url}/mcp/conformance`);
    const failed = failures(results, scenarios.filter((s) => !EXPECTED_FAILURES.has(s)));
    expect(failed).toEqual({});
    // An expected failure that passes again must leave the list.
    expect(Object.keys(failures(results, [...EXPECTED_FAILURES.keys()]))).toEqual([...EXPECTED_FAILURES.keys()]);
  }, 180_000);

  it('passes the scenarios that need no fixture names on the aggregate /mcp', async () => {
    const results = await runConformanceServerSuite(`${proxy.url}/mcp`);
    expect(failures(results, AGGREGATE_SCENARIOS)).toEqual({});
    // The fixture-named ones fail there only because the names are namespaced: the tool is reachable as conformance__<name>.
    expect(results.get('tools-call-simple-text')?.some((c) => c.status === 'FAILURE')).toBe(true);
  }, 180_000);
});

function inspector(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [INSPECTOR_CLI, `${gateway.url}/mcp`, '--transport', 'http', '--header', `X-MCP-Key: ${key}`, ...args], {
      cwd: INSPECTOR_CWD,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the MCP inspector CLI against /mcp', () => {
  it('lists the tools and calls one, with an X-MCP-Key header', async () => {
    const list = await inspector(['--method', 'tools/list']);
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo__echo', 'conformance__test_simple_text']));
    const call = await inspector(['--method', 'tools/call', '--tool-name', 'echo__echo', '--tool-arg', 'message=hello inspector']);
    expect(call.code).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ structuredContent: { echo: { message: 'hello inspector' } } });
  }, 60_000);

  it('is refused without the key', async () => {
    const child = spawn(process.execPath, [INSPECTOR_CLI, `${gateway.url}/mcp`, '--transport', 'http', '--method', 'tools/list'], { cwd: INSPECTOR_CWD });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(out).toMatch(/-32010|X-MCP-Key|401/);
  }, 60_000);
});
