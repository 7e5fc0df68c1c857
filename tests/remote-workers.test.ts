import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  NEUTRAL_CWD,
  TEST_WORKER_ENTRY,
  execute,
  getJson,
  metricValue,
  scrape,
  startGateway,
  startHttpWorker,
  waitFor,
  type GatewayProcess,
  type HttpWorkerProcess,
} from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * Remote workers (WORKER_URLS): the test worker runs as its own process serving Streamable HTTP
 * with WORKER_AUTH_TOKEN, and the gateway reaches it at its URL, with the same breaker, limits,
 * relays and supervision as a local worker.
 */
const TOKEN = 'remote-worker-test-token-0123456789abcdef';

interface WorkerStatus {
  name: string;
  state: string;
  pid?: number;
  url?: string;
  restarts: number;
  inFlight: number;
  lastError?: string;
  breaker: { state: string };
}

async function echoStatus(gateway: GatewayProcess): Promise<WorkerStatus> {
  const { body } = await getJson<{ workers: WorkerStatus[] }>(`${gateway.url}/health/detailed`);
  return body.workers.find((w) => w.name === 'echo')!;
}

function remoteGateway(url: string, token: string, extra: Record<string, string> = {}, waitReady = true): Promise<GatewayProcess> {
  return startGateway({
    waitReady,
    env: {
      WORKERS: 'none',
      WORKER_URLS: `echo=${url}`,
      WORKER_AUTH_TOKEN: token,
      WORKER_RESTART_BASE_MS: '100',
      WORKER_RESTART_MAX_MS: '400',
      ...extra,
    },
  });
}

