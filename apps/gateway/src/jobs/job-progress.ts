import type { CallRelay, RelayAnswer } from '../workers/call-relay.js';

/** What a job's `progress` holds once its worker reported some (MCP `notifications/progress`). */
export interface JobProgressValue {
  progress: number;
  total?: number;
  message?: string;
}

/** Where the stored progress is written: BullMQ's `job.updateProgress`. */
export type ProgressSink = (value: JobProgressValue) => Promise<void>;

/** At most one progress write per job per this many milliseconds (plus the last one, on flush). */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * The relay a job's call gets in place of an MCP client: the worker's progress notifications
 * become the job's stored progress, so `mcp.getJob` shows how far a long call has got. A worker
 * may report thousands of steps; each write is a Redis round trip, so writes are throttled to one
 * per {@link PROGRESS_INTERVAL_MS} and {@link flush} writes the last value before the job finishes.
 * Requests back to a client (sampling, elicitation, roots) have nobody to answer them: refused.
 */
export class JobProgressRelay implements CallRelay {
  /** Any defined token: the worker sees a gateway-made one; progress is stored, not forwarded. */
  readonly progressToken = 'job';
  private pending: JobProgressValue | undefined;
  private lastWriteAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: ProgressSink,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  notify(method: string, params: Record<string, unknown> | undefined): void {
    if (method !== 'notifications/progress' || !params) return;
    const value = progressOf(params);
    if (!value) return;
    this.pending = value;
    if (this.timer) return;
    const wait = this.lastWriteAt + this.intervalMs - Date.now();
    if (wait <= 0) this.write();
    else this.timer = setTimeout(() => this.write(), wait);
  }

  request(): Promise<RelayAnswer> {
    return Promise.resolve({ error: { code: -32601, message: 'a queued job has no client to answer requests (sampling, elicitation, roots)' } });
  }

  /** Writes the last progress not written yet and waits for every write; call before the job ends. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) this.write();
    await this.writing;
  }

  private write(): void {
    this.timer = undefined;
    const value = this.pending;
    if (!value) return;
    this.pending = undefined;
    this.lastWriteAt = Date.now();
    // Writes in order, one at a time: an older value never lands after a newer one.
    this.writing = this.writing.then(() => this.sink(value)).catch(this.onError);
  }
}

/** The progress fields of a `notifications/progress`, or undefined when `progress` is not a number. */
function progressOf(params: Record<string, unknown>): JobProgressValue | undefined {
  const { progress, total, message } = params;
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return undefined;
  const value: JobProgressValue = { progress };
  if (typeof total === 'number' && Number.isFinite(total)) value.total = total;
  if (typeof message === 'string') value.message = message.slice(0, 500);
  return value;
}
