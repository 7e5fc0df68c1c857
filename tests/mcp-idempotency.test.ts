import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  McpHttpSession,
  REDIS_URL,
  SseReader,
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
import { TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * Idempotency keys on the MCP front (docs/idempotency.md, docs/mcp.md) and
 * `notifications/tasks/status`, on two replicas sharing one Redis (own key prefix), each with its
 * own test worker process, so an execution shows in exactly one worker's counters. Replica `a`
 * consumes no jobs (JOBS_CONSUMER=false): a task created on it runs in `b`'s process, so its
 * status changes reach `a` only through Redis.
 */
const prefix = testRedisPrefix();
const shared = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, REDIS_URL, REDIS_KEY_PREFIX: prefix, WORKER_RESTART_BASE_MS: '200', WORKER_RESTART_MAX_MS: '200' };
let a: GatewayProcess;
let b: GatewayProcess;
const streams: { controller: AbortController; reader: SseReader }[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startGateway({ env: { ...shared, JOBS_CONSUMER: 'false' } }), startGateway({ env: shared })]);
}, 60_000);

afterAll(async () => {
  for (const { controller, reader } of streams) {
    controller.abort();
    await reader.cancel();
  }
  await Promise.all([a?.stop(), b?.stop()]);
  await deleteRedisKeys(prefix);
}, 60_000);

let n = 0;
const freshKey = (): string => `mcp-idem-${process.pid}-${Date.now()}-${++n}`;
const KEY_META = 'mcpgw/idempotencyKey';

async function session(gateway: GatewayProcess, path = '/mcp'): Promise<McpHttpSession> {
  const s = new McpHttpSession(`${gateway.url}${path}`);
  await s.initialize();
  return s;
}

/** One tools/call; its answer (result or error). */
async function callTool(s: McpHttpSession, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const answer = await s.post({ jsonrpc: '2.0', id: `c${++n}`, method: 'tools/call', params }, headers);
  expect(answer.status).toBe(200);
  return answer.messages.at(-1)!;
}

const withKey = (name: string, args: Record<string, unknown>, key: string, extra: Record<string, unknown> = {}) => ({ name, arguments: args, _meta: { [KEY_META]: key }, ...extra });

/** Sleeps completed by both replicas' workers (one execution shows in exactly one of them). */
async function completedSleeps(): Promise<number> {
  let total = 0;
  for (const gateway of [a, b]) {
    const answer = await postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'worker_stats' } });
    total += answer.body.result.data.completedSleeps as number;
  }
  return total;
}

async function openStream(s: McpHttpSession, on?: GatewayProcess): Promise<SseReader> {
  const listener = on ? new McpHttpSession(`${on.url}/mcp`) : s;
  listener.sessionId = s.sessionId;
  const controller = new AbortController();
  const reader = new SseReader(await listener.openStream(controller.signal));
  streams.push({ controller, reader });
  return reader;
}

const statusOf = (taskId: string, status?: string) => (m: Record<string, any>) =>
  m['method'] === 'notifications/tasks/status' && m['params']?.taskId === taskId && (status === undefined || m['params']?.status === status);

