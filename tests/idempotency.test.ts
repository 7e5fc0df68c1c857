import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  REDIS_URL,
  TEST_WORKER_ENTRY,
  deleteRedisKeys,
  metricValue,
  postJson,
  scrape,
  startGateway,
  startTcpProxy,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/**
 * Idempotency keys across replicas (issue 7 §3, security.md D2): gateways sharing one Redis, each
 * with its own test worker process, so an execution shows in exactly one worker's counters.
 */
const prefix = testRedisPrefix();
const shared = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, REDIS_URL, REDIS_KEY_PREFIX: prefix };
let a: GatewayProcess;
let b: GatewayProcess;
/** Stores results for 1 s only. */
let shortLived: GatewayProcess;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [a, b, shortLived] = await Promise.all([startGateway({ env: shared }), startGateway({ env: shared }), startGateway({ env: { ...shared, IDEMPOTENCY_TTL_MS: '1000' } })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), shortLived?.stop()]);
  for (const cleanup of cleanups.reverse()) await cleanup();
  await deleteRedisKeys(prefix);
});

let n = 0;
const freshKey = (): string => `idem-${process.pid}-${Date.now()}-${++n}`;
const execute = (gateway: GatewayProcess, tool: string, args: Record<string, unknown>, idempotencyKey?: string) =>
  postJson(`${gateway.url}/mcp/rpc`, {
    jsonrpc: '2.0',
    id: 1,
    method: 'mcp.execute',
    params: { service: 'echo', tool, arguments: args, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) },
  });
const completedSleeps = async (gateway: GatewayProcess): Promise<number> => (await execute(gateway, 'worker_stats', {})).body.result.data.completedSleeps as number;
/** The result without what differs per answer (this request's id, the replay mark). */
const essence = (result: { metadata: Record<string, unknown> }) => {
  const { requestId: _r, idempotent: _i, ...metadata } = result.metadata;
  return { ...result, metadata };
};

describe('idempotency keys on replicas sharing Redis', () => {
  it('runs parallel same-key calls spread over two replicas exactly once; the others get its result or 409', async () => {
    const key = freshKey();
    const before = (await completedSleeps(a)) + (await completedSleeps(b));
    const missesBefore = await Promise.all([a, b].map(async (g) => metricValue(await scrape(g.metricsUrl), 'mcp_idempotency_misses_total')));

    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => execute(i % 2 === 0 ? a : b, 'sleep', { ms: 300 }, key)));
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    const ok = answers.filter((r) => r.status === 200).map((r) => r.body.result);
    const executed = ok.filter((r) => r.metadata.idempotent === undefined);
    expect(executed).toHaveLength(1);
    for (const result of ok) expect(essence(result)).toEqual(essence(executed[0]));
    for (const conflict of answers.filter((r) => r.status === 409)) {
      expect(conflict.headers.get('retry-after')).toBe('1');
      expect(conflict.body.error).toMatchObject({ code: -32017, data: { name: 'IDEMPOTENCY_IN_FLIGHT' } });
    }

    // Once done, each replica answers the same request with the stored result.
    for (const gateway of [a, b]) {
      const replay = await execute(gateway, 'sleep', { ms: 300 }, key);
      expect(replay.status).toBe(200);
      expect(replay.body.result.metadata.idempotent).toBe('replayed');
      expect(essence(replay.body.result)).toEqual(essence(executed[0]));
    }
    expect((await completedSleeps(a)) + (await completedSleeps(b))).toBe(before + 1);
    const missesAfter = await Promise.all([a, b].map(async (g) => metricValue(await scrape(g.metricsUrl), 'mcp_idempotency_misses_total')));
    // One miss (the execution) over both replicas; every other answer was a replay (hit) or a 409.
    expect(missesAfter[0]! + missesAfter[1]! - missesBefore[0]! - missesBefore[1]!).toBe(1);
    const hits = await Promise.all([a, b].map(async (g) => metricValue(await scrape(g.metricsUrl), 'mcp_idempotency_hits_total', { endpoint: 'rpc' })));
    expect(hits[0]! + hits[1]!).toBeGreaterThanOrEqual(2);
  });

  it('answers 422 on the other replica for the same key with a different body', async () => {
    const key = freshKey();
    expect((await execute(a, 'echo', { message: 'one' }, key)).status).toBe(200);
    const reused = await execute(b, 'echo', { message: 'two' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: -32016, data: { name: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('runs the key again once IDEMPOTENCY_TTL_MS has passed', async () => {
    const key = freshKey();
    const before = await completedSleeps(shortLived);
    expect((await execute(shortLived, 'sleep', { ms: 1 }, key)).body.result.metadata.idempotent).toBeUndefined();
    // Replayed until the stored result expires; then the same request executes again.
    await waitFor(async () => (await execute(shortLived, 'sleep', { ms: 1 }, key)).body.result.metadata.idempotent === undefined, 15_000, 'the stored result to expire');
    expect(await completedSleeps(shortLived)).toBe(before + 2);
  });
});

describe('idempotency with Redis unreachable', () => {
  it('refuses calls with a key (503 IDEMPOTENCY_UNAVAILABLE) while calls without one keep working', async () => {
    const redis = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ target: { host: redis.hostname, port: Number(redis.port || 6379) } });
    const ownPrefix = testRedisPrefix();
    cleanups.push(() => proxy.close(), () => deleteRedisKeys(ownPrefix));
    const gateway = await startGateway({ env: { ...shared, REDIS_URL: proxy.url('redis'), REDIS_KEY_PREFIX: ownPrefix } });
    cleanups.push(() => gateway.stop());
    expect((await execute(gateway, 'echo', { message: 'up' }, freshKey())).status).toBe(200);

    proxy.cut();
    const refused = await execute(gateway, 'echo', { message: 'down' }, freshKey());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.error).toMatchObject({ code: -32018, data: { name: 'IDEMPOTENCY_UNAVAILABLE' } });
    expect(JSON.stringify(refused.body)).not.toMatch(/redis:\/\/|ECONNREFUSED|at .*\.js/);
    expect((await execute(gateway, 'echo', { message: 'no key' })).status).toBe(200);

    proxy.restore();
    await waitFor(async () => (await execute(gateway, 'echo', { message: 'back' }, freshKey())).status === 200, 15_000, 'idempotency back on Redis');
  });
});
