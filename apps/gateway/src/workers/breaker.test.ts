import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '@mcpgw/protocol';
import { WorkerBreaker, type BreakerState } from './breaker.js';
import { CallControl } from './call-control.js';

type Outcome = 'ok' | 'crash' | 'hang' | 'busy';
interface Job {
  control: CallControl;
  outcome: Outcome;
}

function breaker(options: Partial<ConstructorParameters<typeof WorkerBreaker>[1]> = {}) {
  const states: BreakerState[] = [];
  const b = new WorkerBreaker<Job, string>(
    'svc',
    { timeoutMs: 50, errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 200, rollingWindowMs: 10_000, ...options },
    async (job) => {
      if (job.outcome === 'crash') throw new GatewayError('WORKER_CRASHED', 'gone');
      if (job.outcome === 'busy') throw new GatewayError('WORKER_BUSY', 'busy');
      if (job.outcome === 'hang') {
        return new Promise<string>((_resolve, reject) => job.control.onCancel({ cancelled: reject }));
      }
      return 'done';
    },
    (state) => states.push(state),
  );
  return { b, states };
}
const job = (outcome: Outcome): Job => ({ control: new CallControl(), outcome });

describe('WorkerBreaker', () => {
  it('stays closed below volumeThreshold even when every call fails', async () => {
    const { b } = breaker();
    for (let i = 0; i < 9; i++) await expect(b.fire(job('crash'))).rejects.toMatchObject({ code: -32054 });
    expect(b.state).toBe('closed');
  });

  it('opens after volumeThreshold calls over the error threshold and then fails fast with a retry-after hint', async () => {
    const { b, states } = breaker();
    for (let i = 0; i < 10; i++) await b.fire(job('crash')).catch(() => undefined);
    expect(b.state).toBe('open');
    expect(states).toEqual(['open']);
    const error = (await b.fire(job('ok')).catch((e: unknown) => e)) as GatewayError;
    expect(error.code).toBe(-32051);
    expect(error.retryAfterSeconds).toBe(1);
    expect(error.message).toMatch(/svc is failing/);
    b.shutdown();
  });

  it('times a call out, cancels it, counts it, and closes again after a successful half-open probe', async () => {
    const { b, states } = breaker();
    const jobs = Array.from({ length: 10 }, () => job('hang'));
    const results = await Promise.all(jobs.map((j) => b.fire(j).catch((e: GatewayError) => e)));
    expect(results.every((r) => (r as GatewayError).code === -32053)).toBe(true);
    expect(jobs.every((j) => j.control.reason?.code === -32053)).toBe(true);
    expect(b.state).toBe('open');
    await new Promise((r) => setTimeout(r, 250));
    expect(b.state).toBe('half-open');
    await expect(b.fire(job('ok'))).resolves.toBe('done');
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    b.shutdown();
  });

  it('does not count busy or cancelled calls as failures', async () => {
    const { b } = breaker();
    for (let i = 0; i < 20; i++) await b.fire(job('busy')).catch(() => undefined);
    expect(b.state).toBe('closed');
    expect(b.stats.failures).toBe(0);
    b.shutdown();
  });
});
