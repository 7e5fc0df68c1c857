import { createHash } from 'node:crypto';
import { GatewayError } from '@mcpgw/protocol';

/**
 * What `begin` found for a (caller, key) pair. Only `new` runs the call: its owner must settle it
 * with `complete(result)` (stored for replays until the TTL ends) or `fail()` (the key is released,
 * so a retry can run: only successes are stored).
 */
export type BeginResult =
  | { kind: 'new'; complete(result: unknown): Promise<void>; fail(): Promise<void> }
  | { kind: 'replay'; result: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

/** Options of one `begin`. */
export interface BeginOptions {
  /**
   * How long the in-flight marker holds the key when its owner never settles it (a crashed replica).
   * Defaults to the store's own (the call timeout plus a margin); async jobs pass their own.
   */
  inFlightTtlMs?: number;
}

/**
 * Remembers the outcome of calls made with an `Idempotency-Key`, per caller (agent) and key: the
 * same key and request again gets the stored result instead of a second execution (security.md
 * D2). Two backends: Redis (shared by replicas, atomic in one script) and process memory. Each
 * backend throws {@link IdempotencyUnavailableError} when it cannot answer, never runs a call
 * without the guarantee.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for `agent` atomically. `fingerprint` identifies the request (see
   * {@link requestFingerprint}): the same key with another fingerprint is a `mismatch`.
   */
  begin(agent: string, key: string, fingerprint: string, options?: BeginOptions): Promise<BeginResult>;
  close(): Promise<void>;
}

/** Timings shared by both backends. */
export interface IdempotencyTimings {
  /** How long a completed result is kept (IDEMPOTENCY_TTL_MS). */
  ttlMs: number;
  /** How long an unsettled in-flight marker holds its key by default. */
  inFlightTtlMs: number;
}

/** The backend (Redis) could not be asked: the call is refused rather than run without the guarantee. */
export class IdempotencyUnavailableError extends GatewayError {
  constructor(cause?: unknown) {
    super('IDEMPOTENCY_UNAVAILABLE', 'the idempotency store (Redis at REDIS_URL) is unreachable, so a call with an idempotency key cannot be guarded against running twice; retry later', {
      retryAfterSeconds: 1,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** Visible ASCII (0x21–0x7E), 1 to 255 characters: what an Idempotency-Key may hold. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Checks a caller-supplied key (`where` names the header or parameter in the error) and returns
 * it; INVALID_PARAMS otherwise, since a key we cannot store faithfully would give no guarantee.
 */
export function validIdempotencyKey(value: unknown, where: string): string {
  if (typeof value === 'string' && KEY_PATTERN.test(value)) return value;
  throw new GatewayError('INVALID_PARAMS', `${where} must be 1 to 255 visible ASCII characters (no spaces), such as a UUID`, {
    data: { issues: [{ path: where, message: 'expected 1-255 visible ASCII characters' }] },
  });
}

/**
 * SHA-256 (hex) of the request in canonical JSON (object keys sorted at every level), so the same
 * request written with its keys in another order is still the same request.
 */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * One storage key per (agent, key): hashed, so agent names and keys of any content never mix
 * (no separator can be forged) and the stored key has a fixed length.
 */
export function storageKey(agent: string, key: string): string {
  return createHash('sha256').update(agent).update('\0').update(key).digest('hex');
}
