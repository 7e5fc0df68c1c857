import type { JobHistoryQuery, JobHistoryRecord, JobRepository } from '@mcpgw/store';
import type { GatewayLogger } from '../logger.js';

/** Rows that start a write at once, whatever the flush interval. */
export const HISTORY_BATCH_ROWS = 500;

/**
 * Writes job history rows without holding anyone up: the queue in Redis is the source of truth
 * for a job's state (mcp.getJob reads Redis first), so a store outage loses only history rows (each
 * failure is logged), never a job. Rows wait up to `flushMs` (JOBS_HISTORY_FLUSH_MS; 0: the end of
 * the event-loop turn) or until HISTORY_BATCH_ROWS jobs have rows, are merged per job and written in
 * one statement: a job's submit, start and finish mostly fall into one batch, and one statement per
 * batch instead of per row is what keeps history off the jobs' critical path (measured in
 * docs/performance.md). Batches are written one after another, so a job's rows reach the store in
 * order; `flush()` writes what is waiting (shutdown, and before answering a listing from history).
 */
export class JobHistory {
  private batch = new Map<string, JobHistoryRecord>();
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(
    private readonly repository: JobRepository,
    private readonly log: GatewayLogger,
    private readonly flushMs = 0,
  ) {}

  /** Queues the row (merged with the job's earlier unwritten row); never throws. */
  record(row: JobHistoryRecord): void {
    const earlier = this.batch.get(row.id);
    this.batch.set(row.id, earlier ? merge(earlier, row) : row);
    if (!this.writing) this.schedule();
  }

  /** Writes now when the batch is full, else once the flush interval has passed. */
  private schedule(): void {
    if (this.batch.size >= HISTORY_BATCH_ROWS) {
      this.write();
    } else if (!this.scheduled && this.batch.size > 0) {
      this.scheduled = true;
      if (this.flushMs > 0) this.timer = setTimeout(this.write, this.flushMs);
      else setImmediate(this.write);
    }
  }

  /** Waits until every row recorded so far is written (shutdown, and before answering from history). */
  async flush(): Promise<void> {
    while (this.writing || this.batch.size > 0) {
      if (this.writing) await this.writing;
      else this.write();
    }
  }

  private readonly write = (): void => {
    this.scheduled = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.batch.size === 0) return;
    const rows = [...this.batch.values()];
    this.batch = new Map();
    this.writing = this.repository
      .upsertMany(rows)
      .catch((error: unknown) => {
        this.log.warn({ rows: rows.length, error: error instanceof Error ? error.message : String(error) }, 'job history rows not written (the jobs themselves are safe in Redis)');
      })
      .finally(() => {
        this.writing = undefined;
        this.schedule();
      });
  };

  get(id: string): Promise<JobHistoryRecord | undefined> {
    return this.repository.get(id);
  }

  list(q: JobHistoryQuery): Promise<{ rows: JobHistoryRecord[]; nextCursor: string | null }> {
    return this.repository.list(q);
  }
}

const FINISHED = new Set(['completed', 'failed', 'dead']);

/** Two rows of one job, the later one winning field by field, and a finished status never undone. */
function merge(earlier: JobHistoryRecord, later: JobHistoryRecord): JobHistoryRecord {
  const keepEarlierStatus = FINISHED.has(earlier.status) && !FINISHED.has(later.status) && later.attempts <= earlier.attempts;
  if (keepEarlierStatus) return earlier;
  return {
    ...later,
    attempts: Math.max(earlier.attempts, later.attempts),
    startedAt: later.startedAt ?? earlier.startedAt,
  };
}
