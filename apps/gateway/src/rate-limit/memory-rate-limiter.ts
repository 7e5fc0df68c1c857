import { available, advance, resetAfter, type WindowState } from './sliding-window.js';
import { checkArguments, storageKey, type RateLimitDecision, type RateLimiter, type RateLimitRule } from './rate-limiter.js';

/** Default cap on keys held in memory. */
export const DEFAULT_MAX_ENTRIES = 50_000;

class Entry implements WindowState {
  count = 0;
  previous = 0;

  constructor(
    public start: number,
    /** When both windows are over and the entry means nothing any more. */
    public expiresAt: number,
  ) {}
}

/**
 * Sliding-window limits held in this process: O(1) per call, no allocation beyond the decision.
 * Memory is bounded by `maxEntries` keys (default 50 000): at the cap, expired keys are dropped
 * first, then the stalest live ones (least recently started window) until 10 % of the room is free
 * again — under a flood of distinct keys a forgotten caller gets a fresh window rather than the
 * process running out of memory.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.now = options.now ?? (() => Math.floor(performance.now()));
  }

  /** Keys currently held. */
  get size(): number {
    return this.entries.size;
  }

  /** `consume` without the promise, for callers on the hot path. */
  consumeNow(key: string, cost: number, rule: RateLimitRule): RateLimitDecision {
    checkArguments(cost, rule);
    return this.decide(storageKey(key), cost, rule, false);
  }

  /** `peek` without the promise. */
  peekNow(key: string, rule: RateLimitRule): RateLimitDecision {
    checkArguments(0, rule);
    return this.decide(storageKey(key), 0, rule, true);
  }

  consume(key: string, cost: number, rule: RateLimitRule): Promise<RateLimitDecision> {
    try {
      return Promise.resolve(this.consumeNow(key, cost, rule));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    try {
      return Promise.resolve(this.peekNow(key, rule));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  private decide(id: string, cost: number, rule: RateLimitRule, peek: boolean): RateLimitDecision {
    const { max, windowMs } = rule;
    const now = this.now();
    let entry = this.entries.get(id);
    if (entry === undefined) {
      if (cost === 0) {
        return { allowed: peek ? 1 : 0, limit: max, remaining: max, resetMs: windowMs, backend: 'memory' };
      }
      if (this.entries.size >= this.maxEntries) this.evict(now);
      entry = new Entry(now, now + 2 * windowMs);
      this.entries.set(id, entry);
    } else if (advance(entry, now, windowMs)) {
      // Re-inserting keeps the map ordered by window start, so eviction finds the stalest keys first.
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    const elapsed = now > entry.start ? now - entry.start : 0;
    const free = available(max, windowMs, entry.previous, entry.count, elapsed);
    const allowed = cost < free ? cost : free;
    if (allowed > 0) {
      entry.count += allowed;
      entry.expiresAt = entry.start + 2 * windowMs;
    }
    const remaining = free - allowed;
    return {
      allowed: peek ? (remaining > 0 ? 1 : 0) : allowed,
      limit: max,
      remaining,
      resetMs: resetAfter(max, windowMs, entry.previous, entry.count, elapsed, remaining),
      backend: 'memory',
    };
  }

  /** Frees 10 % of the room: O(entries), so amortised O(1) per new key. */
  private evict(now: number): void {
    const entries = this.entries;
    entries.forEach((entry, id) => {
      if (entry.expiresAt <= now) entries.delete(id);
    });
    const target = this.maxEntries - Math.max(1, Math.floor(this.maxEntries / 10));
    if (entries.size <= target) return;
    for (const id of entries.keys()) {
      entries.delete(id);
      if (entries.size <= target) return;
    }
  }
}
