/**
 * A FIFO ring buffer that never holds more than `limit` items: pushing onto a full queue evicts the
 * oldest item. Push, shift and length are O(1) (amortised: storage doubles up to `limit`), so the
 * audit path costs the same with 10 rows waiting as with 100 000.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private size = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`BoundedQueue limit must be a positive integer, got ${limit}`);
  }

  get length(): number {
    return this.size;
  }

  /** Appends `item`; returns the evicted oldest item when the queue was full (else undefined). */
  push(item: T): { evicted: T } | undefined {
    if (this.size === this.limit) {
      const evicted = this.shift() as T;
      this.pushUnchecked(item);
      return { evicted };
    }
    this.pushUnchecked(item);
    return undefined;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return item;
  }

  /** Removes the `count` oldest items. */
  drop(count: number): void {
    for (let i = Math.min(count, this.size); i > 0; i--) this.shift();
  }

  /** A copy of the `count` oldest items, oldest first, left in the queue. */
  peek(count: number): T[] {
    const n = Math.min(count, this.size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.items[(this.head + i) % this.items.length] as T;
    return out;
  }

  /** Every item, oldest first. */
  toArray(): T[] {
    return this.peek(this.size);
  }

  private pushUnchecked(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) % this.items.length] = item;
    this.size++;
  }

  private grow(): void {
    const capacity = Math.min(this.limit, Math.max(16, this.items.length * 2));
    const items = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.size; i++) items[i] = this.items[(this.head + i) % this.items.length];
    this.items = items;
    this.head = 0;
  }
}
