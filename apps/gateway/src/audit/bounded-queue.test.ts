import { describe, expect, it } from '@jest/globals';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('keeps items in FIFO order across growth and wrap-around', () => {
    const q = new BoundedQueue<number>(1_000);
    for (let i = 0; i < 40; i++) q.push(i);
    for (let i = 0; i < 30; i++) expect(q.shift()).toBe(i);
    for (let i = 40; i < 100; i++) q.push(i);
    expect(q.length).toBe(70);
    expect(q.toArray()).toEqual(Array.from({ length: 70 }, (_, i) => i + 30));
  });

  it('evicts the oldest item when full and reports it', () => {
    const q = new BoundedQueue<number>(3);
    expect(q.push(1)).toBeUndefined();
    q.push(2);
    q.push(3);
    expect(q.push(4)).toEqual({ evicted: 1 });
    expect(q.push(5)).toEqual({ evicted: 2 });
    expect(q.toArray()).toEqual([3, 4, 5]);
    expect(q.length).toBe(3);
  });

  it('peeks without removing and drops from the front', () => {
    const q = new BoundedQueue<string>(10);
    for (const s of ['a', 'b', 'c', 'd']) q.push(s);
    expect(q.peek(2)).toEqual(['a', 'b']);
    expect(q.peek(10)).toEqual(['a', 'b', 'c', 'd']);
    q.drop(3);
    expect(q.toArray()).toEqual(['d']);
    q.drop(5);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('rejects a limit below 1', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
