import { connect, type Socket } from 'node:net';

/**
 * One keep-alive HTTP/1.1 connection that POSTs a fixed JSON body and answers each response's
 * body, one request at a time. The jobs bench's closed-loop lanes use it instead of `fetch`: on
 * this 2-core machine undici's `fetch` costs the load generator about 400 µs of CPU per request,
 * taken from the very cores the gateway, Redis and the worker run on (measured with per-process CPU
 * in docs/performance.md); this costs a few tens. Responses must carry `content-length` (Fastify's
 * JSON replies do).
 */
export class HttpLane {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (body: string) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly request: Buffer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.deliver();
    });
    const fail = (error: Error) => {
      this.failure = error;
      this.waiting?.reject(error);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed')));
  }

  /** Connects to `url` (http only) for POSTs of `body` to its path. */
  static async open(url: string, body: string, headers: Record<string, string> = {}): Promise<HttpLane> {
    const target = new URL(url);
    const socket = connect(Number(target.port || 80), target.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const lines = [
      `POST ${target.pathname}${target.search} HTTP/1.1`,
      `host: ${target.host}`,
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    return new HttpLane(socket, Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`));
  }

  /** Sends the request and resolves with the response body (any status; see `lastStatus`). */
  post(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('one request at a time per lane'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(this.request);
    });
  }

  /** The status code of the last complete response. */
  lastStatus = 0;

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    const head = this.buffer.indexOf('\r\n\r\n');
    if (head < 0 || !this.waiting) return;
    const header = this.buffer.subarray(0, head).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(header);
    if (!length) {
      this.waiting.reject(new Error(`response without content-length: ${header.split('\r\n')[0]}`));
      this.waiting = undefined;
      return;
    }
    const end = head + 4 + Number(length[1]);
    if (this.buffer.length < end) return;
    this.lastStatus = Number(header.slice(9, 12));
    const body = this.buffer.subarray(head + 4, end).toString('utf8');
    this.buffer = this.buffer.subarray(end);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(body);
  }
}
