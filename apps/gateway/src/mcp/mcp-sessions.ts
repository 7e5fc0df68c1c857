import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Scopes } from '../auth/scopes.js';
import type { GatewayLogger } from '../logger.js';
import type { CallControl } from '../workers/call-control.js';
import type { ReplicaBus } from './replica-bus.js';
import { SessionSealer, type SessionClaims } from './session-token.js';

/** MCP log levels, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;

export function levelRank(level: unknown): number {
  return LOG_LEVELS.indexOf(level as (typeof LOG_LEVELS)[number]);
}

/** A GET stream: where a session's messages that belong to no request go. */
export class ServerStream {
  private readonly timer: NodeJS.Timeout;
  closed = false;

  constructor(private readonly reply: FastifyReply, keepAliveMs: number, headers: Record<string, string>, onClose: () => void) {
    reply.hijack();
    reply.raw.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    reply.raw.flushHeaders();
    this.timer = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    this.timer.unref();
    reply.raw.once('close', () => {
      this.close();
      onClose();
    });
  }

  send(message: unknown): void {
    this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (!this.reply.raw.destroyed) this.reply.raw.end();
  }

  private write(chunk: string): void {
    if (!this.closed && !this.reply.raw.destroyed) this.reply.raw.write(chunk);
  }
}

/** What this replica holds for a session it has served (rebuilt from the sealed id on any replica). */
export class LocalSession {
  readonly streams = new Set<ServerStream>();
  /** The client's `logging/setLevel`; until then, every log line about its calls is sent. */
  level: string | undefined;
  /** Resource URIs the client subscribed to through this replica → the service that owns each. */
  readonly subscriptions = new Map<string, string>();
  /** The client's requests in flight here, by its own request id (for notifications/cancelled). */
  readonly inFlight = new Map<string | number, CallControl>();
  lastSeen = Date.now();
  /** The caller's scopes at its last request here (what pushed list changes are filtered by). */
  scopes: Scopes | undefined;

  constructor(readonly id: string, readonly claims: SessionClaims) {}
}

export type SessionLookup = { session: LocalSession } | { status: 400 | 403 | 404; message: string };

const TERMINATED: SessionLookup = { status: 404, message: 'the MCP session was terminated; send initialize to start a new one' };

/** How long "not terminated" from Redis is believed before asking again (per session). */
const END_CHECK_TTL_MS = 1_000;
/** Sessions with no stream and no request for this long are forgotten here (the id stays valid). */
const IDLE_FORGET_MS = 10 * 60_000;

/**
 * MCP sessions. The id is sealed (see session-token.ts), so every replica can serve every session
 * without shared state; what is shared is only the fact that a session was terminated (DELETE),
 * kept in Redis until the session would have expired anyway, and checked at most once a second per
 * session. Without Redis there is one replica and the fact stays in process.
 */
export class McpSessions {
  private readonly local = new Map<string, LocalSession>();
  private readonly ended = new Set<string>();
  private readonly endChecked = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private readonly sealer: SessionSealer,
    private readonly maxAgeMs: number,
    private readonly bus: ReplicaBus,
    private readonly prefix: string,
    private readonly log: GatewayLogger,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /**
   * The secret that seals session ids: MCP_SESSION_SECRET; else one shared through Redis (the
   * first replica to start sets it); else random for this process (one replica: sessions end
   * when it restarts, and clients start new ones, as MCP expects).
   */
  static async open(options: { secret: string | undefined; maxAgeMs: number; bus: ReplicaBus; prefix: string; log: GatewayLogger }): Promise<McpSessions> {
    let secret: Buffer | undefined = options.secret ? Buffer.from(options.secret) : undefined;
    const redis = options.bus.redis;
    if (!secret && redis) {
      await options.bus.ready(3_000);
      const key = `${options.prefix}mcp:session-secret`;
      try {
        await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
        const shared = await redis.get(key);
        if (shared) secret = Buffer.from(shared);
      } catch (error) {
        options.log.warn({ err: { message: (error as Error).message } }, 'MCP sessions: could not read the shared secret from Redis; sessions are valid on this replica only (set MCP_SESSION_SECRET)');
      }
    }
    return new McpSessions(new SessionSealer(secret ?? randomBytes(32)), options.maxAgeMs, options.bus, options.prefix, options.log);
  }

