/**
 * The HTTP plumbing every fake shares, so that each fake keeps only its upstream's behaviour: a server
 * on 127.0.0.1 (a free port by default), the request body read up to a cap, the latency knob (one
 * timer per request, cleared on close), a close that drops kept-alive connections, and the bounded
 * calls log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request's body, read up to the server's cap. */
export interface FakeRequestBody {
  /** The bytes read: the whole body, or only its first `maxBodyBytes` when `tooLarge`. */
  bytes: Buffer;
  /** How many bytes the client sent. */
  size: number;
  /** The body was larger than the cap (the fake answers its upstream's 413). */
  tooLarge: boolean;
}

export interface FakeHttpServerOptions {
  /** The body cap in bytes; a larger body is still read to its end, then served with `tooLarge`. */
  maxBodyBytes: number;
  /** The delay before each answer in ms (the latency knob), read when the request's body has arrived. */
  latencyMs(): number;
  /** Answers one request once its body is read and the delay has passed; not called when the client has gone. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, body: FakeRequestBody): void;
}

/** A fake's HTTP server: body cap, latency and lifecycle; the fake supplies `serve`. */
export class FakeHttpServer {
  readonly #server: http.Server;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: FakeHttpServerOptions;
  #port = 0;

  constructor(options: FakeHttpServerOptions) {
    this.#options = options;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 5_000;
  }

  /** `http://127.0.0.1:<port>` (the port is 0 until `listen` resolves). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one); rejects when the port cannot be had. */
  async listen(port = 0): Promise<void> {
    this.#port = await listenOnLoopback(this.#server, port);
  }

  /** Drops pending delayed answers and open connections, then stops listening. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await closeServer(this.#server);
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const { maxBodyBytes } = this.#options;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const serve = (): void => {
        if (res.destroyed) return;
        this.#options.serve(req, res, { bytes: Buffer.concat(chunks), size, tooLarge: size > maxBodyBytes });
      };
      const latency = this.#options.latencyMs();
      if (latency > 0) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          serve();
        }, latency);
        this.#timers.add(timer);
      } else {
        serve();
      }
    });
  }
}

/** Listens on 127.0.0.1:`port` (0: a free port) and resolves with the port; rejects on a listen error. */
export async function listenOnLoopback(server: http.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops listening and closes every connection, kept-alive ones included. */
export async function closeServer(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Appends `call` to a fake's calls log, dropping the oldest entries beyond `maxCalls`. */
export function recordCall<T>(calls: T[], call: T, maxCalls: number): void {
  calls.push(call);
  if (calls.length > maxCalls) calls.splice(0, calls.length - maxCalls);
}
