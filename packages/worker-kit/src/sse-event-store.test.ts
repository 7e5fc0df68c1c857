import { describe, expect, it } from '@jest/globals';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SseEventStore } from './sse-event-store.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: n } });

async function replay(store: SseEventStore, after: string): Promise<{ streamId: string; sent: [string, JSONRPCMessage][] }> {
  const sent: [string, JSONRPCMessage][] = [];
  const streamId = await store.replayEventsAfter(after, { send: async (id, message) => void sent.push([id, message]) });
  return { streamId, sent };
}

describe('SseEventStore', () => {
  it('replays the events of the same stream after the given one, skipping priming events', async () => {
    const store = new SseEventStore();
    const priming = await store.storeEvent('a', {} as JSONRPCMessage);
    const first = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(2));
    const third = await store.storeEvent('a', note(3));
    await expect(store.getStreamIdForEventId(first)).resolves.toBe('a');
    expect(await replay(store, priming)).toEqual({ streamId: 'a', sent: [[first, note(1)], [third, note(3)]] });
    expect(await replay(store, first)).toEqual({ streamId: 'a', sent: [[third, note(3)]] });
  });

  it('keeps at most maxEvents, dropping the oldest', async () => {
    const store = new SseEventStore({ maxEvents: 2 });
    const oldest = await store.storeEvent('a', note(1));
    const kept = await store.storeEvent('a', note(2));
    await store.storeEvent('a', note(3));
    expect(store.size).toBe(2);
    await expect(store.getStreamIdForEventId(oldest)).resolves.toBeUndefined();
    await expect(store.getStreamIdForEventId(kept)).resolves.toBe('a');
  });

  it('forgets events older than maxAgeMs, so a late client must start over', async () => {
    let now = 1_000;
    const store = new SseEventStore({ maxAgeMs: 100, now: () => now });
    const old = await store.storeEvent('a', note(1));
    now += 101;
    const fresh = await store.storeEvent('a', note(2));
    await expect(store.getStreamIdForEventId(old)).resolves.toBeUndefined();
    await expect(store.getStreamIdForEventId(fresh)).resolves.toBe('a');
    await expect(replay(store, old)).rejects.toThrow(`event ${old} is unknown or expired; send the request again`);
  });
});
