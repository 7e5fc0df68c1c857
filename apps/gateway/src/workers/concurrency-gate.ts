import { GatewayError } from '@mcpgw/protocol';
import type { CallControl, CancelListener } from './call-control.js';

class Waiter implements CancelListener {
  resolve!: () => void;
  reject!: (error: unknown) => void;

  constructor(
    private readonly queue: Waiter[],
    readonly control: CallControl | undefined,
  ) {}

  cancelled(reason: GatewayError): void {
    const index = this.queue.indexOf(this);
    if (index !== -1) this.queue.splice(index, 1);
    this.reject(reason);
  }
}

/**
 * Caps the calls in flight to one worker. Beyond the cap, calls wait in a bounded FIFO queue;
 * beyond the queue they are refused at once with WORKER_BUSY, so one slow upstream cannot take
 * every connection the gateway has.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly service: string,
    readonly maxConcurrency: number,
    readonly maxQueue: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when the caller may proceed; it must call `release()` exactly once afterwards. */
  acquire(control?: CallControl): Promise<void> | undefined {
    if (this.active < this.maxConcurrency) {
      this.active++;
      return undefined;
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new GatewayError('WORKER_BUSY', `${this.service} has ${this.active} calls in flight and ${this.queue.length} queued; try again shortly`, {
          retryAfterSeconds: 1,
        }),
      );
    }
    const waiter = new Waiter(this.queue, control);
    const promise = new Promise<void>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    control?.onCancel(waiter);
    this.queue.push(waiter);
    return promise;
  }

  release(): void {
    const next = this.queue.shift();
    if (next) {
      next.control?.onCancel(undefined);
      next.resolve();
      return;
    }
    this.active--;
  }
}
