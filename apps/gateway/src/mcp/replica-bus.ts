import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { GatewayLogger } from '../logger.js';
import type { RelayAnswer } from '../workers/call-relay.js';

/** What replicas tell each other about MCP sessions (Redis pub/sub, one channel). */
export type BusMessage =
  /** Deliver a message on the session's GET stream, wherever it is open. */
  | { k: 'deliver'; s: string; m: unknown }
  /** A client answered a server→client request that replica `r` is waiting for. */
  | { k: 'reply'; r: string; id: string; a: RelayAnswer }
  /** A client cancelled one of its requests. */
  | { k: 'cancel'; s: string; id: string | number; reason: string }
  /** A client set its log level. */
  | { k: 'level'; s: string; l: string }
  /** A session was terminated. */
  | { k: 'end'; s: string };

/**
 * Replicas behind a load balancer without sticky routing: a client's POST, its GET stream and its
 * answers to the gateway's requests can each land on a different replica. With REDIS_URL, what one
 * replica learns that another needs goes over this bus; without it there is one replica and every
 * message stays in process.
 */
export class ReplicaBus {
  /** This process, in request ids it hands out, so answers find their way back. */
  readonly replicaId = randomBytes(6).toString('base64url');
  private readonly publisher: Redis | undefined;
  private readonly subscriber: Redis | undefined;
  private readonly channel: string;
  onMessage: ((message: BusMessage) => void) | undefined;

  constructor(redisUrl: string | undefined, prefix: string, private readonly log: GatewayLogger) {
    this.channel = `${prefix}mcp:bus`;
    if (!redisUrl) return;
    const options = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n: number) => Math.min(n * 200, 2_000) };
    this.publisher = new Redis(redisUrl, options);
    this.subscriber = new Redis(redisUrl, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
    let warned = false;
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => {
        if (!warned) log.warn({ err: { message: error.message } }, 'MCP session bus: Redis unreachable; messages between replicas wait for it');
        warned = true;
      });
      client.on('ready', () => {
        warned = false;
      });
    }
    this.subscriber.on('message', (_channel: string, raw: string) => {
      let message: BusMessage;
      try {
        message = JSON.parse(raw) as BusMessage;
      } catch {
        return;
      }
      this.onMessage?.(message);
    });
    void this.subscriber.subscribe(this.channel).catch((error: Error) => log.warn({ err: { message: error.message } }, 'MCP session bus: could not subscribe'));
  }

  /** Resolves once the Redis connection is up, or after `timeoutMs` (never rejects). */
  async ready(timeoutMs: number): Promise<void> {
    const client = this.publisher;
    if (!client || client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      client.once('ready', done);
      function done(): void {
        clearTimeout(timer);
        client!.off('ready', done);
        resolve();
      }
    });
  }

  /** True when other replicas can be reached (Redis configured). */
  get shared(): boolean {
    return this.publisher !== undefined;
  }

  /** The shared Redis connection (for session tombstones and the shared secret), if any. */
  get redis(): Redis | undefined {
    return this.publisher;
  }

  publish(message: BusMessage): void {
    if (!this.publisher) return;
    this.publisher.publish(this.channel, JSON.stringify(message)).catch((error: Error) => {
      this.log.warn({ err: { message: error.message }, kind: message.k }, 'MCP session bus: a message to other replicas was lost');
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.subscriber?.quit().catch(() => undefined), this.publisher?.quit().catch(() => undefined)]);
  }
}