  create(claims: Omit<SessionClaims, 'nonce' | 'issuedAt'>): LocalSession {
    const { id, claims: full } = this.sealer.seal(claims);
    const session = new LocalSession(id, full);
    this.local.set(full.nonce, session);
    return session;
  }

  /**
   * The session a request names, checked: genuine, not expired, not terminated, same agent and
   * endpoint. Synchronous unless Redis must be asked whether it was terminated (once a second).
   */
  lookup(id: string, agent: string, service: string): SessionLookup | Promise<SessionLookup> {
    const claims = this.sealer.open(id);
    if (!claims) return { status: 404, message: 'unknown MCP session (it may have expired or been issued by another gateway); send initialize without Mcp-Session-Id to start a new one' };
    if (Date.now() - claims.issuedAt * 1000 > this.maxAgeMs) return { status: 404, message: 'the MCP session has expired (MCP_SESSION_MAX_AGE_MS); send initialize to start a new one' };
    if (claims.service !== service) return { status: 404, message: `this MCP session belongs to ${claims.service ? `/mcp/${claims.service}` : '/mcp'}; send initialize here to start one for this endpoint` };
    if (claims.agent !== agent) return { status: 403, message: 'this MCP session was opened by another agent; start your own with initialize' };
    const ended = this.isEnded(claims.nonce);
    if (ended === false) return this.found(id, claims);
    if (ended === true) return TERMINATED;
    return ended.then((yes) => (yes ? TERMINATED : this.found(id, claims)));
  }

  private found(id: string, claims: SessionClaims): SessionLookup {
    let session = this.local.get(claims.nonce);
    if (!session) {
      session = new LocalSession(id, claims);
      this.local.set(claims.nonce, session);
    }
    session.lastSeen = Date.now();
    return { session };
  }

  /** Sessions this replica holds. */
  sessions(): IterableIterator<LocalSession> {
    return this.local.values();
  }

  get(nonce: string): LocalSession | undefined {
    return this.local.get(nonce);
  }

  /** Terminates a session everywhere (DELETE). */
  async end(session: LocalSession): Promise<void> {
    const nonce = session.claims.nonce;
    this.endLocally(nonce);
    const redis = this.bus.redis;
    if (redis) {
      const ttl = Math.max(1_000, session.claims.issuedAt * 1000 + this.maxAgeMs - Date.now());
      await redis.set(this.endKey(nonce), '1', 'PX', ttl);
      this.bus.publish({ k: 'end', s: nonce });
    }
  }

  /** Forgets a terminated session on this replica: closes its streams, cancels nothing by itself. */
  endLocally(nonce: string): LocalSession | undefined {
    this.ended.add(nonce);
    const session = this.local.get(nonce);
    this.local.delete(nonce);
    if (session) {
      this.sealer.forget(session.id);
      for (const stream of session.streams) stream.close();
    }
    return session;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const session of this.local.values()) for (const stream of session.streams) stream.close();
  }

  private isEnded(nonce: string): boolean | Promise<boolean> {
    if (this.ended.has(nonce)) return true;
    if (!this.bus.redis) return false;
    const checked = this.endChecked.get(nonce);
    const now = Date.now();
    if (checked !== undefined && now - checked < END_CHECK_TTL_MS) return false;
    return this.askRedisIfEnded(nonce, now);
  }

  private async askRedisIfEnded(nonce: string, now: number): Promise<boolean> {
    const redis = this.bus.redis!;
    try {
      const exists = await redis.exists(this.endKey(nonce));
      this.endChecked.set(nonce, now);
      if (exists) {
        this.ended.add(nonce);
        return true;
      }
    } catch (error) {
      // Redis down: a terminated session may live on here until it is back; calls keep working.
      this.log.debug({ err: { message: (error as Error).message } }, 'MCP sessions: could not check termination in Redis');
    }
    return false;
  }

  private endKey(nonce: string): string {
    return `${this.prefix}mcp:ended:${nonce}`;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [nonce, session] of this.local) {
      if (session.streams.size === 0 && session.inFlight.size === 0 && session.subscriptions.size === 0 && now - session.lastSeen > IDLE_FORGET_MS) this.local.delete(nonce);
    }
    for (const [nonce, at] of this.endChecked) if (now - at > END_CHECK_TTL_MS) this.endChecked.delete(nonce);
    if (this.ended.size > 100_000) this.ended.clear();
  }
}
