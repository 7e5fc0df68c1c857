import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '@mcpgw/protocol';
import { CallControl } from './call-control.js';
import { ConcurrencyGate } from './concurrency-gate.js';

describe('ConcurrencyGate', () => {
  it('lets calls through up to the cap without waiting', () => {
    const gate = new ConcurrencyGate('svc', 2, 1);
    expect(gate.acquire()).toBeUndefined();
    expect(gate.acquire()).toBeUndefined();
    expect(gate.inFlight).toBe(2);
  });

  it('queues beyond the cap in order and refuses beyond the queue with WORKER_BUSY', async () => {
    const gate = new ConcurrencyGate('svc', 1, 2);
    gate.acquire();
    const order: number[] = [];
    const a = gate.acquire()!.then(() => order.push(1));
    const b = gate.acquire()!.then(() => order.push(2));
    await expect(gate.acquire()).rejects.toMatchObject({ code: -32052, retryAfterSeconds: 1 });
    expect(gate.queued).toBe(2);
    gate.release();
    gate.release();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    expect(gate.inFlight).toBe(1);
  });

  it('drops a queued call that is cancelled', async () => {
    const gate = new ConcurrencyGate('svc', 1, 5);
    gate.acquire();
    const control = new CallControl();
    const waiting = gate.acquire(control)!;
    control.cancel(new GatewayError('REQUEST_CANCELLED', 'client went away'));
    await expect(waiting).rejects.toMatchObject({ code: -32061 });
    expect(gate.queued).toBe(0);
    gate.release();
    expect(gate.inFlight).toBe(0);
  });
});
