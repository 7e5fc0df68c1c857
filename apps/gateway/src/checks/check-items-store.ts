import { Redis } from 'ioredis';
import { withinDeadline } from '../redis/within-deadline.js';

/** How long a read or write may take before it counts as failed (a scrape must never hang on Redis). */
const OPERATION_TIMEOUT_MS = 2_000;

/** One check's counts from its latest successful run. */
export interface CheckItems {
  check: string;
  counts: Record<string, number>;
  /** When the run that produced them finished. */
  at: string;
}

/**
 * The latest counts of each check with `gauges`, in one Redis hash (`<REDIS_KEY_PREFIX>check-items`,
 * field = check name). Written by whichever replica ran the check, read by every replica at scrape
 * time, so all of them export the same `mcp_check_items` values and a restart loses nothing.
 * Checks already need Redis (their schedulers live there), so this adds no dependency.
 */
export class CheckItemsStore {
  private readonly redis: Redis;
  readonly key: string;

  constructor(url: string, keyPrefix: string) {
    this.key = `${keyPrefix}check-items`;
    this.redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: OPERATION_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Failures surface in save/read (the run counts as an error; a scrape keeps the last values).
    this.redis.on('error', () => undefined);
  }

  /** Replaces the check's counts with those of its latest run. */
  async save(check: string, counts: Record<string, number>, at = new Date()): Promise<void> {
    await this.run(() => this.redis.hset(this.key, check, JSON.stringify({ counts, at: at.toISOString() })));
  }

  /** The stored counts of the named checks (others — checks removed from the file — are ignored). */
  async read(checks: readonly string[]): Promise<CheckItems[]> {
    if (checks.length === 0) return [];
    const values = await this.run(() => this.redis.hmget(this.key, ...checks));
    const out: CheckItems[] = [];
    values.forEach((value, i) => {
      if (value === null) return;
      try {
        const parsed = JSON.parse(value) as { counts?: Record<string, unknown>; at?: unknown };
        const counts: Record<string, number> = {};
        for (const [state, count] of Object.entries(parsed.counts ?? {})) if (typeof count === 'number') counts[state] = count;
        out.push({ check: checks[i]!, counts, at: String(parsed.at) });
      } catch {
        // not written by this code: skipped, the next run replaces it
      }
    });
    return out;
  }

  close(): void {
    this.redis.disconnect();
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return withinDeadline(operation, OPERATION_TIMEOUT_MS, () => new Error(`Redis did not answer within ${OPERATION_TIMEOUT_MS} ms`));
  }
}
