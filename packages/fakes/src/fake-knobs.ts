/**
 * Fault-knob pieces several fakes share: the checks of the common knobs (latency, error rate,
 * 429 burst, error kinds) and the 429 burst counter. How each fault looks on the wire stays in each fake.
 */

/** The knobs the fakes have in common. */
export interface CommonFaultKnobs {
  latencyMs: number;
  errorRate: number;
  rateLimit429: { burst: number; retryAfterSec: number } | null;
}

/** Throws a RangeError for a common knob value a fake cannot honour. */
export function validateCommonKnobs(knobs: Partial<CommonFaultKnobs>): void {
  if (knobs.latencyMs !== undefined && !(Number.isFinite(knobs.latencyMs) && knobs.latencyMs >= 0)) {
    throw new RangeError('knobs.latencyMs must be a finite number >= 0');
  }
  if (knobs.errorRate !== undefined && !(knobs.errorRate >= 0 && knobs.errorRate <= 1)) throw new RangeError('knobs.errorRate must be within 0..1');
  const limit = knobs.rateLimit429;
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit.burst) && limit.burst >= 0 && limit.retryAfterSec >= 0)) {
    throw new RangeError('knobs.rateLimit429 needs an integer burst >= 0 and retryAfterSec >= 0');
  }
}

/** Throws a RangeError when `kinds` names an error kind outside `allowed`. */
export function validateErrorKinds(kinds: readonly string[] | undefined, allowed: readonly string[]): void {
  if (kinds === undefined || kinds.every((k) => allowed.includes(k))) return;
  const quoted = allowed.map((k) => `'${k}'`);
  throw new RangeError(`knobs.errorKinds takes ${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`);
}

/**
 * The `rateLimit429` burst: the first `burst` requests after a knob value is set (a new object) are
 * refused. `reset()` restarts the burst of the current value (the fakes call it when the knob is assigned).
 */
export class RateLimitBurst {
  #for: object | null = null;
  #left = 0;

  /** True when this request falls inside the burst of `limit` (and counts it). */
  take(limit: CommonFaultKnobs['rateLimit429']): boolean {
    if (limit === null || limit.burst <= 0) return false;
    if (this.#for !== limit) {
      this.#for = limit;
      this.#left = limit.burst;
    }
    if (this.#left <= 0) return false;
    this.#left -= 1;
    return true;
  }

  reset(): void {
    this.#for = null;
  }
}
