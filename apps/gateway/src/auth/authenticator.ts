import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '@mcpgw/protocol';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import type { ApiKeyVerifier } from './api-key-verifier.js';
import { KeyRejectedError } from './api-key-verifier.js';
import type { Caller } from './caller.js';
import type { JwtVerifier } from './jwt-verifier.js';
import { JwtVerificationError } from './jwt-verifier.js';
import { NetworkMatcher, isLoopback, normalizeAddress } from './network.js';
import { Scopes } from './scopes.js';

const AGENT_ID = /^[A-Za-z0-9._@:-]{1,64}$/;
const MAX_BLOCKED_PEERS = 10_000;

/** Whether a Host header names a loopback host (`localhost`, `*.localhost`, 127.x.x.x, [::1]), with or without a port. Absent counts as loopback. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return true;
  let name = host.toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') === -1 ? undefined : name.indexOf(']'));
  else if (name.includes(':')) name = name.slice(0, name.lastIndexOf(':'));
  return name === 'localhost' || name.endsWith('.localhost') || isLoopback(name);
}

/** A refused request, with a bounded reason for metrics. */
export class AuthFailure extends GatewayError {
  constructor(
    readonly method: 'api_key' | 'jwt' | 'none',
    readonly reason: string,
    cause: GatewayError,
  ) {
    super(cause.spec.name, cause.message, { ...(cause.data ? { data: cause.data } : {}), ...(cause.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: cause.retryAfterSeconds }) });
  }
}

export interface AuthenticatorOptions {
  localhostBypass: boolean;
  localScopes: readonly string[];
  trustedNetworks: readonly string[];
  keys: ApiKeyVerifier;
  jwt: JwtVerifier | undefined;
  /** Counts failed attempts per peer address. */
  failures: RateLimiter;
  failureRule: { max: number; windowMs: number };
}

/** What the authenticator needs of a request: headers and the client address. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  /** Client address after trusted-proxy processing (Fastify's `request.ip`). */
  ip: string;
  /** The socket itself: tells a direct local connection from one a trusted proxy relayed. */
  socket: { remoteAddress?: string | undefined };
}

/**
 * Decides who a request comes from, in priority order: a presented credential (`X-MCP-Key`, then
 * `Authorization: Bearer <JWT>`) is always verified; without one, a caller whose address is
 * loopback (or in TRUSTED_NETWORKS) is let in as `local` when the bypass is on. Everything else
 * is UNAUTHENTICATED. Peers that fail too often get RATE_LIMITED before their credential is checked.
 */
export class Authenticator {
  private readonly trusted: NetworkMatcher;
  private readonly localScopes: Scopes;
  /**
   * Peers whose failures used up AUTH_FAILURE_MAX, until when. Failures are counted in the shared
   * limiter; the block itself is remembered here so a request with a credential costs no extra
   * round trip to Redis. Bounded: the oldest entry goes when it is full.
   */
  private readonly blocked = new Map<string, number>();

  constructor(private readonly options: AuthenticatorOptions) {
    this.trusted = new NetworkMatcher(options.trustedNetworks);
    this.localScopes = new Scopes(options.localScopes);
  }

