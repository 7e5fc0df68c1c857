import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import { REDIS_URL, deleteRedisKeys, testRedisPrefix } from '@mcpgw/test-support';
import { Redis } from 'ioredis';
import { coalesceWrites } from './coalesced-writes.js';

const prefix = testRedisPrefix();
const clients: Redis[] = [];

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await deleteRedisKeys(prefix);
});

async function connected(coalesce: boolean): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  clients.push(redis);
  if (coalesce) coalesceWrites(redis);
  await redis.ping();
  return redis;
}

/** Counts the socket writes (write or writev system calls) of the connection's current socket. */
function countWrites(redis: Redis): { count: () => number } {
  const stream = (redis as unknown as { stream: Socket & { _writeGeneric: (...a: unknown[]) => unknown } }).stream;
  let n = 0;
  const original = stream._writeGeneric;
  stream._writeGeneric = function (this: Socket, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return { count: () => n };
}

describe('coalesceWrites (real Redis)', () => {
  it('sends the commands of one event-loop turn in one write, replies unchanged and in order', async () => {
    const redis = await connected(true);
    const writes = countWrites(redis);
    const key = `${prefix}counter`;
    const replies = await Promise.all(Array.from({ length: 100 }, () => redis.incr(key)));
    expect(replies).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(writes.count()).toBe(1);
  });

  it('(without it, ioredis writes each command on its own)', async () => {
    const redis = await connected(false);
    const writes = countWrites(redis);
    await Promise.all(Array.from({ length: 100 }, (_, i) => redis.set(`${prefix}plain:${i}`, String(i))));
    expect(writes.count()).toBe(100);
  });

  it('holds commands issued while a reply is awaited and sends them together, many turns of commands losing none', async () => {
    const redis = await connected(true);
    const writes = countWrites(redis);
    const key = `${prefix}list`;
    const sent: Promise<unknown>[] = [];
    // 20 turns of 10 commands each, each turn starting before the previous replies have arrived.
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 10; i++) sent.push(redis.rpush(key, `${turn}:${i}`));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sent);
    expect(await redis.lrange(key, 0, -1)).toEqual(Array.from({ length: 200 }, (_, n) => `${Math.floor(n / 10)}:${n % 10}`));
    expect(writes.count()).toBeLessThan(20 + 2);
  });

  it('patches the new socket after a reconnection', async () => {
    const redis = await connected(true);
    redis.disconnect(true);
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const writes = countWrites(redis);
    const values = await Promise.all(Array.from({ length: 10 }, (_, i) => redis.echo(String(i))));
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(writes.count()).toBe(1);
  });

  it('does not hold a command until a slow reply arrives: it is sent anyway, shortly', async () => {
    // A RESP server that answers each command at once (HELLO with an error, so the client stays on
    // RESP2), except `first`: its reply (and so every later one) is held until the command `second`
    // has arrived. If `second` waited for the reply to `first`, neither would ever be answered.
    const server: Server = createServer((socket) => {
      let seen = '';
      let holding: string[] | undefined;
      socket.on('data', (chunk) => {
        seen += chunk.toString('latin1');
        const commands = [...seen.matchAll(/\*(\d+)\r\n((?:\$\d+\r\n[^\r]*\r\n)+)/g)];
        seen = '';
        for (const [, , body] of commands) {
          const name = /^\$\d+\r\n([^\r]*)/.exec(body!)![1]!.toLowerCase();
          const reply = name === 'hello' ? "-ERR unknown command 'hello'\r\n" : `+${name}\r\n`;
          if (name === 'first') holding = [reply];
          else if (holding && name === 'second') {
            socket.write(holding.join('') + reply);
            holding = undefined;
          } else if (holding) holding.push(reply);
          else socket.write(reply);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const redis = new Redis({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, enableReadyCheck: false, maxRetriesPerRequest: null, lazyConnect: true });
    try {
      coalesceWrites(redis);
      await redis.connect();
      const first = redis.call('first');
      await new Promise((resolve) => setImmediate(resolve)); // the first is written and awaits its reply
      await new Promise((resolve) => setImmediate(resolve));
      const second = redis.call('second');
      expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    } finally {
      redis.disconnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
