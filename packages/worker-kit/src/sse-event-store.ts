import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  streamId: StreamId;
  message: JSONRPCMessage;
  seq: number;
  at: number;
}

export interface SseEventStoreOptions {
  /** Events kept at most (oldest dropped first). */
  maxEvents?: number;
  /** Events older than this are dropped: a client gone longer must start a new request. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * The memory of one HTTP session's SSE streams, so a client whose stream was closed (by the server,
 * to make it poll, or by the network) can reconnect with `Last-Event-ID` and get what it missed
 * (SEP-1699). Bounded by count and age: a worker keeps at most `maxEvents` messages per session.
 */
export class SseEventStore implements EventStore {
  private readonly events = new Map<EventId, StoredEvent>();
  private seq = 0;
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: SseEventStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 200;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const seq = ++this.seq;
    const eventId = `${streamId}:${seq}`;
    this.events.set(eventId, { streamId, message, seq, at: this.now() });
    this.evict();
    return eventId;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    this.evict();
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const last = this.events.get(lastEventId);
    if (!last) throw new Error(`event ${lastEventId} is unknown or expired; send the request again`);
    for (const [eventId, event] of this.events) {
      // Priming events carry no message (`{}`): they only give the client an id to resume from.
      if (event.streamId === last.streamId && event.seq > last.seq && 'jsonrpc' in event.message) await send(eventId, event.message);
    }
    return last.streamId;
  }

  /** Events stored now (for tests). */
  get size(): number {
    return this.events.size;
  }

  private evict(): void {
    const cutoff = this.now() - this.maxAgeMs;
    // A Map iterates in insertion order, which is age order: stop at the first event to keep.
    for (const [eventId, event] of this.events) {
      if (this.events.size <= this.maxEvents && event.at >= cutoff) break;
      this.events.delete(eventId);
    }
  }
}