  async authenticate(request: AuthRequest): Promise<Caller> {
    const peer = normalizeAddress(request.ip);
    const keyHeader = request.headers['x-mcp-key'];
    const authorization = request.headers.authorization;
    if (keyHeader === undefined && authorization === undefined) {
      if (this.options.localhostBypass && isLoopback(peer)) {
        // DNS rebinding: a web page whose name now resolves to 127.0.0.1 reaches us from a local browser
        // with its own name in Host. Direct loopback callers must address the gateway as a loopback host.
        if (request.socket.remoteAddress !== undefined && normalizeAddress(request.socket.remoteAddress) === peer && !isLoopbackHost(request.headers.host)) {
          throw await this.fail(peer, 'none', 'foreign_host', new GatewayError('UNAUTHENTICATED', 'the localhost bypass takes only requests addressed to localhost, 127.0.0.1 or [::1] (this one names another host: possible DNS rebinding); send X-MCP-Key or Authorization: Bearer <JWT>'));
        }
        return this.local(peer, request.headers['x-agent-id']);
      }
      if (this.options.localhostBypass && this.trusted.has(peer)) return this.local(peer, request.headers['x-agent-id']);
      this.refuseIfBlocked(peer, 'none');
      throw await this.fail(peer, 'none', 'missing', new GatewayError('UNAUTHENTICATED', 'this endpoint needs a credential: send X-MCP-Key: mcp_live_<prefix>_<secret> or Authorization: Bearer <JWT>'));
    }
    if (keyHeader !== undefined) {
      this.refuseIfBlocked(peer, 'api_key');
      if (typeof keyHeader !== 'string') throw await this.fail(peer, 'api_key', 'malformed', new KeyRejectedError('malformed'));
      try {
        const key = await this.options.keys.verify(keyHeader.trim());
        return { agent: key.name, method: 'api_key', scopes: key.scopes, peer, rateLimit: key.rateLimit, rateKey: `agent:${key.name}` };
      } catch (error) {
        if (error instanceof KeyRejectedError) throw await this.fail(peer, 'api_key', error.reason, error);
        throw error;
      }
    }
    this.refuseIfBlocked(peer, 'jwt');
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization!);
    if (!match) {
      throw await this.fail(peer, 'jwt', 'malformed', new GatewayError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <JWT>" (or send X-MCP-Key instead)'));
    }
    if (!this.options.jwt) {
      throw await this.fail(peer, 'jwt', 'not_configured', new GatewayError('UNAUTHENTICATED', 'this gateway accepts no bearer tokens (no JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL is set); send X-MCP-Key instead'));
    }
    try {
      const token = await this.options.jwt.verify(match[1]!);
      return { agent: token.subject, method: 'jwt', scopes: new Scopes(token.scopes), peer, rateLimit: undefined, rateKey: `agent:${token.subject}` };
    } catch (error) {
      if (error instanceof JwtVerificationError) throw await this.fail(peer, 'jwt', error.reason, error);
      throw error;
    }
  }

  private local(peer: string, agentHeader: string | string[] | undefined): Caller {
    let agent = 'local';
    if (agentHeader !== undefined) {
      if (typeof agentHeader !== 'string' || !AGENT_ID.test(agentHeader)) {
        throw new GatewayError('INVALID_REQUEST', 'X-Agent-Id must be 1-64 letters, digits or . _ @ : -', { data: { issues: [{ path: 'X-Agent-Id', message: 'invalid agent id' }] } });
      }
      agent = agentHeader;
    }
    return { agent, method: 'local', scopes: this.localScopes, peer, rateLimit: undefined, rateKey: `local:${agent}` };
  }

  /** A peer that failed too often is refused before its credential is even looked at. */
  private refuseIfBlocked(peer: string, method: 'api_key' | 'jwt' | 'none'): void {
    if (this.blocked.size === 0) return;
    const until = this.blocked.get(peer);
    if (until === undefined) return;
    const now = Date.now();
    if (until <= now) {
      this.blocked.delete(peer);
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
    throw new AuthFailure(
      method,
      'peer_blocked',
      new GatewayError('RATE_LIMITED', `too many failed authentication attempts from this address; retry after ${retryAfter} s`, { retryAfterSeconds: retryAfter, data: { limit: 'auth_failures' } }),
    );
  }

  private async fail(peer: string, method: 'api_key' | 'jwt' | 'none', reason: string, error: GatewayError): Promise<AuthFailure> {
    const state = await this.options.failures.consume(`authfail:${peer}`, 1, this.options.failureRule);
    if (state.remaining === 0) {
      if (this.blocked.size >= MAX_BLOCKED_PEERS) this.blocked.delete(this.blocked.keys().next().value!);
      this.blocked.set(peer, Date.now() + state.resetMs);
    }
    return new AuthFailure(method, reason, error);
  }
}
