import { describe, expect, it } from '@jest/globals';
import { MAX_FETCHERS, SLOTS_PER_FETCHER, consumerLanes } from './job-consumer.js';

describe('consumerLanes', () => {
  it('gives a service one BullMQ Worker per 16 slots, split as evenly as possible', () => {
    expect(consumerLanes(1)).toEqual([1]);
    expect(consumerLanes(4)).toEqual([4]);
    expect(consumerLanes(SLOTS_PER_FETCHER)).toEqual([16]);
    expect(consumerLanes(17)).toEqual([9, 8]);
    expect(consumerLanes(50)).toEqual([13, 13, 12, 12]);
  });

  it('never uses more than MAX_FETCHERS Workers, and the slots always add up to the concurrency', () => {
    expect(consumerLanes(1_000)).toHaveLength(MAX_FETCHERS);
    for (const n of [1, 2, 15, 16, 33, 64, 100, 129, 500, 1_000]) expect(consumerLanes(n).reduce((a, b) => a + b, 0)).toBe(n);
  });
});
