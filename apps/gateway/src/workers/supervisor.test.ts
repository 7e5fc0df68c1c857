import { afterEach, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, waitFor } from '@mcpgw/test-support';
import pino from 'pino';
import { Supervisor } from './supervisor.js';
import type { LocalWorkerSpec } from './worker-spec.js';

const log = pino({ level: 'silent' });
const spec = (overrides: Partial<LocalWorkerSpec> = {}): LocalWorkerSpec => ({
  name: 'echo',
  command: process.execPath,
  args: [TEST_WORKER_ENTRY],
  env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent', MCPGW_SERVICE_NAME: 'echo' },
  required: true,
  ...overrides,
});
const options = { baseMs: 100, maxMs: 800, startTimeoutMs: 5_000, stopTimeoutMs: 1_000, clientVersion: 'test', random: () => 1 };

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

describe('Supervisor', () => {
  it('starts the worker, restarts it after a crash and emits each new connection', async () => {
    const supervisor = new Supervisor(spec(), options, log);
    running.push(supervisor);
    const ready: number[] = [];
    supervisor.on('ready', (c) => ready.push(c.pid!));
    await supervisor.start();
    expect(supervisor.state).toBe('ready');
    expect(supervisor.connection?.manifest.name).toBe('echo');

    supervisor.connection!.kill('SIGKILL');
    await waitFor(() => supervisor.state === 'restarting', 2_000, 'restarting');
    expect(supervisor.lastExit).toMatchObject({ signal: 'SIGKILL' });
    await waitFor(() => supervisor.state === 'ready', 5_000, 'ready again');
    expect(supervisor.restarts).toBe(1);
    expect(ready).toHaveLength(2);
    expect(ready[0]).not.toBe(ready[1]);
  });

  it('backs off exponentially, up to the cap, while the worker keeps failing to start', async () => {
    const supervisor = new Supervisor(spec({ command: '/nonexistent/worker' }), options, log);
    running.push(supervisor);
    const delays: number[] = [];
    await supervisor.start();
    for (let attempt = 0; attempt < 4; attempt++) {
      await waitFor(() => supervisor.state === 'restarting' && supervisor.nextAttemptAt !== undefined, 5_000, 'a scheduled restart');
      delays.push(supervisor.restartDelayMs!);
      const restarts = supervisor.restarts;
      await waitFor(() => supervisor.restarts > restarts, 5_000, 'the next attempt');
    }
    // random() = 1: full exponential delays 100, 200, 400, then capped at 800.
    expect(delays).toEqual([100, 200, 400, 800]);
    expect(supervisor.lastError).toBeDefined();
  });

  it('fails to start a worker that announces another name, and says so', async () => {
    const supervisor = new Supervisor(spec({ name: 'other', env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent', MCPGW_SERVICE_NAME: 'echo' } }), options, log);
    running.push(supervisor);
    await supervisor.start();
    expect(supervisor.state).toBe('restarting');
    expect(supervisor.lastError).toMatch(/started as "other" calls itself "echo"/);
  });

  it('stops the worker on stop() and does not restart it', async () => {
    const supervisor = new Supervisor(spec(), options, log);
    await supervisor.start();
    const pid = supervisor.connection!.pid!;
    await supervisor.stop();
    expect(supervisor.state).toBe('stopped');
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
