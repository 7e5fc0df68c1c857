import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DATABASE_URL,
  REPO_ROOT,
  TEST_WORKER_ENTRY,
  createNetns,
  metricValue,
  postJson,
  scrape,
  startGateway,
  waitFor,
  type GatewayProcess,
  type Netns,
  type NetnsResponse,
} from '@mcpgw/test-support';

/**
 * The front door seen from a real non-loopback peer (security A1, A2, A5): the gateway listens on
 * the host end of a veth pair and every call comes from inside a network namespace, so the socket
 * peer is the namespace's address. Forwarded headers must not turn such a peer into "localhost".
 */

const CLI = `${REPO_ROOT}apps/gateway/dist/cli.js`;
const WORKER_ENV = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` };
/** The refusal names both ways to authenticate. */
const NEEDS_CREDENTIAL = /X-MCP-Key.*Authorization: Bearer/;
/** A proxy address the tests trust that is never the namespace (which is a random /30 elsewhere). */
const OTHER_PROXY = '10.255.255.1';
const KEY_PATTERN = /^mcp_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

let ns: Netns | undefined;

beforeAll(async () => {
  ns = await createNetns();
}, 60_000);

afterAll(async () => {
  await ns?.destroy();
});

function netns(): Netns {
  if (!ns) throw new Error('no network namespace (createNetns failed; see the first error)');
  return ns;
}

/** A gateway bound to the host end of the veth pair only; URLs use that address. */
interface VethGateway {
  server: GatewayProcess;
  url: string;
  metricsUrl: string;
}

async function startOnVeth(env: Record<string, string> = {}): Promise<VethGateway> {
  const host = netns().hostAddress;
  // startGateway's own readiness check uses 127.0.0.1, where this gateway does not listen.
  const server = await startGateway({ env: { ...WORKER_ENV, HOST: host, ...env }, waitReady: false });
  const url = `http://${host}:${new URL(server.url).port}`;
  // METRICS_HOST follows HOST.
  const metricsUrl = `http://${host}:${new URL(server.metricsUrl).port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 30_000, `${url}/ready`);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n${server.output.join('\n')}`);
  }
  return { server, url, metricsUrl };
}

let nextId = 1;

/** `mcp.execute` echo/echo sent from inside the namespace; checks the call left from the namespace address. */
async function executeFromNamespace(baseUrl: string, headers: Record<string, string> = {}): Promise<NetnsResponse & { id: number }> {
  const id = nextId++;
  const response = await netns().request(`${baseUrl}/mcp/rpc`, {
    method: 'POST',
    headers,
    body: { jsonrpc: '2.0', id, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } },
  });
  expect(response.localAddress).toBe(netns().peerAddress);
  return { ...response, id };
}

function expectEchoed(response: NetnsResponse & { id: number }): void {
  expect({ status: response.status, body: response.json }).toMatchObject({
    status: 200,
    body: { jsonrpc: '2.0', id: response.id, result: { status: 'success', data: { echo: { message: 'hi' } } } },
  });
}

function expectUnauthenticated(response: NetnsResponse & { id: number }): void {
  expect({ status: response.status, body: response.json }).toMatchObject({
    status: 401,
    body: { jsonrpc: '2.0', id: response.id, error: { code: -32010, message: expect.stringMatching(NEEDS_CREDENTIAL) } },
  });
}

/** The gateway CLI against the gateway's own store (same DATABASE_URL and schema). */
function mcpgw(gateway: GatewayProcess, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '', DATABASE_URL, DATABASE_SCHEMA: gateway.schema ?? '', MCPGW_DATA_DIR: gateway.dataDir };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function createKey(gateway: GatewayProcess, name: string): Promise<string> {
  const created = await mcpgw(gateway, ['keys', 'create', '--name', name, '--scopes', 'echo']);
  expect(created.code).toBe(0);
  const key = created.stdout.trim();
  expect(key).toMatch(KEY_PATTERN);
  return key;
}

