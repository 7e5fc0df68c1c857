import type { AuthMethod } from '@mcpgw/store';
import type { Scopes } from './scopes.js';

/** Who is calling: set on every authenticated request (`request.caller`). */
export interface Caller {
  /** The agent identity: key name, JWT `sub`, or `local` (or the local caller's X-Agent-Id). */
  agent: string;
  method: AuthMethod;
  scopes: Scopes;
  /** The client address (the socket peer, or the address a trusted proxy reports). */
  peer: string;
  /** The key's own rate limit, overriding RATE_LIMIT_MAX_REQUESTS / RATE_LIMIT_WINDOW_MS. */
  rateLimit: { max: number; windowMs: number } | undefined;
  /** The rate-limit bucket: one per agent identity. */
  rateKey: string;
}
