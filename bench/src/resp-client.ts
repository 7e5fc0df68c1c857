import { connect, type Socket } from 'node:net';

/** A decoded RESP2 reply. */
export type RespValue = string | number | null | RespValue[];

/** A Redis error reply. */
export class RespError extends Error {}

/**
 * The smallest Redis client the bench needs for housekeeping (PING, INFO, SCAN, DEL): one command
 * at a time over one socket. The bench package does not depend on ioredis, and the gateway's own
 * client is not what is being measured here.
 */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (v: RespValue) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.deliver();
    });
    const fail = (error: Error) => {
      this.failure = error;
      this.waiting?.reject(error);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the Redis connection closed')));
  }

  /** Connects to `redis://[user:password@]host[:port][/db]`; authenticates and selects the database when the URL says so. */
  static async open(url: string, timeoutMs = 2_000): Promise<RespClient> {
    const parsed = new URL(url);
    const socket = connect({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from Redis at ${parsed.hostname}:${parsed.port || 6379} within ${timeoutMs} ms`)));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setTimeout(0);
    const client = new RespClient(socket);
    if (parsed.password) {
      const password = decodeURIComponent(parsed.password);
      await client.command(parsed.username ? ['AUTH', decodeURIComponent(parsed.username), password] : ['AUTH', password]);
    }
    const db = parsed.pathname.replace(/^\//, '');
    if (db) await client.command(['SELECT', db]);
    return client;
  }

  /** Sends one command and resolves with its reply (rejects with RespError on an error reply). */
  command(args: (string | number)[]): Promise<RespValue> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('RespClient runs one command at a time'));
    const parts = [`*${args.length}\r\n`];
    for (const arg of args) {
      const text = String(arg);
      parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(parts.join(''));
      this.deliver();
    });
  }

  /** Deletes every key that starts with `prefix` (SCAN + DEL); returns how many were deleted. */
  async deleteKeysWithPrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for (const batch of await this.keysWithPrefix(prefix, 1_000)) deleted += Number(await this.command(['DEL', ...batch]));
    return deleted;
  }

  /** The keys that start with `prefix`, in batches. */
  async keysWithPrefix(prefix: string, batchSize = 1_000): Promise<string[][]> {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    const batches: string[][] = [];
    let cursor = '0';
    do {
      const reply = (await this.command(['SCAN', cursor, 'MATCH', pattern, 'COUNT', batchSize])) as [string, string[]];
      cursor = reply[0];
      if (reply[1].length > 0) batches.push(reply[1]);
    } while (cursor !== '0');
    return batches;
  }

  /** The redis-server's process id (INFO server), to read its CPU time. */
  async serverPid(): Promise<number | undefined> {
    const info = String(await this.command(['INFO', 'server']));
    const match = /^process_id:(\d+)/m.exec(info);
    return match ? Number(match[1]) : undefined;
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const parsed = parse(this.buffer, 0);
    if (!parsed) return;
    this.buffer = this.buffer.subarray(parsed.end);
    const waiting = this.waiting;
    this.waiting = undefined;
    if (parsed.value instanceof RespError) waiting.reject(parsed.value);
    else waiting.resolve(parsed.value);
  }
}

/** Parses one reply at `at`; undefined while it is incomplete. */
function parse(buffer: Buffer, at: number): { value: RespValue | RespError; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[at]!);
  const head = buffer.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: head, end: next };
    case '-':
      return { value: new RespError(head), end: next };
    case ':':
      return { value: Number(head), end: next };
    case '$': {
      const length = Number(head);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(head);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, end);
        if (!item) return undefined;
        if (item.value instanceof RespError) return item;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