interface AuditRow {
  agent: string | null;
  authMethod: string;
  service: string | null;
  outcome: string;
  peer: string | null;
  endpoint: string;
}

/** Audit rows (newest 200) read with `mcpgw audit tail --json`, once `ready` accepts them (rows are written asynchronously). */
async function auditRows(gateway: GatewayProcess, ready: (rows: AuditRow[]) => boolean): Promise<AuditRow[]> {
  let rows: AuditRow[] = [];
  await waitFor(
    async () => {
      const tail = await mcpgw(gateway, ['audit', 'tail', '--json', '--limit', '200']);
      if (tail.code !== 0) throw new Error(tail.stderr);
      rows = tail.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditRow);
      return ready(rows);
    },
    15_000,
    'audit rows',
  );
  return rows;
}

describe('a non-loopback peer, default settings (no TRUST_PROXY, no TRUSTED_NETWORKS)', () => {
  let gateway: VethGateway | undefined;
  let key = '';
  beforeAll(async () => {
    gateway = await startOnVeth({ AUTH_FAILURE_MAX: '1000' });
  }, 60_000);
  afterAll(async () => {
    await gateway?.server.stop();
  });
  const url = (): string => gateway!.url;

  it('calls from a real non-loopback address', () => {
    const { peerAddress, hostAddress } = netns();
    expect(peerAddress).not.toMatch(/^127\./);
    expect(peerAddress).not.toBe(hostAddress);
    expect(peerAddress).toMatch(/^(10\.|172\.(1[6-9]|2\d|3[01])\.)/);
  });

  it('refuses a call without a credential: 401, JSON-RPC -32010 with the request id, naming X-MCP-Key and Bearer', async () => {
    expectUnauthenticated(await executeFromNamespace(url()));
  });

  it('ignores X-Forwarded-For, Forwarded and X-Real-IP claiming 127.0.0.1 (TRUST_PROXY unset)', async () => {
    const spoofs: Record<string, string>[] = [
      { 'x-forwarded-for': '127.0.0.1' },
      { forwarded: 'for=127.0.0.1' },
      { 'x-real-ip': '127.0.0.1' },
      { 'x-forwarded-for': '::1' },
      { 'x-forwarded-for': '127.0.0.1, 127.0.0.1', forwarded: 'for=127.0.0.1;proto=http', 'x-real-ip': '127.0.0.1' },
    ];
    for (const headers of spoofs) expectUnauthenticated(await executeFromNamespace(url(), headers));
  });

  it('counts every refused attempt in mcp_auth_failures_total', async () => {
    const before = await scrape(gateway!.metricsUrl);
    expectUnauthenticated(await executeFromNamespace(url()));
    expectUnauthenticated(await executeFromNamespace(url(), { 'x-forwarded-for': '127.0.0.1' }));
    const wrongKey = await executeFromNamespace(url(), { 'x-mcp-key': `mcp_live_${'0'.repeat(12)}_${'A'.repeat(43)}` });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.json.error.code).toBe(-32010);
    const after = await scrape(gateway!.metricsUrl);
    const delta = (labels: Record<string, string>): number => metricValue(after, 'mcp_auth_failures_total', labels) - metricValue(before, 'mcp_auth_failures_total', labels);
    expect(delta({ method: 'none', reason: 'missing' })).toBe(2);
    expect(delta({ method: 'api_key' })).toBe(1);
    expect(metricValue(after, 'mcp_auth_success_total', { method: 'local' })).toBe(0);
  });

  it('accepts a valid API key (created with the CLI) from the namespace', async () => {
    key = await createKey(gateway!.server, 'ns-agent');
    expectEchoed(await executeFromNamespace(url(), { 'x-mcp-key': key }));
    // A forwarded header next to a key changes nothing: the key decides.
    expectEchoed(await executeFromNamespace(url(), { 'x-mcp-key': key, 'x-forwarded-for': '127.0.0.1' }));
  });

  it('audits refusals and calls with the socket peer, never a forwarded address', async () => {
    // Key changes made with the CLI are audited too (endpoint cli, agent cli:<user>); only calls are at issue here.
    const calls = (r: typeof rows) => r.filter((row) => row.endpoint !== 'cli');
    const rows = await auditRows(gateway!.server, (r) => calls(r).some((row) => row.outcome === 'ok') && r.filter((row) => row.outcome === 'unauthenticated').length >= 9);
    const refused = rows.filter((row) => row.outcome === 'unauthenticated');
    expect(refused.length).toBeGreaterThanOrEqual(9);
    for (const row of refused) expect(row.peer).toBe(netns().peerAddress);
    const ok = calls(rows).filter((row) => row.outcome === 'ok');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const row of ok) expect(row).toMatchObject({ agent: 'ns-agent', authMethod: 'api_key', service: 'echo', peer: netns().peerAddress });
    expect(calls(rows).some((row) => row.authMethod === 'local' || row.peer === '127.0.0.1')).toBe(false);
  });
});

