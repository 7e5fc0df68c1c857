import type { JobHistoryQuery, JobHistoryRecord, JobRepository } from '@mcpgw/store';
import type { GatewayLogger } from '../logger.js';

/**
 * Writes job history rows without holding anyone up: the queue in Redis is the source of truth
 * for a job's state, so a store outage loses only history rows (each failure is logged), never a
 * job. Rows recorded during one event-loop turn (and while the previous write runs) are merged per
 * job and written in one statement: a job's submit, start and finish often fall into one batch, and
 * one statement per batch instead of one per row is what keeps history off the jobs' critical path.
 * Batches are written one after another, so a job's rows reach the store in order.
 */
export class JobHistory {
  private batch = new Map<string, JobHistoryRecord>();
  private writing: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly repository: JobRepository,
    private readonly log: GatewayLogger,
  ) {}

  /** Queues the row (merged with the job's earlier unwritten row); never throws. */
  record(row: JobHistoryRecord): void {
    const earlier = this.batch.get(row.id);
    this.batch.set(row.id, earlier ? merge(earlier, row) : row);
    if (!this.scheduled && !this.writing) {
      this.scheduled = true;
      setImmediate(this.write);
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
        if (this.batch.size > 0) this.write();
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