describe('idempotency keys on a synchronous tools/call', () => {
  it('runs the call once; the same key and call again, on either replica and endpoint, gets the stored result marked replayed', async () => {
    const key = freshKey();
    const onA = await session(a);
    const onB = await session(b, '/mcp/echo');
    const before = await completedSleeps();
    const metricsBefore = parseCounters(await scrape(a.metricsUrl));

    const first = await callTool(onA, withKey('echo__sleep', { ms: 5 }, key));
    expect(first['result']).toMatchObject({ structuredContent: { slept: 5 } });
    expect(first['result']._meta?.['mcpgw/idempotent']).toBeUndefined();

    const again = await callTool(onA, withKey('echo__sleep', { ms: 5 }, key));
    expect(again['result']).toEqual({ ...first['result'], _meta: { ...first['result']._meta, 'mcpgw/idempotent': 'replayed' } });
    // /mcp/echo names the same tool `sleep`: the same request.
    const elsewhere = await callTool(onB, withKey('sleep', { ms: 5 }, key));
    expect(elsewhere['result']).toMatchObject({ structuredContent: { slept: 5 }, _meta: { 'mcpgw/idempotent': 'replayed' } });

    expect(await completedSleeps()).toBe(before + 1);
    const metricsAfter = parseCounters(await scrape(a.metricsUrl));
    expect(metricsAfter.misses).toBe(metricsBefore.misses + 1);
    expect(metricsAfter.hits).toBe(metricsBefore.hits + 1);
  });

  it('refuses the key with other arguments (-32016) and says to use a new key', async () => {
    const key = freshKey();
    const s = await session(a);
    expect((await callTool(s, withKey('echo__echo', { message: 'one' }, key)))['result']).toBeDefined();
    const reused = await callTool(s, withKey('echo__echo', { message: 'two' }, key));
    expect(reused['error']).toMatchObject({ code: -32016, message: expect.stringMatching(/different request.*use a new key/), data: { name: 'IDEMPOTENCY_KEY_REUSED' } });
    // Another tool with the key is another request too.
    expect((await callTool(s, withKey('echo__worker_stats', {}, key)))['error']).toMatchObject({ code: -32016 });
  });

  it('runs parallel same-key calls spread over both replicas exactly once; the others replay it or get -32017', async () => {
    const key = freshKey();
    const sessions = await Promise.all([session(a), session(b), session(a), session(b)]);
    const before = await completedSleeps();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => callTool(sessions[i % 4]!, withKey('echo__sleep', { ms: 400 }, key))));
    const results = answers.filter((m) => m['result']).map((m) => m['result']);
    const executed = results.filter((r) => r._meta?.['mcpgw/idempotent'] === undefined);
    expect(executed).toHaveLength(1);
    for (const replay of results.filter((r) => r !== executed[0])) expect(replay).toMatchObject({ structuredContent: { slept: 400 }, _meta: { 'mcpgw/idempotent': 'replayed' } });
    for (const busy of answers.filter((m) => m['error'])) {
      expect(busy['error']).toMatchObject({ code: -32017, message: expect.stringMatching(/still running; retry/), data: { name: 'IDEMPOTENCY_IN_FLIGHT', retryAfter: 1 } });
    }
    expect(await completedSleeps()).toBe(before + 1);
    // Once it is done, a retry gets the stored result.
    expect((await callTool(sessions[0]!, withKey('echo__sleep', { ms: 400 }, key)))['result']).toMatchObject({ _meta: { 'mcpgw/idempotent': 'replayed' } });
  });

  it('takes the key from an Idempotency-Key header on a POST of one message, and refuses conflicting or batched use', async () => {
    const key = freshKey();
    const s = await session(b);
    const before = await completedSleeps();
    const params = { name: 'echo__sleep', arguments: { ms: 3 } };
    expect((await callTool(s, params, { 'idempotency-key': key }))['result']._meta?.['mcpgw/idempotent']).toBeUndefined();
    expect((await callTool(s, params, { 'idempotency-key': key }))['result']).toMatchObject({ structuredContent: { slept: 3 }, _meta: { 'mcpgw/idempotent': 'replayed' } });
    // The same key in _meta is the same key.
    expect((await callTool(s, withKey('echo__sleep', { ms: 3 }, key)))['result']).toMatchObject({ _meta: { 'mcpgw/idempotent': 'replayed' } });
    expect(await completedSleeps()).toBe(before + 1);

    const conflict = await callTool(s, withKey('echo__sleep', { ms: 3 }, key), { 'idempotency-key': freshKey() });
    expect(conflict['error']).toMatchObject({ code: -32602, message: expect.stringMatching(/name different keys/) });
    const invalid = await callTool(s, params, { 'idempotency-key': 'has spaces in it' });
    expect(invalid['error']).toMatchObject({ code: -32602, message: expect.stringMatching(/Idempotency-Key header must be 1 to 255 visible ASCII/) });

    const batch = await s.post(
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params },
        { jsonrpc: '2.0', id: 2, method: 'ping' },
      ],
      { 'idempotency-key': freshKey() },
    );
    expect(batch.status).toBe(400);
    expect(batch.messages[0]).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/in a batch give each tools\/call its own key/) } });
  });

  it('stores a tool error like a result, but releases the key when the call could not run (a crashed worker)', async () => {
    const s = await session(b);
    const failKey = freshKey();
    const failed = await callTool(s, withKey('echo__fail', { kind: 'rejected', message: 'no such invoice' }, failKey));
    expect(failed['result']).toMatchObject({ isError: true });
    expect(failed['result']._meta?.['mcpgw/idempotent']).toBeUndefined();
    expect((await callTool(s, withKey('echo__fail', { kind: 'rejected', message: 'no such invoice' }, failKey)))['result']).toMatchObject({
      isError: true,
      _meta: { 'mcpgw/idempotent': 'replayed' },
    });

    const crashKey = freshKey();
    const crashed = await callTool(s, withKey('echo__crash', {}, crashKey));
    expect(crashed['result']).toMatchObject({ isError: true, _meta: { 'mcpgw/error': { name: expect.stringMatching(/WORKER_CRASHED|WORKER_UNAVAILABLE/) } } });
    // Not stored: the same key runs again (here: the worker is restarting or crashes again), never a replay.
    const retried = await callTool(s, withKey('echo__crash', {}, crashKey));
    expect(retried['result']).toMatchObject({ isError: true, _meta: { 'mcpgw/error': expect.any(Object) } });
    expect(retried['result']._meta['mcpgw/idempotent']).toBeUndefined();
    await waitFor(async () => (await callTool(s, { name: 'echo__echo', arguments: {} }))['result']?.isError !== true, 20_000, 'echo worker back on b');
  }, 60_000);
});