describe('TRUST_PROXY names another address; failed attempts are limited per peer', () => {
  let gateway: VethGateway | undefined;
  beforeAll(async () => {
    expect(netns().peerAddress).not.toBe(OTHER_PROXY);
    gateway = await startOnVeth({ TRUST_PROXY: OTHER_PROXY, AUTH_FAILURE_MAX: '3' });
  }, 60_000);
  afterAll(async () => {
    await gateway?.server.stop();
  });
  const url = (): string => gateway!.url;

  it('still refuses a spoofed X-Forwarded-For: 127.0.0.1 from a peer that is not the trusted proxy', async () => {
    expectUnauthenticated(await executeFromNamespace(url(), { 'x-forwarded-for': '127.0.0.1' }));
  });

  it('answers the attempt after AUTH_FAILURE_MAX (3) failures from the same peer with 429 and Retry-After, whatever it forwards', async () => {
    const failed = metricValue(await scrape(gateway!.metricsUrl), 'mcp_auth_failures_total');
    expect(failed).toBeLessThan(3);
    // A different forwarded address on each attempt does not make it a different peer.
    for (let attempt = failed + 1; attempt <= 3; attempt++) {
      expectUnauthenticated(await executeFromNamespace(url(), { 'x-forwarded-for': `10.0.0.${attempt}` }));
    }
    const blocked = await executeFromNamespace(url(), { 'x-forwarded-for': '10.0.0.99' });
    expect(blocked.status).toBe(429);
    expect(blocked.json).toMatchObject({ jsonrpc: '2.0', id: blocked.id, error: { code: -32012 } });
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // The failure window is a sliding window (60 s by default): the oldest failures fade out linearly
    // over the next window, so the wait can exceed one window but never two.
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(blocked.json.error.data).toMatchObject({ limit: 'auth_failures', retryAfter });
    // Blocked before any credential is looked at.
    const withKey = await executeFromNamespace(url(), { 'x-mcp-key': `mcp_live_${'1'.repeat(12)}_${'B'.repeat(43)}` });
    expect(withKey.status).toBe(429);

    const samples = await scrape(gateway!.metricsUrl);
    expect(metricValue(samples, 'mcp_auth_failures_total', { method: 'none', reason: 'missing' })).toBe(3);
    expect(metricValue(samples, 'mcp_auth_failures_total', { reason: 'peer_blocked' })).toBe(2);
    expect(metricValue(samples, 'mcp_rate_limit_exceeded_total', { limit: 'auth_failures' })).toBe(2);
  });

  it('keeps counting per peer: another address (the host end) is refused with 401, not 429', async () => {
    // From this process the gateway's address is local, so the source is the host end of the pair.
    const other = await postJson(`${url()}/mcp/rpc`, { jsonrpc: '2.0', id: 7, method: 'mcp.listServices' });
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ id: 7, error: { code: -32010 } });
  });
});

