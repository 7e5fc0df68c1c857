import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  CLI_ENTRY,
  DATABASE_URL,
  NEUTRAL_CWD,
  REDIS_URL,
  TEST_WORKER_ENTRY,
  deleteRedisKeys,
  postJson,
  runMcpgw,
  startGateway,
  startTcpProxy,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/** Async jobs on the real Redis (own key prefix per test) and the real store: docs/jobs.md. */
const echoOnly = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}` };
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}, 60_000);

async function gatewayWithJobs(env: Record<string, string> = {}): Promise<{ gateway: GatewayProcess; prefix: string; storeEnv: Record<string, string> }> {
  const prefix = testRedisPrefix();
  cleanups.push(() => deleteRedisKeys(prefix));
  const gateway = await startGateway({ env: { ...echoOnly, REDIS_URL, REDIS_KEY_PREFIX: prefix, JOBS_BACKOFF_MS: '20', ...env } });
  cleanups.push(() => gateway.stop());
  const storeEnv = { DATABASE_URL, DATABASE_SCHEMA: gateway.schema!, REDIS_URL, REDIS_KEY_PREFIX: prefix, ...echoOnly };
  return { gateway, prefix, storeEnv };
}

let rpcId = 1;
async function rpc(gateway: GatewayProcess, method: string, params: unknown, headers: Record<string, string> = {}) {
  return postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: rpcId++, method, params }, headers);
}

async function submit(gateway: GatewayProcess, tool: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const response = await rpc(gateway, 'mcp.submit', { service: 'echo', tool, arguments: args }, headers);
  expect(response.body.result).toEqual({ jobId: expect.stringMatching(/^echo\./), status: 'queued' });
  return response.body.result.jobId as string;
}

async function getJob(gateway: GatewayProcess, jobId: string, headers: Record<string, string> = {}) {
  return (await rpc(gateway, 'mcp.getJob', { jobId }, headers)).body;
}

async function waitStatus(gateway: GatewayProcess, jobId: string, status: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  let last: any;
  await waitFor(async () => {
    last = (await getJob(gateway, jobId)).result;
    return last?.status === status;
  }, timeoutMs, `job ${jobId} ${status} (last: ${JSON.stringify(last)})`);
  return last;
}

async function createKey(storeEnv: Record<string, string>, name: string, scopes: string): Promise<string> {
  const { code, stdout, stderr } = await runMcpgw(['keys', 'create', '--name', name, '--scopes', scopes], storeEnv);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  return stdout.trim();
}

describe('async jobs', () => {
  it('guards submissions with an idempotency key: the same request answers the same job, another request is refused', async () => {
    const { gateway } = await gatewayWithJobs();
    const params = { service: 'echo', tool: 'echo', arguments: { message: 'once' }, idempotencyKey: 'report-2026-11' };
    const first = (await rpc(gateway, 'mcp.submit', params)).body.result;
    expect(first).toEqual({ jobId: expect.stringMatching(/^echo\./), status: 'queued' });
    await waitStatus(gateway, first.jobId, 'completed');
    const again = (await rpc(gateway, 'mcp.submit', params)).body.result;
    expect(again).toEqual({ jobId: first.jobId, status: 'completed', idempotent: 'replayed' });
    const other = await rpc(gateway, 'mcp.submit', { ...params, arguments: { message: 'twice' } });
    expect(other.body.error).toMatchObject({ code: -32016, data: { name: 'IDEMPOTENCY_KEY_REUSED' } });
    // Parallel submissions with one key: one job.
    const parallel = await Promise.all(
      Array.from({ length: 8 }, () => rpc(gateway, 'mcp.submit', { ...params, idempotencyKey: 'parallel-key' })),
    );
    const jobIds = new Set(parallel.filter((r) => r.body.result).map((r) => r.body.result.jobId));
    expect(jobIds.size).toBe(1);
    for (const r of parallel) if (!r.body.result) expect(r.body.error).toMatchObject({ code: -32017 });
  });

  it('submit → getJob completes with the echo result; GET /jobs/:id, /mcp-jobs status and mcp.listJobs agree', async () => {
    const { gateway } = await gatewayWithJobs();
    const jobId = await submit(gateway, 'echo', { message: 'later' });
    const done = await waitStatus(gateway, jobId, 'completed');
    expect(done).toMatchObject({ jobId, service: 'echo', tool: 'echo', attempts: 1, maxAttempts: 3, errors: [] });
    expect(done['result']).toMatchObject({ status: 'success', data: { echo: { message: 'later' } }, metadata: { service: 'echo', tool: 'echo' } });
    expect(typeof done['durationMs']).toBe('number');
    expect(done['submittedAt'] <= done['startedAt'] && done['startedAt'] <= done['finishedAt']).toBe(true);

    const http = await fetch(`${gateway.url}/jobs/${jobId}`);
    expect(http.status).toBe(200);
    expect(await http.json()).toMatchObject({ jobId, status: 'completed' });
    const slash = await postJson(`${gateway.url}/mcp/execute`, { command: `/mcp-jobs status ${jobId}` });
    expect(slash.status).toBe(200);
    expect(slash.body).toMatchObject({ status: 'success', data: { jobId, status: 'completed' }, metadata: { service: 'jobs', tool: 'getJob' } });

    await waitFor(async () => (await rpc(gateway, 'mcp.listJobs', { status: 'completed' })).body.result?.jobs.some((j: { jobId: string }) => j.jobId === jobId), 10_000, 'history row');
    const unknown = await fetch(`${gateway.url}/jobs/echo.00000000000000000000000000000000`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { name: string } }).error.name).toBe('JOB_NOT_FOUND');
  }, 60_000);

  it("stores the worker's progress on the job: mcp.getJob shows it while the job runs, and the last step once it completed", async () => {
    const { gateway } = await gatewayWithJobs();
    const jobId = await submit(gateway, 'progress_steps', { steps: 12, delayMs: 250 });
    let midway: Record<string, any> | undefined;
    await waitFor(async () => {
      const job = (await getJob(gateway, jobId)).result;
      if (job?.status === 'active' && typeof job.progress === 'object' && job.progress.progress >= 1 && job.progress.progress < 12) midway = job;
      return midway !== undefined || job?.status === 'completed';
    }, 20_000, 'progress while active');
    expect(midway).toMatchObject({ status: 'active', progress: { total: 12, message: expect.stringMatching(/^step \d+ of 12$/) } });
    const done = await waitStatus(gateway, jobId, 'completed');
    expect(done['progress']).toEqual({ progress: 12, total: 12, message: 'step 12 of 12' });
    expect(done['result']).toMatchObject({ status: 'success', data: { steps: 12 }, metadata: { service: 'echo', tool: 'progress_steps' } });
  }, 60_000);

  it('cancels a queued job (removed) and an active one (failed with REQUEST_CANCELLED, not retried)', async () => {
    const { gateway } = await gatewayWithJobs({ JOBS_CONCURRENCY: '1' });
    const running = await submit(gateway, 'sleep', { ms: 10_000 });
    await waitStatus(gateway, running, 'active');
    const waiting = await submit(gateway, 'sleep', { ms: 10 });
    expect((await getJob(gateway, waiting)).result.status).toBe('queued');

    expect((await rpc(gateway, 'mcp.cancelJob', { jobId: waiting })).body.result).toEqual({ jobId: waiting, cancelled: true, status: 'failed' });
    expect((await getJob(gateway, waiting)).result).toMatchObject({ status: 'failed', error: { name: 'REQUEST_CANCELLED' } });

    expect((await rpc(gateway, 'mcp.cancelJob', { jobId: running })).body.result).toEqual({ jobId: running, cancelled: true, status: 'active' });
    const cancelled = await waitStatus(gateway, running, 'failed');
    expect(cancelled).toMatchObject({ attempts: 1, error: { name: 'REQUEST_CANCELLED', code: -32061 } });
    expect(cancelled['errors']).toHaveLength(1);
    // Cancelled jobs are not dead letters.
    const dead = (await rpc(gateway, 'mcp.listDeadLetters', {})).body.result.jobs as { jobId: string }[];
    expect(dead.map((j) => j.jobId)).not.toContain(running);
  }, 60_000);

  it('runs JOBS_SERVICE_CONCURRENCY jobs of a service at once, overriding JOBS_CONCURRENCY', async () => {
    const { gateway } = await gatewayWithJobs({ JOBS_CONCURRENCY: '1', JOBS_SERVICE_CONCURRENCY: 'echo=3,unknown-service=5' });
    expect(gateway.output.join('\n')).toContain('JOBS_SERVICE_CONCURRENCY names services this gateway does not run');
    const jobs = [];
    for (let i = 0; i < 4; i++) jobs.push(await submit(gateway, 'sleep', { ms: 8_000 }));
    // Three run at once (not one), the fourth waits for a free slot.
    await Promise.all(jobs.slice(0, 3).map((id) => waitStatus(gateway, id, 'active')));
    expect((await getJob(gateway, jobs[3]!)).result.status).toBe('queued');
    for (const id of jobs) await rpc(gateway, 'mcp.cancelJob', { jobId: id });
  }, 60_000);

  it('shows a job only to its owner and admins; others get JOB_NOT_FOUND', async () => {
    const { gateway, storeEnv } = await gatewayWithJobs();
    const alice = await createKey(storeEnv, 'alice', 'echo');
    const bob = await createKey(storeEnv, 'bob', 'echo');
    const jobId = await submit(gateway, 'echo', { message: 'mine' }, { 'x-mcp-key': alice });
    await waitFor(async () => (await getJob(gateway, jobId, { 'x-mcp-key': alice })).result?.status === 'completed', 20_000, 'completed');
    const refused = await rpc(gateway, 'mcp.getJob', { jobId }, { 'x-mcp-key': bob });
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatchObject({ code: -32062, data: { name: 'JOB_NOT_FOUND' } });
    const missing = await rpc(gateway, 'mcp.getJob', { jobId: 'echo.ffffffffffffffffffffffffffffffff' }, { 'x-mcp-key': bob });
    expect(missing.body.error.message).toBe(refused.body.error.message.replace(jobId, 'echo.ffffffffffffffffffffffffffffffff'));
    const http = await fetch(`${gateway.url}/jobs/${jobId}`, { headers: { 'x-mcp-key': bob } });
    expect(http.status).toBe(404);
    expect((await rpc(gateway, 'mcp.cancelJob', { jobId }, { 'x-mcp-key': bob })).status).toBe(404);
    // The local caller has admin: it sees every job.
    expect((await getJob(gateway, jobId)).result.status).toBe('completed');
    await waitFor(async () => (await rpc(gateway, 'mcp.listJobs', {}, { 'x-mcp-key': alice })).body.result.jobs.length === 1, 10_000, 'history');
    expect((await rpc(gateway, 'mcp.listJobs', {}, { 'x-mcp-key': bob })).body.result.jobs).toEqual([]);
  }, 60_000);

  it('retries a read-only tool on a retryable error, then dead-letters it with every attempt; replay by API and CLI; purge', async () => {
    const { gateway, storeEnv } = await gatewayWithJobs({ JOBS_ATTEMPTS: '3' });
    const jobId = await submit(gateway, 'fail', { kind: 'upstream', message: 'upstream down' });
    const dead = await waitStatus(gateway, jobId, 'dead');
    expect(dead).toMatchObject({ attempts: 3, maxAttempts: 3, error: { name: 'UPSTREAM_ERROR', code: -32057 } });
    expect((dead['errors'] as { attempt: number; name: string }[]).map((e) => [e.attempt, e.name])).toEqual([
      [1, 'UPSTREAM_ERROR'],
      [2, 'UPSTREAM_ERROR'],
      [3, 'UPSTREAM_ERROR'],
    ]);
    const letters = (await rpc(gateway, 'mcp.listDeadLetters', {})).body.result.jobs as { jobId: string; agent: string }[];
    expect(letters).toEqual([expect.objectContaining({ jobId, agent: 'local' })]);

    expect((await rpc(gateway, 'mcp.replayJob', { jobId })).body.result).toEqual({ jobId, status: 'queued' });
    const again = await waitStatus(gateway, jobId, 'dead');
    expect(again['errors']).toHaveLength(6);

    const list = await runMcpgw(['jobs', 'dlq', 'list', '--json'], storeEnv);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { jobId: string }[]).map((j) => j.jobId)).toEqual([jobId]);
    const replay = await runMcpgw(['jobs', 'dlq', 'replay', jobId], storeEnv);
    expect({ code: replay.code, stderr: replay.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await waitStatus(gateway, jobId, 'dead'))['errors']).toHaveLength(9);

    expect((await runMcpgw(['jobs', 'dlq', 'purge'], storeEnv)).code).toBe(2);
    const purge = await runMcpgw(['jobs', 'dlq', 'purge', '--yes'], storeEnv);
    expect(purge.stdout).toContain('purged 1 job');
    expect((await rpc(gateway, 'mcp.listDeadLetters', {})).body.result.jobs).toEqual([]);
    // Both replays and the purge are audited.
    const audit = await runMcpgw(['audit', 'tail', '--service', 'jobs', '--json'], storeEnv);
    const cliAudit = await runMcpgw(['audit', 'tail', '--service', 'admin', '--json'], storeEnv);
    expect(audit.stdout).toContain(`replay:${jobId}`);
    expect(cliAudit.stdout).toContain(`jobs.replay:${jobId}`);
    expect(cliAudit.stdout).toContain('jobs.purge');
  }, 90_000);

  it('follows JOBS_RETRY_POLICY: a tool entry over its service entry over JOBS_ATTEMPTS; never for non-idempotent tools', async () => {
    const { gateway } = await gatewayWithJobs({ JOBS_ATTEMPTS: '3', JOBS_RETRY_POLICY: 'echo=4/20,echo:fail=2/20,echo:crash=5' });
    const viaTool = await submit(gateway, 'fail', { kind: 'upstream', message: 'upstream down' });
    expect(await waitStatus(gateway, viaTool, 'dead')).toMatchObject({ attempts: 2, maxAttempts: 2 });
    // explode (read-only) has no entry of its own: the service's 4 attempts.
    const viaService = await submit(gateway, 'explode', {});
    expect((await waitStatus(gateway, viaService, 'dead'))['maxAttempts']).toBe(4);
    // crash is neither read-only nor idempotent: one attempt, whatever the policy says.
    const crash = await submit(gateway, 'crash', { code: 3 });
    expect(await waitStatus(gateway, crash, 'dead')).toMatchObject({ attempts: 1, maxAttempts: 1 });
  }, 90_000);

  it('does not retry a tool that is neither read-only nor idempotent, nor a non-retryable error', async () => {
    const { gateway } = await gatewayWithJobs({ JOBS_ATTEMPTS: '3' });
    const rejected = await submit(gateway, 'fail', { kind: 'failed', message: 'bad input' });
    const dead = await waitStatus(gateway, rejected, 'dead');
    expect(dead).toMatchObject({ attempts: 1, maxAttempts: 3, error: { name: 'TOOL_FAILED', message: 'bad input' } });
    expect(dead['errors']).toHaveLength(1);
    // crash is not idempotent: one attempt, though WORKER_CRASHED is retryable.
    const crash = await submit(gateway, 'crash', { code: 3 });
    expect(await waitStatus(gateway, crash, 'dead')).toMatchObject({ attempts: 1, maxAttempts: 1, error: { name: 'WORKER_CRASHED' } });
  }, 60_000);

  it('answers QUEUE_UNAVAILABLE quickly when Redis is down or not configured, while mcp.execute keeps working', async () => {
    const proxy = await startTcpProxy({ target: { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) } });
    cleanups.push(() => proxy.close());
    const prefix = testRedisPrefix();
    cleanups.push(() => deleteRedisKeys(prefix));
    const gateway = await startGateway({ env: { ...echoOnly, REDIS_URL: proxy.url('redis'), REDIS_KEY_PREFIX: prefix } });
    cleanups.push(() => gateway.stop());
    await submit(gateway, 'echo', { message: 'up' });
    proxy.cut();
    const down = await rpc(gateway, 'mcp.submit', { service: 'echo', tool: 'echo', arguments: {} });
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: -32063, data: { name: 'QUEUE_UNAVAILABLE' } });
    const sync = await rpc(gateway, 'mcp.execute', { service: 'echo', tool: 'echo', arguments: { message: 'sync' } });
    expect(sync.body.result).toMatchObject({ status: 'success', data: { echo: { message: 'sync' } } });
    proxy.restore();
    await waitFor(async () => (await rpc(gateway, 'mcp.submit', { service: 'echo', tool: 'echo', arguments: {} })).status === 200, 15_000, 'submit after Redis returns');

    const noRedis = await startGateway({ env: { ...echoOnly } });
    cleanups.push(() => noRedis.stop());
    const refused = await rpc(noRedis, 'mcp.submit', { service: 'echo', tool: 'echo', arguments: {} });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toContain('set REDIS_URL');
  }, 60_000);

  it('on SIGTERM a consumer finishes its active job, leaves the queued ones for the next consumer, and exits 0', async () => {
    const { gateway, storeEnv } = await gatewayWithJobs({ JOBS_CONSUMER: 'false' });
    const workerEnv = { ...storeEnv, JOBS_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '20000', LOG_LEVEL: 'info' };
    const first = await startJobsWorker(workerEnv);
    const running = await submit(gateway, 'sleep', { ms: 2_000 });
    await waitStatus(gateway, running, 'active');
    const queued = [await submit(gateway, 'echo', { message: 'one' }), await submit(gateway, 'echo', { message: 'two' })];
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    first.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await getJob(gateway, running)).result).toMatchObject({ status: 'completed', attempts: 1, result: { data: { slept: 2_000 } } });
    for (const id of queued) expect((await getJob(gateway, id)).result.status).toBe('queued');
    const second = await startJobsWorker(workerEnv);
    cleanups.push(async () => second.kill('SIGTERM'));
    for (const id of queued) await waitStatus(gateway, id, 'completed');
  }, 90_000);

  it('a job whose jobs-worker is SIGKILLed mid-call is completed by another consumer', async () => {
    const { gateway, storeEnv } = await gatewayWithJobs({ JOBS_CONSUMER: 'false', JOBS_LOCK_MS: '1000' });
    const workerEnv = { ...storeEnv, JOBS_LOCK_MS: '1000', LOG_LEVEL: 'info' };
    const first = await startJobsWorker(workerEnv);
    const jobId = await submit(gateway, 'sleep', { ms: 3_000 });
    await waitStatus(gateway, jobId, 'active');
    first.kill('SIGKILL');
    const second = await startJobsWorker(workerEnv);
    cleanups.push(async () => second.kill('SIGTERM'));
    const done = await waitStatus(gateway, jobId, 'completed', 30_000);
    expect(done['result']).toMatchObject({ data: { slept: 3_000 } });
    expect(done['attempts']).toBeGreaterThanOrEqual(2);
  }, 90_000);
});

async function startJobsWorker(env: Record<string, string>): Promise<ChildProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-jw-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [CLI_ENTRY, 'jobs-worker'], {
    cwd: NEUTRAL_CWD,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', MCPGW_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('mcpgw jobs-worker consuming async jobs'), 30_000, `jobs-worker start:\n${output}`);
  return child;
}
