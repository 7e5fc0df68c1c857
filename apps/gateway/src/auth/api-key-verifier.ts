import { GatewayError } from '@mcpgw/protocol';
import type { ApiKeyRecord, KeyRepository } from '@mcpgw/store';
import { apiKeyMatches, apiKeyPrefix } from './api-key.js';
import { Scopes } from './scopes.js';

/** A verified API key's identity. */
export interface KeyIdentity {
  prefix: string;
  /** The agent name the key was created for. */
  name: string;
  scopes: Scopes;
  /** The key's own rate limit, when it has one. */
  rateLimit: { max: number; windowMs: number } | undefined;
}

/** Why a key was refused: a bounded set, used as a metric label (never shown to the caller). */
export type KeyFailureReason = 'malformed' | 'unknown' | 'mismatch' | 'revoked' | 'expired';

/** A refused key. The caller sees one message for every reason: whether a key exists is never revealed. */
export class KeyRejectedError extends GatewayError {
  constructor(readonly reason: KeyFailureReason) {
    super('UNAUTHENTICATED', 'the X-MCP-Key is not valid: it is unknown, expired, revoked or malformed (keys look like mcp_live_<prefix>_<secret>)');
  }
}

interface CacheEntry {
  record: ApiKeyRecord | undefined;
  /** The record's hash as bytes, decoded once. */
  digest: Buffer | undefined;
  fetchedAt: number;
  identity: KeyIdentity | undefined;
}

export interface ApiKeyVerifierOptions {
  keys: Pick<KeyRepository, 'findByPrefix' | 'touch'>;
  /** How long a looked-up key is trusted without asking the store again (≤ 1 s keeps revocation within a second). */
  ttlMs: number;
  /** How long a cached key may still be used while the store is unreachable. */
  staleMs: number;
  maxEntries?: number;
  /** How often last-used times are written (batched). */
  touchIntervalMs?: number;
  log: { warn(o: object, m?: string): void; info(o: object, m?: string): void };
  now?: () => number;
}

/**
 * Verifies `X-MCP-Key` values: finds the key by prefix (cached for `ttlMs`, lookups of one prefix
 * coalesced), compares the hash in constant time, checks revocation and expiry on every call.
 * When the store is down, keys seen in the last `staleMs` keep working (F6); unknown ones get
 * STORE_UNAVAILABLE. Last-used times are written in batches, off the request path.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly touched = new Map<string, number>();
  private readonly lastTouched = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly touchTimer: NodeJS.Timeout;
  private storeDown = false;

  constructor(private readonly options: ApiKeyVerifierOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    this.touchTimer = setInterval(() => void this.flushTouches(), options.touchIntervalMs ?? 30_000);
    this.touchTimer.unref();
  }

  async verify(key: string): Promise<KeyIdentity> {
    const prefix = apiKeyPrefix(key);
    if (prefix === undefined) throw new KeyRejectedError('malformed');
    const now = this.now();
    let entry = this.cache.get(prefix);
    if (!entry || now - entry.fetchedAt >= this.options.ttlMs) entry = await this.refresh(prefix, entry, now);
    const record = entry.record;
    if (!record) throw new KeyRejectedError('unknown');
    if (!apiKeyMatches(key, entry.digest!)) throw new KeyRejectedError('mismatch');
    if (record.revokedAt) throw new KeyRejectedError('revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= now) throw new KeyRejectedError('expired');
    this.noteUse(prefix, now);
    return entry.identity!;
  }

  /** Forgets a key at once (this replica revoked it). Other replicas see it within `ttlMs`. */
  invalidate(prefix: string): void {
    this.cache.delete(prefix);
  }

  private refresh(prefix: string, previous: CacheEntry | undefined, now: number): Promise<CacheEntry> {
    let pending = this.inflight.get(prefix);
    if (!pending) {
      pending = this.lookup(prefix, previous, now).finally(() => this.inflight.delete(prefix));
      this.inflight.set(prefix, pending);
    }
    return pending;
  }

  private async lookup(prefix: string, previous: CacheEntry | undefined, now: number): Promise<CacheEntry> {
    let record: ApiKeyRecord | undefined;
    try {
      record = await this.options.keys.findByPrefix(prefix);
    } catch (error) {
      if (!this.storeDown) {
        this.storeDown = true;
        this.options.log.warn({ err: error }, 'the gateway store is unreachable: API keys are served from the cache (API_KEY_STALE_MS)');
      }
      if (previous && now - previous.fetchedAt < this.options.staleMs) return previous;
      throw new GatewayError('STORE_UNAVAILABLE', 'the API key cannot be checked right now: the gateway store is unreachable; retry shortly', { retryAfterSeconds: 5 });
    }
    if (this.storeDown) {
      this.storeDown = false;
      this.options.log.info({}, 'the gateway store is reachable again: API keys are looked up again');
    }
    const entry: CacheEntry = {
      record,
      digest: record ? Buffer.from(record.hash, 'hex') : undefined,
      fetchedAt: now,
      identity: record
        ? {
            prefix,
            name: record.name,
            scopes: new Scopes(record.scopes),
            rateLimit: record.rateLimitMax !== null && record.rateLimitWindowMs !== null ? { max: record.rateLimitMax, windowMs: record.rateLimitWindowMs } : undefined,
          }
        : undefined,
    };
    this.cache.delete(prefix);
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(prefix, entry);
    return entry;
  }

  private noteUse(prefix: string, now: number): void {
    const last = this.lastTouched.get(prefix);
    if (last !== undefined && now - last < 60_000) return;
    if (this.lastTouched.size >= this.maxEntries) this.lastTouched.clear();
    this.lastTouched.set(prefix, now);
    this.touched.set(prefix, now);
  }

  /** Writes pending last-used times (one statement). Failures are retried at the next interval. */
  async flushTouches(): Promise<void> {
    if (this.touched.size === 0) return;
    const uses = [...this.touched].map(([prefix, at]) => ({ prefix, at: new Date(at) }));
    this.touched.clear();
    try {
      await this.options.keys.touch(uses);
    } catch {
      for (const use of uses) if (!this.touched.has(use.prefix)) this.touched.set(use.prefix, use.at.getTime());
    }
  }

  async close(): Promise<void> {
    clearInterval(this.touchTimer);
    await this.flushTouches();
  }
}
