import type { AuditRow } from '@mcpgw/store';
import { restartDelay, type BackoffPolicy } from '../workers/backoff.js';
import { deleteSpoolFile, readSpoolFile, writeSpoolFile } from './audit-spool-file.js';
import { BoundedQueue } from './bounded-queue.js';

/** Where audit rows end up: the store's audit repository (one multi-row insert per call). */
export interface AuditSink {
  append(rows: AuditRow[]): Promise<void>;
}

/** The few logger methods the writer uses (a pino logger fits). */
export interface AuditLog {
  warn(o: object, m?: string): void;
  info(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/** Metric hooks; the caller wires them to prom-client. Called off the request path except `onDropped`. */
export interface AuditWriterEvents {
  /** `n` rows were written to the store. */
  onWritten?(n: number): void;
  /** `n` rows were lost: evicted from a full spool, recorded after close, or unsavable at shutdown. */
  onDropped?(n: number): void;
  /** Rows waiting in memory, after each write attempt, at start and at close. */
  onSpoolSize?(n: number): void;
  /** The store went down (false) or came back (true). The writer assumes it is up until a write fails. */
  onStoreState?(up: boolean): void;
}

export interface AuditWriterOptions {
  sink: AuditSink;
  log: AuditLog;
  /** Longest a recorded row waits before a flush starts (default 250). */
  flushIntervalMs?: number;
  /** Rows per `sink.append` call; this many waiting rows also start a flush at once (default 500). */
  batchSize?: number;
  /** Rows kept in memory while the store is down; beyond it the oldest are dropped (default 100 000). */
  maxSpoolRows?: number;
  /** Where rows that could not be written by the close deadline are saved (and replayed by `start()`). */
  spoolFile?: string;
  /** First retry delay after a failed write; it doubles per failure (default 250). */
  retryBaseMs?: number;
  /** Longest retry delay (default 10 000). */
  retryMaxMs?: number;
  events?: AuditWriterEvents;
}

/** Defaults of the optional settings. */
export const AUDIT_WRITER_DEFAULTS = {
  flushIntervalMs: 250,
  batchSize: 500,
  maxSpoolRows: 100_000,
  retryBaseMs: 250,
  retryMaxMs: 10_000,
  closeDeadlineMs: 5_000,
} as const;

interface FlushWaiter {
  /** Resolve once every row up to this sequence number has left the queue. */
  target: number;
  resolve: () => void;
}

/**
 * Writes one audit row per call to the store without slowing the call down. `record()` only puts
 * the row in a bounded in-memory queue; rows are written in batches, one `append` at a time, in
 * the order they were recorded. While the store is down they wait (oldest dropped beyond
 * `maxSpoolRows`) and are retried with back-off. `close()` saves whatever the store would not take
 * by its deadline to `spoolFile`, and the next `start()` replays that file, deleting it once every
 * row in it is written. Delivery is at-least-once: a crash between a write and the deletion of the
 * file, or a write still in flight at the close deadline, replays those rows (duplicates, never loss).
 *
 * Rows are numbered in the order they enter the queue; rows only ever leave from the front
 * (written or evicted), so "written up to N" is a single counter and `flush()` waits on it.
 */
export class AuditWriter {
  private readonly sink: AuditSink;
  private readonly log: AuditLog;
  private readonly events: AuditWriterEvents;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly spoolFile: string | undefined;
  private readonly retryPolicy: BackoffPolicy;
  private queue: BoundedQueue<AuditRow>;

  /** Rows that ever entered the queue (the sequence number of the newest). */
  private entered = 0;
  /** Rows at the front of the queue that are being appended right now. */
  private inFlight = 0;
  /** In-flight rows evicted meanwhile: lost only if that append fails. */
  private evictedInFlight = 0;
  /** The current drain writes until this sequence number. */
  private drainTarget = 0;
  private draining: Promise<void> | undefined;
  private waiters: FlushWaiter[] = [];

  private flushTimer: NodeJS.Timeout | undefined;
  private kickTimer: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  private storeUp = true;
  private downSince = 0;
  private droppedWhileDown = 0;
  private writtenTotal = 0;
  private droppedTotal = 0;

  private starting: Promise<void> | undefined;
  /** Set by `start()`: flushing begins only then, after the spool file's rows are queued. */
  private running = false;
  /** True once `start()` read the spool file: its rows are in the queue, so `close()` may rewrite it. */
  private spoolLoaded = false;
  /** The spool file is deleted once every row up to this sequence number has been written. */
  private spoolReplayUntil: number | undefined;
  private deleting: Promise<void> | undefined;

  private closing: Promise<void> | undefined;
  /** `close()` was called: `record()` is ignored. */
  private closed = false;
  /** `close()` has taken the rows that remain; a late append result must not touch anything. */
  private finished = false;

  constructor(options: AuditWriterOptions) {
    this.sink = options.sink;
    this.log = options.log;
    this.events = options.events ?? {};
    this.flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? AUDIT_WRITER_DEFAULTS.flushIntervalMs);
    this.batchSize = positive('batchSize', options.batchSize ?? AUDIT_WRITER_DEFAULTS.batchSize);
    this.queue = new BoundedQueue(positive('maxSpoolRows', options.maxSpoolRows ?? AUDIT_WRITER_DEFAULTS.maxSpoolRows));
    this.spoolFile = options.spoolFile;
    const baseMs = positive('retryBaseMs', options.retryBaseMs ?? AUDIT_WRITER_DEFAULTS.retryBaseMs);
    this.retryPolicy = { baseMs, maxMs: Math.max(baseMs, positive('retryMaxMs', options.retryMaxMs ?? AUDIT_WRITER_DEFAULTS.retryMaxMs)) };
  }

  /** Rows recorded but not yet written (in memory, including a batch in flight). */
  get pending(): number {
    return this.queue.length;
  }

  /** Rows written to the store so far. */
  get written(): number {
    return this.writtenTotal;
  }

  /** Rows lost so far (see `AuditWriterEvents.onDropped`). */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Loads the spool file left by the previous run (its rows go first) and starts flushing. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.load();
    return this.starting;
  }

