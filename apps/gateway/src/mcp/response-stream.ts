import type { FastifyReply } from 'fastify';

/** How the handler answers: a JSON body through Fastify, or nothing (the stream was taken over). */
export type StreamOutcome = { kind: 'json'; body: string } | { kind: 'sse' };

/**
 * The answer to one POST on the MCP endpoint. Quick calls are answered as a plain JSON body (the
 * cheapest, and what most clients handle best). As soon as there is something to send before the
 * answer — a progress notification, a log line, a sampling request — or the call has run for one
 * keep-alive interval, the response turns into an SSE stream (`text/event-stream`): messages go out
 * as events, a comment line is written every interval so idle-timeout proxies keep the connection,
 * and the final answer closes the stream.
 */
export class ResponseStream {
  private state: 'pending' | 'sse' | 'closed' = 'pending';
  private resolveOutcome!: (outcome: StreamOutcome) => void;
  readonly outcome: Promise<StreamOutcome>;
  private watched = false;
  /** When the last bytes (or the start) went out, for the keep-alive clock. */
  quietSince = 0;

  constructor(
    private readonly reply: FastifyReply,
    private readonly headers: Record<string, string>,
    private readonly clock: KeepAliveClock,
  ) {
    this.outcome = new Promise((resolve) => {
      this.resolveOutcome = resolve;
    });
  }

  /** Starts the keep-alive clock (call when a request that may take long is being forwarded). */
  watch(): void {
    if (this.watched || this.state === 'closed') return;
    this.watched = true;
    this.quietSince = this.clock.now;
    this.clock.streams.add(this);
  }

  /** Called by the clock when nothing went out for a whole interval. */
  keepAlive(now: number): void {
    this.upgrade();
    this.write(': keep-alive\n\n');
    this.quietSince = now;
  }

  /** True while the client is still listening. */
  get open(): boolean {
    return this.state !== 'closed' && !this.reply.raw.destroyed;
  }

  /** A message before the answer (notification or server→client request). */
  send(message: unknown): void {
    if (this.state === 'closed') return;
    this.upgrade();
    this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    this.quietSince = this.clock.now;
  }

  /** The answer (a response object, or an array for a batch); ends the exchange. */
  finish(body: string): void {
    if (this.state === 'closed') return;
    this.stopKeepAlive();
    if (this.state === 'pending') {
      this.state = 'closed';
      this.resolveOutcome({ kind: 'json', body });
      return;
    }
    this.write(`event: message\ndata: ${body}\n\n`);
    this.state = 'closed';
    this.reply.raw.end();
  }

  /** Ends the exchange without an answer (the client went away). */
  abort(): void {
    this.stopKeepAlive();
    if (this.state === 'sse') this.reply.raw.end();
    this.state = 'closed';
  }

  private upgrade(): void {
    if (this.state !== 'pending') return;
    this.state = 'sse';
    this.reply.hijack();
    this.reply.raw.writeHead(200, { ...this.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    this.reply.raw.flushHeaders();
    this.resolveOutcome({ kind: 'sse' });
  }

  private write(chunk: string): void {
    if (!this.reply.raw.destroyed) this.reply.raw.write(chunk);
  }

  private stopKeepAlive(): void {
    if (this.watched) this.clock.streams.delete(this);
    this.watched = false;
  }
}

/**
 * One timer for every call's keep-alive (a timer per call costs more than the call on the hot
 * path): each tick, streams quiet for a whole interval get a comment line.
 */
export class KeepAliveClock {
  readonly streams = new Set<ResponseStream>();
  now = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly intervalMs: number) {
    const tick = Math.max(50, Math.floor(intervalMs / 4));
    this.timer = setInterval(() => {
      this.now = Date.now();
      for (const stream of this.streams) if (this.now - stream.quietSince >= intervalMs) stream.keepAlive(this.now);
    }, tick);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.streams.clear();
  }
}