describe('TRUST_PROXY names the namespace (the peer is a trusted proxy)', () => {
  let gateway: VethGateway | undefined;
  beforeAll(async () => {
    gateway = await startOnVeth({ TRUST_PROXY: netns().peerAddress, AUTH_FAILURE_MAX: '1000' });
  }, 60_000);
  afterAll(async () => {
    await gateway?.server.stop();
  });
  const url = (): string => gateway!.url;

  it('lets in a loopback client the trusted proxy reports (X-Forwarded-For: 127.0.0.1) as local', async () => {
    expectEchoed(await executeFromNamespace(url(), { 'x-forwarded-for': '127.0.0.1' }));
  });

  it('refuses a non-loopback client behind the proxy, and the proxy itself', async () => {
    expectUnauthenticated(await executeFromNamespace(url(), { 'x-forwarded-for': '10.9.9.9' }));
    // The client wrote "127.0.0.1" itself; the proxy appended the real hop: only that one counts.
    expectUnauthenticated(await executeFromNamespace(url(), { 'x-forwarded-for': '127.0.0.1, 10.9.9.9' }));
    // No forwarded header: the caller is the proxy, which is not local.
    expectUnauthenticated(await executeFromNamespace(url()));
  });

  it('records the reported client as the caller: agent local at 127.0.0.1, refusals at the reported address', async () => {
    const admin = await netns().request(`${url()}/admin/audit?limit=200`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(admin.status).toBe(200);
    let rows: AuditRow[] = [];
    await waitFor(
      async () => {
        const page = await netns().request<{ rows: AuditRow[] }>(`${url()}/admin/audit?limit=200`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
        rows = page.json?.rows ?? [];
        return rows.filter((row) => row.outcome === 'unauthenticated').length >= 3 && rows.some((row) => row.outcome === 'ok');
      },
      15_000,
      'audit rows',
    );
    expect(rows.filter((row) => row.outcome === 'ok')).toEqual([expect.objectContaining({ agent: 'local', authMethod: 'local', service: 'echo', peer: '127.0.0.1' })]);
    expect(rows.filter((row) => row.outcome === 'unauthenticated').map((row) => row.peer).sort()).toEqual(['10.9.9.9', '10.9.9.9', netns().peerAddress].sort());
  });
});

describe('TRUSTED_NETWORKS lists the namespace network', () => {
  let gateway: VethGateway | undefined;
  beforeAll(async () => {
    gateway = await startOnVeth({ TRUSTED_NETWORKS: netns().cidr });
  }, 60_000);
  afterAll(async () => {
    await gateway?.server.stop();
  });

  it('lets a caller from the listed network in without credentials, as local (admin scope included)', async () => {
    expectEchoed(await executeFromNamespace(gateway!.url));
    const keys = await netns().request(`${gateway!.url}/admin/keys`);
    expect(keys.status).toBe(200);
    expect(keys.json).toMatchObject({ keys: [] });
    expect(metricValue(await scrape(gateway!.metricsUrl), 'mcp_auth_success_total', { method: 'local' })).toBe(2);
  });
});

describe('LOCALHOST_BYPASS=false on 127.0.0.1', () => {
  let gateway: GatewayProcess | undefined;
  beforeAll(async () => {
    gateway = await startGateway({ env: { ...WORKER_ENV, LOCALHOST_BYPASS: 'false' } });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses a loopback caller without credentials with 401', async () => {
    const call = await postJson(`${gateway!.url}/mcp/rpc`, { jsonrpc: '2.0', id: 41, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } });
    expect(call.status).toBe(401);
    expect(call.body).toMatchObject({ jsonrpc: '2.0', id: 41, error: { code: -32010, message: expect.stringMatching(NEEDS_CREDENTIAL) } });
    const admin = await fetch(`${gateway!.url}/admin/keys`);
    expect(admin.status).toBe(401);
  });

  it('still accepts a valid API key from loopback', async () => {
    const key = await createKey(gateway!, 'loopback-agent');
    const call = await postJson(`${gateway!.url}/mcp/rpc`, { jsonrpc: '2.0', id: 42, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } }, { 'x-mcp-key': key });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ id: 42, result: { status: 'success', data: { echo: { message: 'hi' } } } });
  });
});
