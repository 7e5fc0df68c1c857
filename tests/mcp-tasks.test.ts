import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DATABASE_URL,
  McpHttpSession,
  REDIS_URL,
  TEST_WORKER_ENTRY,
  deleteRedisKeys,
  postJson,
  runMcpgw,
  startGateway,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema as CreateTaskShape, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';

/**
 * Long MCP calls as tasks (docs/mcp.md, "Long calls as tasks"): a task-augmented tools/call on a
 * 2025-11-25 session becomes an async job on the real Redis (own key prefix) and the real store.
 */
const ECHO_ONLY = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, LOCALHOST_BYPASS: 'false' };

let gateway: GatewayProcess;
let prefix: string;
let aliceKey: string;
let bobKey: string;
const clients: Client[] = [];

async function createKey(target: GatewayProcess, name: string, scopes: string): Promise<string> {
  const created = await runMcpgw(['keys', 'create', '--name', name, '--scopes', scopes, '--json'], { DATABASE_URL, DATABASE_SCHEMA: target.schema! });
  expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
  return (JSON.parse(created.stdout) as { key: string }).key;
}

async function sdkClient(target: GatewayProcess, path: string, key: string): Promise<Client> {
  const client = new Client({ name: 'mcpgw-tasks-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${target.url}${path}`), { requestInit: { headers: { 'x-mcp-key': key } } }));
  clients.push(client);
  return client;
}

async function taskStatus(client: Client, taskId: string): Promise<string> {
  return (await client.experimental.tasks.getTask(taskId)).status;
}

async function getJob(key: string, jobId: string): Promise<Record<string, unknown>> {
  const answer = await postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.getJob', params: { jobId } }, { 'x-mcp-key': key });
  return answer.body.result as Record<string, unknown>;
}

beforeAll(async () => {
  prefix = testRedisPrefix();
  // A short keep-alive interval, so a waiting tasks/result visibly turns into SSE with keep-alives.
  gateway = await startGateway({ env: { ...ECHO_ONLY, REDIS_URL, REDIS_KEY_PREFIX: prefix, MCP_KEEPALIVE_MS: '200' } });
  [aliceKey, bobKey] = await Promise.all([createKey(gateway, 'alice', 'echo'), createKey(gateway, 'bob', 'echo')]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gateway?.stop();
  await deleteRedisKeys(prefix);
}, 60_000);

describe('MCP tasks on a gateway with Redis', () => {
  it('declares the tasks capability and marks every tool as callable as a task', async () => {
    const client = await sdkClient(gateway, '/mcp', aliceKey);
    expect(client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const tools = (await client.listTools()).tools;
    expect(tools.find((t) => t.name === 'echo__sleep')?.execution).toEqual({ taskSupport: 'optional' });
    const single = await sdkClient(gateway, '/mcp/echo', aliceKey);
    expect(single.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
  });

  it('answers a task-augmented call with a task at once; tasks/get goes working → completed; tasks/result returns the result', async () => {
    const client = await sdkClient(gateway, '/mcp', aliceKey);
    const messages: { type: string; task?: { taskId: string; status: string; ttl: number | null; pollInterval?: number }; result?: unknown; error?: unknown }[] = [];
    for await (const message of client.experimental.tasks.callToolStream({ name: 'echo__sleep', arguments: { ms: 1500 } }, CallToolResultSchema, { task: { ttl: 60_000 } })) {
      messages.push(message as (typeof messages)[number]);
    }
    expect(messages[0]).toMatchObject({ type: 'taskCreated', task: { taskId: expect.stringMatching(/^echo\./), status: 'working', pollInterval: expect.any(Number) } });
    const taskId = messages[0]!.task!.taskId;
    const statuses = messages.filter((m) => m.type === 'taskStatus').map((m) => m.task!.status);
    expect(statuses[0]).toBe('working');
    expect(statuses.at(-1)).toBe('completed');
    expect(messages.at(-1)).toMatchObject({ type: 'result', result: { structuredContent: { slept: 1500 }, content: [{ type: 'text', text: '{"slept":1500}' }] } });

    // The result stays available, and the task is the caller's job (mcp.getJob sees it).
    const again = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(again).toMatchObject({ structuredContent: { slept: 1500 }, _meta: { [RELATED_TASK_META_KEY]: { taskId } } });
    expect(again.isError).toBeFalsy();
    expect(await getJob(aliceKey, taskId)).toMatchObject({ jobId: taskId, service: 'echo', tool: 'sleep', status: 'completed' });
  }, 60_000);

  it('shows the progress the worker stored on the job as the working task\'s statusMessage', async () => {
    const client = await sdkClient(gateway, '/mcp', aliceKey);
    const created = await client.request({ method: 'tools/call', params: { name: 'echo__progress_steps', arguments: { steps: 12, delayMs: 250 }, task: {} } }, CreateTaskShape);
    const taskId = created.task.taskId;
    let midway: { status: string; statusMessage?: string } | undefined;
    await waitFor(async () => {
      const task = await client.experimental.tasks.getTask(taskId);
      if (task.status === 'working' && task.statusMessage && task.statusMessage !== 'step 12 of 12') midway = task;
      return midway !== undefined || task.status !== 'working';
    }, 20_000, 'a working task with progress');
    expect(midway).toMatchObject({ status: 'working', statusMessage: expect.stringMatching(/^step \d+ of 12$/) });
    expect(await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)).toMatchObject({ structuredContent: { steps: 12 } });
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'completed' });
  }, 60_000);

  it('tasks/result waits for a running task, answering as SSE with keep-alives meanwhile', async () => {
    const session = new McpHttpSession(`${gateway.url}/mcp/echo`, { 'x-mcp-key': aliceKey });
    await session.initialize();
    const created = await session.request('tools/call', { name: 'sleep', arguments: { ms: 1500 }, task: {} });
    const task = created['task'] as { taskId: string; status: string };
    expect(task).toMatchObject({ taskId: expect.stringMatching(/^echo\./), status: 'working' });
    const answer = await session.post({ jsonrpc: '2.0', id: 'wait', method: 'tasks/result', params: { taskId: task.taskId } });
    expect(answer.contentType).toContain('text/event-stream');
    expect(answer.text).toContain(': keep-alive');
    expect(answer.messages.at(-1)).toMatchObject({ id: 'wait', result: { structuredContent: { slept: 1500 }, _meta: { [RELATED_TASK_META_KEY]: { taskId: task.taskId } } } });
    expect(await session.request('tasks/get', { taskId: task.taskId })).toMatchObject({ taskId: task.taskId, status: 'completed' });
    // On /mcp/echo only echo's tasks exist.
    const elsewhere = await session.post({ jsonrpc: '2.0', id: 'x', method: 'tasks/get', params: { taskId: 'other.0123456789abcdef' } });
    expect(elsewhere.messages[0]).toMatchObject({ error: { code: -32062 } });
    await session.terminate();
  }, 60_000);

  it('tasks/cancel cancels a running task: cancelled, its result a tool error, a second cancel refused', async () => {
    const client = await sdkClient(gateway, '/mcp', aliceKey);
    const created = await client.request({ method: 'tools/call', params: { name: 'echo__sleep', arguments: { ms: 60_000 }, task: {} } }, CreateTaskShape);
    const taskId = created.task.taskId;
    // Cancel it while it runs (a queued one would simply be removed).
    await waitFor(async () => (await getJob(aliceKey, taskId))['status'] === 'active', 20_000, `job ${taskId} active`);
    const cancelled = await client.experimental.tasks.cancelTask(taskId);
    expect(cancelled).toMatchObject({ taskId, status: 'cancelled' });
    expect(await taskStatus(client, taskId)).toBe('cancelled');
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result).toMatchObject({ isError: true, _meta: { 'mcpgw/error': { name: 'REQUEST_CANCELLED' } } });
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/already cancelled/);
  }, 60_000);

  it('tasks/list shows only the caller\'s tasks, and another agent cannot see or cancel them', async () => {
    const alice = await sdkClient(gateway, '/mcp', aliceKey);
    const bob = await sdkClient(gateway, '/mcp', bobKey);
    const mine = (await alice.request({ method: 'tools/call', params: { name: 'echo__echo', arguments: { message: 'alice' }, task: {} } }, CreateTaskShape)).task.taskId;
    const theirs = (await bob.request({ method: 'tools/call', params: { name: 'echo__echo', arguments: { message: 'bob' }, task: {} } }, CreateTaskShape)).task.taskId;
    await waitFor(async () => (await alice.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === mine), 10_000, 'alice sees her task');
    await waitFor(async () => (await bob.experimental.tasks.listTasks()).tasks.some((t) => t.taskId === theirs), 10_000, 'bob sees his task');
    const aliceIds = (await alice.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
    const bobIds = (await bob.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
    expect(aliceIds).toContain(mine);
    expect(aliceIds).not.toContain(theirs);
    expect(bobIds).toEqual([theirs]);
    await expect(bob.experimental.tasks.getTask(mine)).rejects.toThrow(/-32062|no task/);
    await expect(bob.experimental.tasks.cancelTask(mine)).rejects.toThrow(/-32062|no task/);
  }, 60_000);

  it('ignores `task` on an older protocol revision: no tasks capability, the call runs synchronously', async () => {
    const session = new McpHttpSession(`${gateway.url}/mcp`, { 'x-mcp-key': aliceKey });
    session.protocolVersion = '2025-06-18';
    const init = await session.initialize();
    expect(init['protocolVersion']).toBe('2025-06-18');
    expect((init['capabilities'] as Record<string, unknown>)['tasks']).toBeUndefined();
    const result = await session.request('tools/call', { name: 'echo__echo', arguments: { message: 'now' }, task: {} });
    expect(result).toMatchObject({ structuredContent: { echo: { message: 'now' } } });
    expect(result['task']).toBeUndefined();
    const get = await session.post({ jsonrpc: '2.0', id: 'g', method: 'tasks/get', params: { taskId: 'echo.0123456789abcdef' } });
    expect(get.messages[0]).toMatchObject({ error: { code: -32601 } });
    await session.terminate();
  });
});

describe('MCP tasks without Redis', () => {
  let plain: GatewayProcess;
  beforeAll(async () => {
    plain = await startGateway({ env: { ...ECHO_ONLY } });
  }, 60_000);
  afterAll(async () => {
    await plain?.stop();
  });

  it('declares no tasks capability and runs a task-augmented call synchronously', async () => {
    const key = await createKey(plain, 'carol', 'echo');
    const client = await sdkClient(plain, '/mcp', key);
    expect(client.getServerCapabilities()?.tasks).toBeUndefined();
    expect((await client.listTools()).tools.find((t) => t.name === 'echo__echo')?.execution).toBeUndefined();
    const result = await client.request({ method: 'tools/call', params: { name: 'echo__echo', arguments: { message: 'sync' }, task: {} } }, CallToolResultSchema);
    expect(result).toMatchObject({ structuredContent: { echo: { message: 'sync' } } });
    await expect(client.experimental.tasks.getTask('echo.0123456789abcdef')).rejects.toThrow(/-32601|REDIS_URL/);
  }, 60_000);
});
