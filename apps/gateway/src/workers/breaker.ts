import { GatewayError } from '@mcpgw/protocol';
import CircuitBreaker from 'opossum';
import type { CallControl } from './call-control.js';

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface BreakerOptions {
  /** Per-call timeout; the call is cancelled in the worker when it fires. */
  timeoutMs: number;
  errorThresholdPercentage: number;
  /** Calls in the rolling window before the breaker may open (at least 10). */
  volumeThreshold: number;
  /** How long the breaker stays open before letting one probe call through (half-open). */
  resetTimeoutMs: number;
  rollingWindowMs: number;
}

/** One call through the breaker; it is cancelled when the breaker times it out. */
export interface BreakerJob {
  control: CallControl;
}

/**
 * Errors that say nothing about the worker's health: the caller went away, or the worker was too
 * busy to take the call. They are passed through without counting as failures.
 */
const NOT_A_FAILURE = new Set(['REQUEST_CANCELLED', 'WORKER_BUSY', 'SHUTTING_DOWN']);

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * An opossum circuit breaker for one worker. Tool failures come back as results and never count;
 * timeouts, crashes and protocol errors do. Open → immediate CIRCUIT_OPEN with a retry-after hint.
 */
export class WorkerBreaker<J extends BreakerJob, R> {
  private readonly breaker: CircuitBreaker<[J], R>;
  private openedAt = 0;

  constructor(
    readonly service: string,
    private readonly options: BreakerOptions,
    action: (job: J) => Promise<R>,
    onStateChange: (state: BreakerState, value: number) => void,
  ) {
    this.breaker = new CircuitBreaker<[J], R>(action, {
      name: service,
      timeout: options.timeoutMs,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingWindowMs,
      rollingCountBuckets: 10,
      // Percentiles sort every latency in the window on each failure and each snapshot: too costly
      // on the hot path. Latency is tracked by the worker handle instead.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: unknown) => error instanceof GatewayError && NOT_A_FAILURE.has(error.spec.name),
    });
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
      onStateChange('open', STATE_VALUE.open);
    });
    this.breaker.on('halfOpen', () => onStateChange('half-open', STATE_VALUE['half-open']));
    this.breaker.on('close', () => onStateChange('closed', STATE_VALUE.closed));
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /** Seconds until the breaker lets a probe through (0 unless open). */
  get retryAfterSeconds(): number {
    if (!this.breaker.opened) return 0;
    return Math.max(1, Math.ceil((this.openedAt + this.options.resetTimeoutMs - Date.now()) / 1000));
  }

  /** Counts in the rolling window. */
  get stats(): { fires: number; successes: number; failures: number; timeouts: number; rejects: number } {
    const s = this.breaker.stats;
    return { fires: s.fires, successes: s.successes, failures: s.failures, timeouts: s.timeouts, rejects: s.rejects };
  }

  async fire(job: J): Promise<R> {
    try {
      return await this.breaker.fire(job);
    } catch (error) {
      throw this.translate(error, job);
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private translate(error: unknown, job: J): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'EOPENBREAKER') {
      const retryAfterSeconds = Math.max(1, this.retryAfterSeconds);
      return new GatewayError(
        'CIRCUIT_OPEN',
        `${this.service} is failing (${this.state === 'half-open' ? 'a probe call is in progress' : 'circuit open'}); retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds, data: { service: this.service } },
      );
    }
    if (code === 'ETIMEDOUT') {
      const timeout = new GatewayError('WORKER_TIMEOUT', `${this.service} did not answer within ${this.options.timeoutMs} ms; the call was cancelled`, {
        data: { service: this.service, timeoutMs: this.options.timeoutMs },
      });
      job.control.cancel(timeout);
      return timeout;
    }
    return error;
  }
}
