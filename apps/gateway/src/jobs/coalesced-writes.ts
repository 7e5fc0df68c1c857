import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

const PATCHED = Symbol('mcpgw.coalescedWrites');

/** Longest a command is held back while an earlier write waits for its reply. */
export const MAX_HOLD_MS = 2;

/**
 * Sends an ioredis connection's commands in fewer socket writes, Nagle-style. Commands issued while
 * nothing is waiting for a reply go out together at the end of the current event-loop turn;
 * commands issued while an earlier write still waits for its reply are held until a reply arrives
 * (at most `maxHoldMs`) and then go out together. Commands, their order and their replies are
 * unchanged; a command waits at most `maxHoldMs`. Each write to Redis over loopback costs system
 * time on both ends, and a queued job makes three (add, take, finish): under load this turns them
 * into a fraction of that (docs/performance.md). Only for connections that never block (not the
 * BZPOPMIN connection BullMQ opens for itself, not subscribers). Applied again on every
 * reconnection (ioredis opens a new socket each time).
 */
export function coalesceWrites(redis: Redis, maxHoldMs = MAX_HOLD_MS): void {
  const patch = (): void => {
    const stream = (redis as unknown as { stream?: Socket & { [PATCHED]?: true } }).stream;
    if (!stream || stream[PATCHED]) return;
    stream[PATCHED] = true;
    const write = stream.write;
    let corked = false;
    let awaitingReply = false;
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      if (!corked) return;
      corked = false;
      clearTimeout(timer);
      timer = undefined;
      awaitingReply = true;
      stream.uncork();
    };
    stream.on('data', () => {
      awaitingReply = false;
      // After this turn's reply handlers have issued their own commands.
      if (corked) setImmediate(flush);
    });
    stream.write = function coalescedWrite(this: Socket, ...args: Parameters<Socket['write']>): boolean {
      if (!corked) {
        corked = true;
        stream.cork();
        if (awaitingReply) timer = setTimeout(flush, maxHoldMs);
        else setImmediate(flush);
      }
      return write.apply(this, args);
    } as Socket['write'];
  };
  redis.on('connect', patch);
  patch();
}