describe('idempotency keys on a task-augmented tools/call', () => {
  it('answers the same key and call with the same task, marked replayed; other arguments get -32016', async () => {
    const key = freshKey();
    const s = await session(a);
    const first = await callTool(s, withKey('echo__sleep', { ms: 200 }, key, { task: {} }));
    const taskId = first['result'].task.taskId as string;
    expect(first['result']).toEqual({ task: expect.objectContaining({ taskId: expect.stringMatching(/^echo\./), status: 'working' }) });

    const again = await callTool(s, withKey('echo__sleep', { ms: 200 }, key, { task: {} }));
    expect(again['result']).toMatchObject({ task: { taskId }, _meta: { 'mcpgw/idempotent': 'replayed' } });
    const onB = await session(b);
    expect((await callTool(onB, { name: 'echo__sleep', arguments: { ms: 200 }, task: {} }, { 'idempotency-key': key }))['result']).toMatchObject({ task: { taskId } });

    const reused = await callTool(s, withKey('echo__sleep', { ms: 201 }, key, { task: {} }));
    expect(reused['error']).toMatchObject({ code: -32016, data: { name: 'IDEMPOTENCY_KEY_REUSED' } });
    // A synchronous call with a task's key is another request.
    expect((await callTool(s, withKey('echo__sleep', { ms: 200 }, key)))['error']).toMatchObject({ code: -32016 });

    await waitFor(async () => (await s.request('tasks/get', { taskId }))['status'] === 'completed', 20_000, `task ${taskId} completed`);
    const late = await callTool(s, withKey('echo__sleep', { ms: 200 }, key, { task: {} }));
    expect(late['result']).toMatchObject({ task: { taskId, status: 'completed' }, _meta: { 'mcpgw/idempotent': 'replayed' } });
  }, 60_000);
});