  /** Queues one row. Synchronous and O(1); never throws; ignored (and counted dropped) after `close()`. */
  record(row: AuditRow): void {
    if (this.closed) {
      this.drop(1);
      return;
    }
    this.entered++;
    if (this.queue.push(row)) {
      // The oldest row is at the front; if it is part of the append in flight, it is only lost if that append fails.
      if (this.inFlight > 0) {
        this.inFlight--;
        this.evictedInFlight++;
      } else {
        this.drop(1);
      }
    }
    if (!this.running) return;
    if (this.queue.length >= this.batchSize) this.kick();
    else this.armFlushTimer();
  }

  /**
   * Resolves once every row recorded so far is written, or as soon as a write fails (the rows stay
   * queued). A wait for a back-off retry is cut short: the write is tried now. Never rejects.
   * Before `start()` nothing is written, so it resolves at once.
   */
  flush(): Promise<void> {
    if (this.finished || (!this.running && !this.closed)) return Promise.resolve();
    const target = this.entered;
    if (this.flushedSeq >= target) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ target, resolve });
      this.clearTimers();
      void this.drain();
    });
  }

  /**
   * Stops accepting rows and writes the rest, retrying until `deadlineMs` (default 5 000) has passed;
   * what is still unwritten then goes to the spool file (or is logged as lost without one).
   * Idempotent: later calls return the first call's promise. Its own timers keep the process alive
   * until it resolves, so the rows reach the store or the file.
   */
  close(options: { deadlineMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.deadlineMs ?? AUDIT_WRITER_DEFAULTS.closeDeadlineMs);
    return this.closing;
  }

  /** Sequence number of the newest row that has left the queue (written or evicted). */
  private get flushedSeq(): number {
    return this.entered - this.queue.length;
  }

  private async load(): Promise<void> {
    const file = this.spoolFile;
    if (file !== undefined && !this.closed) {
      try {
        const replay = new BoundedQueue<AuditRow>(this.queue.limit);
        let evicted = 0;
        const read = await readSpoolFile(file, (row) => {
          if (replay.push(row)) evicted++;
        });
        if (read.corrupt > 0) {
          this.log.warn({ file, skipped: read.corrupt, lines: read.corruptLines }, 'skipped corrupt lines in the audit spool file');
        }
        // close() may have given up waiting for this read: then the file is left as it is.
        if (!this.finished) {
          if (read.found) {
            this.queueReplay(replay, read.rows, evicted);
            this.log.info({ file, rows: read.rows, dropped: evicted }, 'replaying audit rows from the spool file');
          }
          this.spoolLoaded = true;
        }
      } catch (error) {
        this.log.error({ err: error, file }, 'could not read the audit spool file; it is kept and rows saved at shutdown are added to it');
      }
    }
    if (this.closed) return;
    this.running = true;
    this.emitSpoolSize();
    await this.deleteReplayedSpool();
    if (this.queue.length >= this.batchSize) this.kick();
    else if (this.queue.length > 0) this.armFlushTimer();
  }

  /** Puts the spool file's rows ahead of the rows recorded while it was being read (they are older). */
  private queueReplay(replay: BoundedQueue<AuditRow>, fileRows: number, evictedWhileReading: number): void {
    const merged = new BoundedQueue<AuditRow>(this.queue.limit);
    let evicted = evictedWhileReading;
    for (const row of replay.toArray()) if (merged.push(row)) evicted++;
    for (const row of this.queue.toArray()) if (merged.push(row)) evicted++;
    this.spoolReplayUntil = this.flushedSeq + fileRows;
    this.entered += fileRows;
    this.queue = merged;
    if (evicted > 0) this.drop(evicted);
  }

  private kick(): void {
    if (this.kickTimer || this.draining || this.retryTimer || this.finished) return;
    this.kickTimer = setImmediate(() => {
      this.kickTimer = undefined;
      void this.drain();
    });
    this.kickTimer.unref();
  }

  private armFlushTimer(): void {
    if (this.flushTimer || this.draining || this.retryTimer || this.kickTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.drain();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  private clearTimers(): void {
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    if (this.kickTimer) clearImmediate(this.kickTimer);
    this.flushTimer = this.retryTimer = this.kickTimer = undefined;
  }

  /** Writes every row queued now (and, while full batches keep arriving, those too); one drain at a time. */
  private drain(): Promise<void> {
    this.drainTarget = this.entered;
    this.draining ??= this.runDrain().finally(() => {
      this.draining = undefined;
      this.afterDrain();
    });
    return this.draining;
  }

  private async runDrain(): Promise<void> {
    while (!this.finished && this.queue.length > 0 && (this.flushedSeq < this.drainTarget || this.queue.length >= this.batchSize)) {
      const batch = this.queue.peek(this.batchSize);
      this.inFlight = batch.length;
      this.evictedInFlight = 0;
      try {
        await this.sink.append(batch);
      } catch (error) {
        this.appendFailed(error);
        return;
      }
      if (this.finished) return;
      this.appendSucceeded(batch.length);
      await this.deleteReplayedSpool();
      this.resolveWaiters(false);
    }
  }

  private appendSucceeded(rows: number): void {
    this.queue.drop(this.inFlight);
    this.inFlight = 0;
    this.evictedInFlight = 0;
    this.failures = 0;
    this.writtenTotal += rows;
    this.emit('onWritten', rows);
    if (!this.storeUp) {
      this.storeUp = true;
      this.emit('onStoreState', true);
      this.log.info(
        { rowsFlushed: rows, backlog: this.queue.length, downMs: Math.round(performance.now() - this.downSince), dropped: this.droppedWhileDown },
        'audit store is back; writing the spooled audit rows',
      );
    }
    this.emitSpoolSize();
  }

  private appendFailed(error: unknown): void {
    if (this.finished) return;
    this.inFlight = 0;
    if (this.storeUp) {
      this.storeUp = false;
      this.downSince = performance.now();
      this.droppedWhileDown = 0;
      this.emit('onStoreState', false);
      this.log.warn({ err: error, spooled: this.queue.length }, 'audit store is unavailable; keeping audit rows in memory and retrying');
    }
    if (this.evictedInFlight > 0) this.drop(this.evictedInFlight);
    this.evictedInFlight = 0;
    this.failures++;
    this.emitSpoolSize();
    this.resolveWaiters(true);
    if (!this.closed) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.drain();
      }, this.retryDelay());
      this.retryTimer.unref();
    }
  }

  private afterDrain(): void {
    this.resolveWaiters(false);
    // A flush() that arrived as the last drain was ending (after a failure) still wants a try now.
    if (this.waiters.length > 0 && !this.finished) {
      void this.drain();
      return;
    }
    if (this.closed || !this.running || this.retryTimer || this.queue.length === 0) return;
    if (this.queue.length >= this.batchSize) this.kick();
    else this.armFlushTimer();
  }

  private retryDelay(): number {
    return restartDelay(this.retryPolicy, Math.max(0, this.failures - 1));
  }

  private resolveWaiters(all: boolean): void {
    if (this.waiters.length === 0) return;
    const flushed = this.flushedSeq;
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (all || waiter.target <= flushed) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  /** Deletes the replayed spool file once all its rows are written (or evicted, and counted). */
  private async deleteReplayedSpool(): Promise<void> {
    const file = this.spoolFile;
    if (file === undefined || this.spoolReplayUntil === undefined || this.flushedSeq < this.spoolReplayUntil || this.finished) return;
    this.spoolReplayUntil = undefined;
    this.deleting = deleteSpoolFile(file).catch((error: unknown) => this.log.error({ err: error, file }, 'could not delete the replayed audit spool file'));
    await this.deleting;
    this.deleting = undefined;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.closed = true;
    this.clearTimers();
    const deadline = performance.now() + deadlineMs;
    if (this.starting) await beforeDeadline(this.starting, deadline);
    while (this.queue.length > 0 && performance.now() < deadline) {
      await beforeDeadline(this.flush(), deadline);
      if (this.queue.length === 0 || performance.now() >= deadline) break;
      await beforeDeadline(sleep(this.retryDelay()), deadline);
    }
    if (this.deleting) await this.deleting;
    this.finished = true;
    this.clearTimers();
    this.resolveWaiters(true);
    const rows = this.queue.toArray();
    if (rows.length > 0) await this.saveAtShutdown(rows);
    this.emit('onSpoolSize', 0);
  }

  private async saveAtShutdown(rows: AuditRow[]): Promise<void> {
    const file = this.spoolFile;
    if (file === undefined) {
      this.log.error({ lost: rows.length }, 'audit store unavailable at shutdown and no spool file configured; audit rows lost');
      this.drop(rows.length);
      return;
    }
    try {
      await writeSpoolFile(file, rows, this.spoolLoaded ? 'replace' : 'append');
      this.log.warn({ rows: rows.length, file }, 'audit store unavailable at shutdown; audit rows saved to the spool file for the next start');
    } catch (error) {
      this.log.error({ err: error, file, lost: rows.length }, 'could not write the audit spool file; audit rows lost');
      this.drop(rows.length);
    }
  }

  private drop(rows: number): void {
    this.droppedTotal += rows;
    if (!this.storeUp) this.droppedWhileDown += rows;
    this.emit('onDropped', rows);
  }

  private emitSpoolSize(): void {
    this.emit('onSpoolSize', this.queue.length);
  }

  private emit<K extends keyof AuditWriterEvents>(event: K, value: Parameters<NonNullable<AuditWriterEvents[K]>>[0]): void {
    const callback = this.events[event] as ((this: AuditWriterEvents, v: typeof value) => void) | undefined;
    try {
      callback?.call(this.events, value);
    } catch (error) {
      this.log.error({ err: error, event }, 'audit metrics callback failed');
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`AuditWriter ${name} must be a positive integer, got ${value}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise`, but no later than `deadline` (a performance.now() time). The timer is ref'd on purpose. */
async function beforeDeadline(promise: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
    }),
  ]);
  clearTimeout(timer);
}
