import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  TEST_WORKER_ENTRY,
  execute,
  getJson,
  metricValue,
  scrape,
  startGateway,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/**
 * The gateway as a real process with the test worker as a real child process: crashes, hangs,
 * the breaker's whole cycle, and the metrics those leave behind.
 */
const echoOnly = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` };

async function workerStatus(gateway: GatewayProcess) {
  const { body } = await getJson<{ workers: { name: string; pid: number; restarts: number; inFlight: number; state: string; breaker: { state: string } }[] }>(
    `${gateway.url}/health/detailed`,
  );
  return body.workers.find((w) => w.name === 'echo')!;
}

describe('a worker killed mid-call', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { ...echoOnly, WORKER_RESTART_BASE_MS: '100', WORKER_RESTART_MAX_MS: '400' } });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('fails the calls in flight at once, restarts the worker, and serves the next calls', async () => {
    const before = await workerStatus(gateway);
    const inFlight = Array.from({ length: 5 }, () => execute(gateway.url, 'echo', 'sleep', { ms: 20_000 }));
    await waitFor(async () => (await workerStatus(gateway)).inFlight === 5, 5_000, 'five calls in flight');

    // The calls sleep 20 s and the timeout is 30 s: WORKER_CRASHED (not a timeout, not success)
    // shows they were failed by the crash itself.
    process.kill(before.pid, 'SIGKILL');
    const results = await Promise.all(inFlight);
    for (const result of results) {
      expect(result.status).toBe(502);
      expect(result.body.error).toMatchObject({ code: -32054, message: expect.stringMatching(/exited \(SIGKILL\) while the call was in flight; it is being restarted/) });
    }

    await waitFor(async () => (await fetch(`${gateway.url}/ready`)).status === 200, 10_000, 'the worker to come back');
    const after = await workerStatus(gateway);
    expect(after).toMatchObject({ state: 'ready', restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
    const next = await execute(gateway.url, 'echo', 'echo', { message: 'back' });
    expect(next.status).toBe(200);
    expect(next.body.result.data).toEqual({ echo: { message: 'back' } });

    const samples = await scrape(gateway.metricsUrl);
    expect(metricValue(samples, 'mcp_worker_restarts_total', { service: 'echo' })).toBe(1);
    expect(metricValue(samples, 'mcp_connector_errors_total', { service: 'echo', code: 'WORKER_CRASHED' })).toBe(5);
    expect(metricValue(samples, 'mcp_worker_up', { service: 'echo' })).toBe(1);
  });

});

describe('a worker waiting to be restarted', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    // A long back-off leaves a window in which the worker is certainly down.
    gateway = await startGateway({ env: { ...echoOnly, WORKER_RESTART_BASE_MS: '3000', WORKER_RESTART_MAX_MS: '6000' } });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('answers WORKER_UNAVAILABLE with Retry-After, and /ready says which worker it waits for', async () => {
    const { pid } = await workerStatus(gateway);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await workerStatus(gateway)).state === 'restarting', 5_000, 'the gateway to notice the exit');
    const response = await execute(gateway.url, 'echo', 'echo');
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({ code: -32050, message: expect.stringMatching(/echo is restarting; retry in \d+ s/) });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const ready = await getJson(`${gateway.url}/ready`);
    expect(ready).toMatchObject({ status: 503, body: { waitingFor: ['echo'] } });
    await waitFor(async () => (await fetch(`${gateway.url}/ready`)).status === 200, 10_000, 'the worker to come back');
  });
});

describe('a worker that hangs', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({
      env: { ...echoOnly, DEFAULT_TIMEOUT_MS: '300', BREAKER_RESET_TIMEOUT_MS: '3000', BREAKER_VOLUME_THRESHOLD: '10' },
    });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('times calls out, opens the breaker, fails fast while open, then half-opens and closes', async () => {
    const baseline = await scrape(gateway.metricsUrl);
    expect(metricValue(baseline, 'mcp_circuit_breaker_state', { service: 'echo' })).toBe(0);
    const cancelledBefore = (await execute(gateway.url, 'echo', 'worker_stats')).body.result.data.cancelled as number;

    const hung = await Promise.all(Array.from({ length: 10 }, () => execute(gateway.url, 'echo', 'sleep', { ms: 30_000 })));
    for (const result of hung) {
      expect(result.status).toBe(504);
      expect(result.body.error).toMatchObject({ code: -32053, message: expect.stringMatching(/did not answer within 300 ms; the call was cancelled/) });
    }
    expect((await workerStatus(gateway)).breaker.state).toBe('open');

    // CIRCUIT_OPEN comes only from the breaker refusing the call before it reaches the worker.
    const rejected = await execute(gateway.url, 'echo', 'echo');
    expect(rejected.status).toBe(503);
    expect(rejected.body.error.code).toBe(-32051);
    expect(Number(rejected.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const open = await scrape(gateway.metricsUrl);
    expect(metricValue(open, 'mcp_circuit_breaker_state', { service: 'echo' })).toBe(2);
    expect(metricValue(open, 'mcp_circuit_breaker_opened_total', { service: 'echo' })).toBe(1);
    expect(metricValue(open, 'mcp_connector_errors_total', { service: 'echo', code: 'WORKER_TIMEOUT' })).toBe(10);

    await waitFor(async () => (await workerStatus(gateway)).breaker.state === 'half-open', 5_000, 'half-open');
    const probe = await execute(gateway.url, 'echo', 'worker_stats');
    expect(probe.status).toBe(200);
    // The timed-out calls were cancelled inside the worker, not left running.
    expect(probe.body.result.data.cancelled).toBe(cancelledBefore + 10);
    expect((await workerStatus(gateway)).breaker.state).toBe('closed');
    expect(metricValue(await scrape(gateway.metricsUrl), 'mcp_circuit_breaker_state', { service: 'echo' })).toBe(0);
  });
});

describe('metrics', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: echoOnly });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('change by exactly the calls made', async () => {
    const before = await scrape(gateway.metricsUrl);
    for (let i = 0; i < 7; i++) expect((await execute(gateway.url, 'echo', 'echo', { message: `m${i}` })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await execute(gateway.url, 'echo', 'fail')).status).toBe(422);
    expect((await execute(gateway.url, 'echo', 'nope')).status).toBe(404);
    const after = await scrape(gateway.metricsUrl);
    const delta = (name: string, labels: Record<string, string>) => metricValue(after, name, labels) - metricValue(before, name, labels);

    expect(delta('mcp_operation_total', { service: 'echo', tool: 'echo', status: 'success' })).toBe(7);
    expect(delta('mcp_operation_total', { service: 'echo', tool: 'fail', status: 'error' })).toBe(2);
    expect(delta('mcp_operation_duration_seconds_count', { service: 'echo', tool: 'echo', status: 'success' })).toBe(7);
    expect(delta('mcp_token_usage_total', { service: 'echo', tool: 'echo' })).toBe(35);
    expect(delta('mcp_requests_total', { endpoint: 'rpc', method: 'mcp.execute' })).toBe(10);
    expect(delta('mcp_requests_failed_total', { endpoint: 'rpc', code: 'TOOL_FAILED' })).toBe(2);
    expect(delta('mcp_requests_failed_total', { endpoint: 'rpc', code: 'TOOL_NOT_FOUND' })).toBe(1);
    expect(delta('mcp_connector_requests_total', { service: 'echo', status: 'success' })).toBe(7);
    expect(delta('mcp_connector_requests_total', { service: 'echo', status: 'error' })).toBe(2);
    expect(delta('http_request_duration_seconds_count', { route: '/mcp/rpc', method: 'POST' })).toBe(10);
    // Labels stay bounded: the unknown tool never became a series.
    expect(after.some((s) => s.labels['tool'] === 'nope')).toBe(false);
  });
});

describe('a client that disconnects mid-call', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: echoOnly });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('has its call cancelled inside the worker (security.md F4)', async () => {
    const cancelledBefore = (await execute(gateway.url, 'echo', 'worker_stats')).body.result.data.cancelled as number;
    const { port } = new URL(gateway.url);
    const req = request({ host: '127.0.0.1', port: Number(port), path: '/mcp/rpc', method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'sleep', arguments: { ms: 20_000 } } }));
    await waitFor(async () => (await workerStatus(gateway)).inFlight === 1, 5_000, 'the call to reach the worker');
    req.destroy();
    await waitFor(
      async () => (await execute(gateway.url, 'echo', 'worker_stats')).body.result.data.cancelled === cancelledBefore + 1,
      5_000,
      'the worker to see the cancellation',
    );
    expect((await workerStatus(gateway)).inFlight).toBe(0);
  });
});
