import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deleteRedisKeys,
  execute,
  McpHttpSession,
  metricValue,
  REDIS_URL,
  rpc,
  scrape,
  startGateway,
  TEST_WORKER_ENTRY,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/**
 * mcp_token_cost_usd_total on every path that counts tokens (JSON-RPC, the MCP front, async jobs):
 * a cost the tool reports wins; else tokens × TOKEN_PRICES_USD; an unpriced tool without a reported
 * cost gets no cost at all. The test worker's `metered` tool reports what it is told to.
 */
const prefix = testRedisPrefix();
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGateway({
    env: {
      WORKERS: 'none',
      EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
      TOKEN_PRICES_USD: 'echo.metered=10',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await deleteRedisKeys(prefix);
});

const metered = { service: 'echo', tool: 'metered' };

describe('mcp_token_cost_usd_total', () => {
  it('counts reported costs, else tokens times the price, on JSON-RPC, MCP and job calls', async () => {
    const before = await scrape(gateway.metricsUrl);
    // tokens × $10 per million: $0.01
    expect((await execute(gateway.url, 'echo', 'metered', { tokens: 1_000 })).status).toBe(200);
    // a reported cost wins over the price: $0.5
    expect((await execute(gateway.url, 'echo', 'metered', { tokens: 1_000, costUsd: 0.5 })).status).toBe(200);
    // the MCP front: the declared 100 tokens, reported $0.25
    const session = new McpHttpSession(`${gateway.url}/mcp`);
    await session.initialize();
    const result = await session.request('tools/call', { name: 'echo__metered', arguments: { costUsd: 0.25 } });
    expect(result['isError']).toBeFalsy();
    // an async job: 2,000 tokens × $10 per million: $0.02
    const submitted = await rpc(gateway.url, 'mcp.submit', { ...metered, arguments: { tokens: 2_000 } });
    const jobId = submitted.body.result.jobId as string;
    await waitFor(async () => (await rpc(gateway.url, 'mcp.getJob', { jobId })).body.result?.status === 'completed', 20_000, 'the job to complete');
    // failed calls cost nothing
    expect((await execute(gateway.url, 'echo', 'metered', { tokens: -1 })).status).toBe(400);

    const after = await scrape(gateway.metricsUrl);
    const delta = (name: string) => metricValue(after, name, metered) - metricValue(before, name, metered);
    expect(delta('mcp_token_usage_total')).toBe(1_000 + 1_000 + 100 + 2_000);
    expect(delta('mcp_token_cost_usd_total')).toBeCloseTo(0.01 + 0.5 + 0.25 + 0.02, 9);
  }, 60_000);

  it('adds no cost for a tool without a price or a reported cost', async () => {
    expect((await execute(gateway.url, 'echo', 'echo', { message: 'free' })).status).toBe(200);
    const samples = await scrape(gateway.metricsUrl);
    expect(metricValue(samples, 'mcp_token_usage_total', { service: 'echo', tool: 'echo' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'mcp_token_cost_usd_total' && s.labels['tool'] === 'echo')).toBe(false);
  });
});