describe('a worker-kit worker reached over Streamable HTTP', () => {
  let worker: HttpWorkerProcess;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    worker = await startHttpWorker(TEST_WORKER_ENTRY, { env: { WORKER_AUTH_TOKEN: TOKEN } });
    gateway = await remoteGateway(worker.url, TOKEN, { BREAKER_VOLUME_THRESHOLD: '10', BREAKER_RESET_TIMEOUT_MS: '500' });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await worker?.stop();
  });

  it('calls its tools through /rpc and lists them in the catalog', async () => {
    const result = await execute(gateway.url, 'echo', 'echo', { message: 'over http' });
    expect(result.status).toBe(200);
    expect(result.body.result.data).toEqual({ echo: { message: 'over http' } });
    const catalog = await getJson<{ services: { name: string; tools: { name: string }[] }[] }>(`${gateway.url}/mcp/catalog`);
    const echo = catalog.body.services.find((s) => s.name === 'echo')!;
    expect(echo.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'sleep', 'progress_steps']));
  });

  it('relays progress to an MCP client of /mcp', async () => {
    const client = new Client({ name: 'remote-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`)));
    try {
      const progress: number[] = [];
      const result = await client.callTool({ name: 'echo__progress_steps', arguments: { steps: 3, delayMs: 10 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
      expect(result.structuredContent).toEqual({ steps: 3 });
      expect(progress).toEqual([1, 2, 3]);
    } finally {
      await client.close();
    }
  });

  it('answers a call whose tool closes its SSE stream mid-call (the gateway resumes it with Last-Event-ID)', async () => {
    const result = await execute(gateway.url, 'echo', 'close_stream', { delayMs: 50 });
    expect(result.status).toBe(200);
    expect(result.body.result.data).toEqual({ closed: true });
    expect((await echoStatus(gateway)).state).toBe('ready');
  });

  it('shows the URL, no pid and never the token in /health/detailed', async () => {
    const response = await fetch(`${gateway.url}/health/detailed`);
    const text = await response.text();
    expect(text).not.toContain(TOKEN);
    const status = await echoStatus(gateway);
    expect(status).toMatchObject({ state: 'ready', url: worker.url });
    expect(status.pid).toBeUndefined();
    expect(gateway.output.join('\n')).not.toContain(TOKEN);
  });

  it('fails calls in flight at once when the worker dies, opens the breaker, and reconnects when it is back', async () => {
    const inFlight = Array.from({ length: 10 }, () => execute(gateway.url, 'echo', 'sleep', { ms: 60_000 }));
    await waitFor(async () => (await echoStatus(gateway)).inFlight === 10, 10_000, 'ten calls in flight');

    // The calls sleep 60 s and the timeout is 30 s: WORKER_CRASHED shows the lost connection failed them.
    await worker.stop('SIGKILL');
    const results = await Promise.all(inFlight);
    for (const result of results) {
      expect(result.status).toBe(502);
      expect(result.body.error).toMatchObject({ code: -32054, message: expect.stringMatching(/connection to the remote worker echo was lost/) });
    }
    expect((await echoStatus(gateway)).breaker.state).toBe('open');
    const refused = await execute(gateway.url, 'echo', 'echo');
    expect(refused.status).toBe(503);
    expect([-32050, -32051]).toContain(refused.body.error.code);
    await waitFor(async () => (await echoStatus(gateway)).state === 'restarting', 10_000, 'the gateway to notice');
    expect(metricValue(await scrape(gateway.metricsUrl), 'mcp_worker_up', { service: 'echo' })).toBe(0);

    worker = await startHttpWorker(TEST_WORKER_ENTRY, { port: worker.port, env: { WORKER_AUTH_TOKEN: TOKEN } });
    await waitFor(async () => (await echoStatus(gateway)).state === 'ready', 15_000, 'the gateway to reconnect');
    await waitFor(async () => (await execute(gateway.url, 'echo', 'echo', { message: 'back' })).status === 200, 10_000, 'calls to work again');
    const samples = await scrape(gateway.metricsUrl);
    expect(metricValue(samples, 'mcp_worker_restarts_total', { service: 'echo' })).toBeGreaterThan(0);
    expect(metricValue(samples, 'mcp_worker_up', { service: 'echo' })).toBe(1);
    expect((await echoStatus(gateway)).restarts).toBeGreaterThan(0);
  }, 60_000);
});

describe('a remote worker announcing a health change', () => {
  let worker: HttpWorkerProcess;
  let gateway: GatewayProcess;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remote-health-'));
    worker = await startHttpWorker(TEST_WORKER_ENTRY, { env: { WORKER_AUTH_TOKEN: TOKEN, ECHO_READY_FILE: join(dir, 'ready') } });
    // Health is polled once an hour: only the worker's notification on the GET stream can update it.
    gateway = await remoteGateway(worker.url, TOKEN, { HEALTH_CHECK_INTERVAL_MS: '3600000' }, false);
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await worker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reaches the gateway over the standalone GET stream (mcpgw/healthChanged)', async () => {
    // /health shows the last report it has (/health/detailed would ask the worker afresh).
    const health = async () => (await getJson<{ services: Record<string, string> }>(`${gateway.url}/health`)).body.services['echo'];
    await waitFor(async () => (await health()) === 'degraded', 15_000, 'the worker to report it is starting');
    await writeFile(join(dir, 'ready'), 'ready');
    await waitFor(async () => (await health()) === 'ok', 15_000, 'the health change to reach the gateway');
  }, 40_000);
});

describe('a remote worker that refuses the gateway', () => {
  let worker: HttpWorkerProcess;
  let gateway: GatewayProcess | undefined;
  let redirector: Server;
  let redirected = 0;
  beforeAll(async () => {
    worker = await startHttpWorker(TEST_WORKER_ENTRY, { env: { WORKER_AUTH_TOKEN: TOKEN } });
    redirector = createServer((req, res) => {
      redirected++;
      res.writeHead(307, { location: worker.url }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await gateway?.stop();
    await worker?.stop();
    await new Promise((resolve) => redirector.close(resolve));
  });

  it('keeps a worker whose token is refused not ready, says so, and answers WORKER_UNAVAILABLE', async () => {
    gateway = await remoteGateway(worker.url, 'a-different-token-that-the-worker-refuses', {}, false);
    await waitFor(async () => /refused the gateway's token \(HTTP 401\)/.test((await echoStatus(gateway!)).lastError ?? ''), 15_000, 'the refusal');
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(503);
    const call = await execute(gateway.url, 'echo', 'echo');
    expect(call.status).toBe(503);
    expect(call.body.error.code).toBe(-32050);
    await gateway.stop();
    gateway = undefined;
  }, 30_000);

  it('never follows a redirect', async () => {
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/mcp`;
    gateway = await remoteGateway(url, TOKEN, {}, false);
    await waitFor(async () => /redirect \(HTTP 307\); the gateway never follows redirects/.test((await echoStatus(gateway!)).lastError ?? ''), 15_000, 'the refusal');
    expect(redirected).toBeGreaterThan(0);
    expect((await echoStatus(gateway)).state).not.toBe('ready');
    expect((await execute(gateway.url, 'echo', 'echo')).body.error.code).toBe(-32050);
  }, 30_000);
});

describe('a worker asked to serve HTTP off loopback', () => {
  it('refuses to start without WORKER_AUTH_TOKEN (exit 2)', async () => {
    const child = spawn(process.execPath, [TEST_WORKER_ENTRY, '--http', '0', '--host', '0.0.0.0'], {
      cwd: NEUTRAL_CWD,
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/refusing to serve MCP on 0\.0\.0\.0 without a token: set WORKER_AUTH_TOKEN/);
  });
});
