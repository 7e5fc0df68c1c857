import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a session is, sealed into its id: any replica can check it without asking anyone. */
export interface SessionClaims {
  /** Random, unique: what termination and server→client routing key on. */
  nonce: string;
  /** The agent that opened the session; every later request must come from the same agent. */
  agent: string;
  /** `''` for the aggregate `/mcp`, else the service of `/mcp/<service>`. */
  service: string;
  /** The negotiated protocol revision. */
  protocolVersion: string;
  /** Client capabilities that decide what the gateway may ask the client (sampling, elicitation, roots). */
  sampling: boolean;
  elicitation: boolean;
  roots: boolean;
  /** Seconds since the epoch when the session was opened. */
  issuedAt: number;
}

const VERSION = 1;

/**
 * Session ids for the MCP endpoint: `base64url(claims).base64url(HMAC-SHA256(secret, claims))`.
 * Nothing about a session has to be looked up to serve a request: the id carries it, and the MAC
 * makes it unforgeable. Only the visible ASCII range MCP requires for `Mcp-Session-Id` is used.
 */
export class SessionSealer {
  private readonly verified = new Map<string, SessionClaims>();

  constructor(private readonly secret: Buffer, private readonly cacheSize = 10_000) {}

  seal(claims: Omit<SessionClaims, 'nonce' | 'issuedAt'>, now = Date.now()): { id: string; claims: SessionClaims } {
    const full: SessionClaims = { ...claims, nonce: randomBytes(16).toString('base64url'), issuedAt: Math.floor(now / 1000) };
    const body = Buffer.from(
      JSON.stringify([VERSION, full.nonce, full.agent, full.service, full.protocolVersion, flags(full), full.issuedAt]),
    ).toString('base64url');
    return { id: `${body}.${this.mac(body)}`, claims: full };
  }

  /** The claims of a genuine id, or undefined for anything else (forged, truncated, other secret). */
  open(id: string): SessionClaims | undefined {
    const cached = this.verified.get(id);
    if (cached) return cached;
    if (id.length > 1_024) return undefined;
    const dot = id.indexOf('.');
    if (dot <= 0) return undefined;
    const body = id.slice(0, dot);
    const given = Buffer.from(id.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(parsed) || parsed[0] !== VERSION || parsed.length !== 7) return undefined;
    const [, nonce, agent, service, protocolVersion, bits, issuedAt] = parsed as [number, string, string, string, string, number, number];
    const claims: SessionClaims = {
      nonce,
      agent,
      service,
      protocolVersion,
      sampling: (bits & 1) !== 0,
      elicitation: (bits & 2) !== 0,
      roots: (bits & 4) !== 0,
      issuedAt,
    };
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(id, claims);
    return claims;
  }

  /** Forgets a session's cached verification (it was terminated). */
  forget(id: string): void {
    this.verified.delete(id);
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

function flags(claims: SessionClaims): number {
  return (claims.sampling ? 1 : 0) | (claims.elicitation ? 2 : 0) | (claims.roots ? 4 : 0);
}
