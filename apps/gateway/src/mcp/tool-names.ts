import { createHash } from 'node:crypto';

/** Between a service and its tool (or prompt) in the aggregate endpoint: `postgres__query`. */
export const NAME_SEPARATOR = '__';

/**
 * The longest name the aggregate endpoint announces. MCP allows 128 characters, but several
 * clients (and the LLM function-calling APIs behind them) cap names at 64 and allow only
 * `[A-Za-z0-9_-]`, so namespaced names stay inside that.
 */
export const MAX_NAME_LENGTH = 64;

const SAFE = /^[A-Za-z0-9_-]+$/;
const UNSAFE_CHARS = /[^A-Za-z0-9_-]/g;
const HASH_LENGTH = 8;

/**
 * The name a worker's tool or prompt has on `/mcp`: `<service>__<name>` when that is at most 64
 * characters of `[A-Za-z0-9_-]`. Otherwise, deterministically: other characters become `_`, the
 * result is cut to 55 characters, and `_` plus the first 8 hex digits of SHA-256(service NUL name)
 * are appended — so the same tool gets the same name on every replica and after every restart,
 * and two long names sharing a prefix still differ.
 */
export function namespacedName(service: string, name: string): string {
  const plain = service + NAME_SEPARATOR + name;
  if (plain.length <= MAX_NAME_LENGTH && SAFE.test(plain)) return plain;
  const hash = createHash('sha256').update(`${service}\0${name}`).digest('hex').slice(0, HASH_LENGTH);
  const base = plain.replace(UNSAFE_CHARS, '_').slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1);
  return `${base}_${hash}`;
}
