import type { BeginOptions, BeginResult, IdempotencyStore, IdempotencyTimings } from './idempotency-store.js';
import { storageKey } from './idempotency-store.js';

interface Entry {
  fingerprint: string;
  /** Absent while in flight. */
  result?: unknown;
  done: boolean;
  expiresAt: number;
  /** Which begin owns an in-flight entry: a late settle after expiry must not touch a newer claim. */
  owner: object;
}

/** Options of {@link MemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions extends IdempotencyTimings {
  /** Tests only: a fake clock in ms. */
  now?: () => number;
  /** How often expired entries are swept (default 60 s). */
  sweepIntervalMs?: number;
}

/**
 * Idempotency for a single gateway process (no REDIS_URL): a Map with expiry. Replicas do not share
 * it, so with several replicas set REDIS_URL. Atomic because JavaScript runs one turn at a time.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: MemoryIdempotencyStoreOptions) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Entries held (tests). */
  get size(): number {
    return this.entries.size;
  }

  begin(agent: string, key: string, fingerprint: string, options: BeginOptions = {}): Promise<BeginResult> {
    const id = storageKey(agent, key);
    const now = this.now();
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt > now) {
      if (entry.fingerprint !== fingerprint) return Promise.resolve({ kind: 'mismatch' });
      return Promise.resolve(entry.done ? { kind: 'replay', result: structuredClone(entry.result) } : { kind: 'in_flight' });
    }
    const owner = {};
    this.entries.set(id, { fingerprint, done: false, expiresAt: now + (options.inFlightTtlMs ?? this.options.inFlightTtlMs), owner });
    const owned = (): Entry | undefined => {
      const current = this.entries.get(id);
      return current?.owner === owner && !current.done ? current : undefined;
    };
    return Promise.resolve({
      kind: 'new',
      complete: async (result: unknown) => {
        const current = owned();
        if (!current) return;
        current.done = true;
        // A copy, so a caller changing its result object later cannot change what is replayed.
        current.result = structuredClone(result);
        current.expiresAt = this.now() + this.options.ttlMs;
      },
      fail: async () => {
        if (owned()) this.entries.delete(id);
      },
    });
  }

  /** Drops expired entries. */
  sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.entries.clear();
    return Promise.resolve();
  }
}