describe('notifications/tasks/status', () => {
  it('tells the session on its GET stream when a task it created completes (the job ran in another process)', async () => {
    const s = await session(a);
    const stream = await openStream(s);
    const created = await s.request('tools/call', { name: 'echo__sleep', arguments: { ms: 300 }, task: {} });
    const task = created['task'] as { taskId: string; createdAt: string };
    const done = await stream.next(statusOf(task.taskId, 'completed'), 20_000);
    expect(TaskStatusNotificationSchema.safeParse(done).success).toBe(true);
    expect(done['params']).toMatchObject({ taskId: task.taskId, status: 'completed', createdAt: expect.any(String), lastUpdatedAt: expect.any(String), ttl: expect.any(Number), pollInterval: expect.any(Number) });
    expect(await s.request('tasks/get', { taskId: task.taskId })).toMatchObject({ status: 'completed' });
  }, 60_000);

  it('sends progress while the task works, then its end; a failed task says why', async () => {
    const s = await session(a, '/mcp/echo');
    const stream = await openStream(s);
    const stepped = (await s.request('tools/call', { name: 'progress_steps', arguments: { steps: 3, delayMs: 300 }, task: {} }))['task'] as { taskId: string };
    const working = await stream.next(statusOf(stepped.taskId, 'working'), 20_000);
    expect(working['params']).toMatchObject({ status: 'working', statusMessage: expect.stringMatching(/^step [1-3] of 3$/) });
    await stream.next(statusOf(stepped.taskId, 'completed'), 20_000);

    const failing = (await s.request('tools/call', { name: 'fail', arguments: { kind: 'rejected', message: 'asked to fail' }, task: {} }))['task'] as { taskId: string };
    const failed = await stream.next(statusOf(failing.taskId), 20_000);
    expect(failed['params']).toMatchObject({ taskId: failing.taskId, status: 'failed', statusMessage: expect.stringContaining('asked to fail') });
  }, 60_000);

  it('says cancelled when tasks/cancel stops a running task', async () => {
    const s = await session(a);
    const stream = await openStream(s);
    const taskId = ((await s.request('tools/call', { name: 'echo__sleep', arguments: { ms: 60_000 }, task: {} }))['task'] as { taskId: string }).taskId;
    await waitFor(async () => {
      const job = await postJson(`${a.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.getJob', params: { jobId: taskId } });
      return job.body.result?.status === 'active';
    }, 20_000, `job ${taskId} active`);
    await s.request('tasks/cancel', { taskId });
    expect(await stream.next(statusOf(taskId), 20_000)).toMatchObject({ params: { taskId, status: 'cancelled' } });
  }, 60_000);

  it('reaches the session\'s GET stream open on another replica', async () => {
    const s = await session(a);
    const stream = await openStream(s, b);
    const created = await s.request('tools/call', { name: 'echo__echo', arguments: { message: 'far' }, task: {} });
    const taskId = (created['task'] as { taskId: string }).taskId;
    expect(await stream.next(statusOf(taskId, 'completed'), 20_000)).toMatchObject({ params: { taskId, status: 'completed' } });
  }, 60_000);
});

describe('idempotency keys with Redis unreachable', () => {
  it('refuses a tools/call with a key (-32018, retry later) while calls without one keep working', async () => {
    const redis = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ target: { host: redis.hostname, port: Number(redis.port || 6379) } });
    const ownPrefix = testRedisPrefix();
    const gateway = await startGateway({ env: { ...shared, REDIS_URL: proxy.url('redis'), REDIS_KEY_PREFIX: ownPrefix } });
    try {
      const s = await session(gateway);
      expect((await callTool(s, withKey('echo__echo', { message: 'up' }, freshKey())))['result']).toBeDefined();
      proxy.cut();
      const refused = await callTool(s, withKey('echo__echo', { message: 'down' }, freshKey()));
      expect(refused['error']).toMatchObject({ code: -32018, message: expect.stringMatching(/cannot be guarded.*retry later/), data: { name: 'IDEMPOTENCY_UNAVAILABLE', retryAfter: 1 } });
      expect(JSON.stringify(refused)).not.toMatch(/redis:\/\/|ECONNREFUSED|at .*\.js/);
      expect((await callTool(s, { name: 'echo__echo', arguments: { message: 'no key' } }))['result']).toMatchObject({ structuredContent: { echo: { message: 'no key' } } });
      proxy.restore();
      await waitFor(async () => (await callTool(s, withKey('echo__echo', { message: 'back' }, freshKey())))['result'] !== undefined, 15_000, 'idempotency back on Redis');
    } finally {
      await gateway.stop();
      await proxy.close();
      await deleteRedisKeys(ownPrefix);
    }
  }, 60_000);
});

function parseCounters(samples: Awaited<ReturnType<typeof scrape>>): { hits: number; misses: number } {
  return {
    hits: metricValue(samples, 'mcp_idempotency_hits_total', { endpoint: 'mcp' }),
    misses: metricValue(samples, 'mcp_idempotency_misses_total', { endpoint: 'mcp' }),
  };
}
