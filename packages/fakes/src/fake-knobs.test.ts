import { describe, expect, it } from '@jest/globals';
import { RateLimitBurst, validateCommonKnobs, validateErrorKinds } from './fake-knobs.js';

describe('validateCommonKnobs', () => {
  it('accepts sound values and refuses the ones a fake cannot honour', () => {
    expect(() => validateCommonKnobs({ latencyMs: 0, errorRate: 1, rateLimit429: { burst: 2, retryAfterSec: 1 } })).not.toThrow();
    expect(() => validateCommonKnobs({ rateLimit429: null })).not.toThrow();
    expect(() => validateCommonKnobs({ latencyMs: Number.POSITIVE_INFINITY })).toThrow('knobs.latencyMs must be a finite number >= 0');
    expect(() => validateCommonKnobs({ errorRate: 1.5 })).toThrow('knobs.errorRate must be within 0..1');
    expect(() => validateCommonKnobs({ rateLimit429: { burst: 1.5, retryAfterSec: 1 } })).toThrow(RangeError);
  });
});

describe('validateErrorKinds', () => {
  it('names the kinds the fake takes', () => {
    expect(() => validateErrorKinds(undefined, ['a', 'b'])).not.toThrow();
    expect(() => validateErrorKinds(['b'], ['a', 'b'])).not.toThrow();
    expect(() => validateErrorKinds(['c'], ['a', 'b', 'd'])).toThrow("knobs.errorKinds takes 'a', 'b' and 'd'");
  });
});

describe('RateLimitBurst', () => {
  it('refuses the first `burst` requests of each knob value, and again after reset', () => {
    const burst = new RateLimitBurst();
    const limit = { burst: 2, retryAfterSec: 1 };
    expect([burst.take(limit), burst.take(limit), burst.take(limit)]).toEqual([true, true, false]);
    burst.reset();
    expect(burst.take(limit)).toBe(true);
    expect(burst.take({ ...limit })).toBe(true);
    expect(burst.take(null)).toBe(false);
    expect(burst.take({ burst: 0, retryAfterSec: 1 })).toBe(false);
  });
});
