import type { JobHistoryQuery, JobHistoryRecord, JobRepository } from '@mcpgw/store';
import type { GatewayLogger } from '../logger.js';

/**
 * Writes job history rows without holding anyone up: the queue in Redis is the source of truth
 * for a job's state, so a store outage loses only history rows (each failure is logged), never a
 * job. Rows for one job are written in order (submit, start, finish), one at a time.
 */
export class JobHistory {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly repository: JobRepository,
    private readonly log: GatewayLogger,
  ) {}

  /** Queues the write behind earlier writes of the same job; never throws. */
  record(row: JobHistoryRecord): void {
    const previous = this.pending.get(row.id) ?? Promise.resolve();
    const next = previous
      .then(() => this.repository.upsert(row))
      .catch((error: unknown) => {
        this.log.warn({ jobId: row.id, status: row.status, error: error instanceof Error ? error.message : String(error) }, 'job history row not written (the job itself is safe in Redis)');
      })
      .finally(() => {
        if (this.pending.get(row.id) === next) this.pending.delete(row.id);
      });
    this.pending.set(row.id, next);
  }

  /** Waits for the writes in flight (shutdown, and before answering from history). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.values()]);
  }

  get(id: string): Promise<JobHistoryRecord | undefined> {
    return this.repository.get(id);
  }

  list(q: JobHistoryQuery): Promise<{ rows: JobHistoryRecord[]; nextCursor: string | null }> {
    return this.repository.list(q);
  }
}
