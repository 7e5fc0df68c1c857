import { QueueEvents, type QueueEventsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Caller } from '../auth/caller.js';
import type { JobService } from '../jobs/job-service.js';
import { queueName } from '../jobs/job-payload.js';
import type { GatewayLogger } from '../logger.js';
import { TASK_POLL_INTERVAL_MS, TASK_TTL_MS, progressMessage, taskOf, type McpTask } from './mcp-tasks.js';

/** Most tasks one replica tells sessions about at once; past it the oldest is no longer followed (F9). */
export const MAX_WATCHED_TASKS = 10_000;
/** At most one progress notification per task per this many milliseconds (the last one is sent, late). */
export const STATUS_PROGRESS_INTERVAL_MS = 1_000;
/** How long starting a service's event reader may hold up the first task of that service. */
const START_TIMEOUT_MS = 2_000;
const MAX_STATUS_MESSAGE = 500;

/** `notifications/tasks/status` (MCP 2025-11-25): the task, as `tasks/get` would answer it now. */
export function taskStatusNotification(task: McpTask): { jsonrpc: '2.0'; method: 'notifications/tasks/status'; params: McpTask } {
  return { jsonrpc: '2.0', method: 'notifications/tasks/status', params: task };
}

/** A working task whose worker reported progress (the job's stored progress, as an event carries it). */
export function workingTask(taskId: string, createdAt: string, statusMessage: string, now = new Date()): McpTask {
  return {
    taskId,
    status: 'working',
    ttl: TASK_TTL_MS,
    createdAt,
    lastUpdatedAt: now.toISOString(),
    pollInterval: TASK_POLL_INTERVAL_MS,
    statusMessage: statusMessage.slice(0, MAX_STATUS_MESSAGE),
  };
}

/** How long a progress notification must wait: 0 when the last one went out at least `intervalMs` ago. */
export function progressDelay(lastSentAt: number, now: number, intervalMs: number): number {
  return Math.max(0, lastSentAt + intervalMs - now);
}

/**
 * The tasks a replica follows, by task id, each with the session to tell: at most `max` (adding
 * one more drops the oldest), and every task of a session dropped at once when it ends. Pure
 * bookkeeping, no I/O.
 */
export class WatchedTasks<T extends { nonce: string }> {
  private readonly tasks = new Map<string, T>();
  private readonly bySession = new Map<string, Set<string>>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.tasks.size;
  }

  get(taskId: string): T | undefined {
    return this.tasks.get(taskId);
  }

  /** Follows a task (again: replaces its entry); returns the entries dropped to stay within `max`. */
  add(taskId: string, entry: T): T[] {
    const dropped: T[] = [];
    const previous = this.remove(taskId);
    if (previous) dropped.push(previous);
    while (this.tasks.size >= this.max) {
      const oldest = this.tasks.keys().next().value!;
      dropped.push(this.remove(oldest)!);
    }
    this.tasks.set(taskId, entry);
    let ids = this.bySession.get(entry.nonce);
    if (!ids) this.bySession.set(entry.nonce, (ids = new Set()));
    ids.add(taskId);
    return dropped;
  }

  /** Stops following a task; its entry, or undefined when it was not followed. */
  remove(taskId: string): T | undefined {
    const entry = this.tasks.get(taskId);
    if (!entry) return undefined;
    this.tasks.delete(taskId);
    const ids = this.bySession.get(entry.nonce);
    ids?.delete(taskId);
    if (ids?.size === 0) this.bySession.delete(entry.nonce);
    return entry;
  }

  /** Stops following every task of a session; their entries. */
  removeSession(nonce: string): T[] {
    const ids = this.bySession.get(nonce);
    if (!ids) return [];
    return [...ids].map((id) => this.remove(id)!);
  }

  entries(): IterableIterator<T> {
    return this.tasks.values();
  }
}

interface Watched {
  nonce: string;
  caller: Caller;
  createdAt: string;
  /** When the last notification about the task went out (epoch ms): the progress throttle. */
  lastSentAt: number;
  /** A progress message waiting for the throttle, and its timer. */
  pending?: string;
  timer?: NodeJS.Timeout;
}

/** One service's job events: a BullMQ QueueEvents on a connection of its own (it blocks reading). */
interface Reader {
  events: QueueEvents;
  connection: Redis;
}

export interface TaskStatusNotifierOptions {
  redisUrl: string;
  /** BullMQ key prefix of the job queues (bullPrefix(REDIS_KEY_PREFIX)). */
  prefix: string;
  /** The job API: a task's state when it ends (and once when it is first followed). */
  jobs: Pick<JobService, 'get'>;
  /** Sends a message to a session's GET stream, on whichever replica it is open. */
  send: (nonce: string, message: unknown) => void;
  log: GatewayLogger;
  maxTasks?: number;
  progressIntervalMs?: number;
}

/**
 * `notifications/tasks/status` for tasks created through this replica's MCP front. Job state
 * changes are learned from Redis, so they arrive whichever process runs the job (this replica,
 * another, or `mcpgw jobs-worker`): one BullMQ QueueEvents reader per service queue, started when
 * the first task of that service is created here and stopped at shutdown. A reader starts from the
 * stream position read before the task is submitted, and a task is read once when it is first
 * followed, so no change is missed however fast the job is. Followed tasks are bounded
 * ({@link MAX_WATCHED_TASKS}) and dropped when they end or their session does.
 */
export class TaskStatusNotifier {
  private readonly readers = new Map<string, Promise<Reader>>();
  private readonly watched: WatchedTasks<Watched>;
  private readonly progressIntervalMs: number;
  private closed = false;
  /** One warning per outage: set when one is logged, cleared when a reader's connection is back. */
  private warned = false;

  constructor(private readonly o: TaskStatusNotifierOptions) {
    this.watched = new WatchedTasks(o.maxTasks ?? MAX_WATCHED_TASKS);
    this.progressIntervalMs = o.progressIntervalMs ?? STATUS_PROGRESS_INTERVAL_MS;
  }

  /** How many tasks are followed now. */
  get size(): number {
    return this.watched.size;
  }

  /**
   * Makes sure the service's job events are being read; call before submitting a task, so the
   * reader starts before the job exists. Waits only for the first task of a service (at most
   * {@link START_TIMEOUT_MS}); never throws: without events, clients still poll `tasks/get`.
   */
  async prepare(service: string): Promise<void> {
    if (this.closed) return;
    let reader = this.readers.get(service);
    if (!reader) {
      reader = this.start(service);
      this.readers.set(service, reader);
    }
    await reader;
  }

  /**
   * Tells the session about this working task's status changes until it ends (or the session does).
   * A task followed already (an idempotency key replayed by another session) is then told to this one.
   */
  watch(task: McpTask, nonce: string, caller: Caller): void {
    if (this.closed || task.status !== 'working') return;
    const taskId = task.taskId;
    for (const dropped of this.watched.add(taskId, { nonce, caller, createdAt: task.createdAt, lastSentAt: 0 })) clearTimeout(dropped.timer);
    // A change before the task was followed (a job that ended at once) is caught by reading it once.
    this.o.jobs.get(caller, taskId).then(
      (view) => {
        const now = taskOf(view);
        if (now.status === 'working') return;
        const entry = this.watched.remove(taskId);
        if (entry) this.notify(entry, now);
      },
      () => undefined,
    );
  }

  /** A session ended: its tasks are no longer followed. */
  forgetSession(nonce: string): void {
    for (const entry of this.watched.removeSession(nonce)) clearTimeout(entry.timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.watched.entries()) clearTimeout(entry.timer);
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.allSettled(
      readers.map(async (starting) => {
        const { events, connection } = await starting;
        const closing = events.close();
        // Ends the blocking read at once rather than when its timeout comes.
        connection.disconnect();
        await closing;
      }),
    );
  }

  private async start(service: string): Promise<Reader> {
    const connection = new Redis(this.o.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    connection.on('ready', () => {
      this.warned = false;
    });
    const events = new QueueEvents(queueName(service), { connection, prefix: this.o.prefix, autorun: false });
    events.on('error', (error: Error) => this.warn(error, service));
    let timer: NodeJS.Timeout | undefined;
    try {
      // From the stream's last entry now: every event of a task submitted after this is read.
      const last = await Promise.race([
        connection.xrevrange(events.keys.events!, '+', '-', 'COUNT', 1),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer in time')), START_TIMEOUT_MS);
        }),
      ]);
      (events.opts as QueueEventsOptions).lastEventId = last[0]?.[0] ?? '0-0';
    } catch (error) {
      // Read from whenever Redis answers: a task created meanwhile may miss a change (tasks/get still tells).
      this.warn(error, service);
    } finally {
      clearTimeout(timer);
    }
    events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data));
    events.on('completed', ({ jobId }) => this.onEnded(jobId));
    events.on('failed', ({ jobId }) => this.onEnded(jobId));
    events.on('removed', ({ jobId }) => this.onRemoved(jobId));
    events.run().catch((error: unknown) => this.warn(error, service));
    return { events, connection };
  }

  private onProgress(taskId: string, data: unknown): void {
    const entry = this.watched.get(taskId);
    const message = entry && progressMessage(data);
    if (!entry || !message) return;
    const wait = progressDelay(entry.lastSentAt, Date.now(), this.progressIntervalMs);
    if (wait === 0) {
      this.notify(entry, workingTask(taskId, entry.createdAt, message));
      return;
    }
    entry.pending = message;
    entry.timer ??= setTimeout(() => {
      entry.timer = undefined;
      const pending = entry.pending;
      entry.pending = undefined;
      if (pending && this.watched.get(taskId) === entry) this.notify(entry, workingTask(taskId, entry.createdAt, pending));
    }, wait);
    entry.timer.unref();
  }

  /** Completed, or failed for good (a retry is not an end): the task as the job now says. */
  private onEnded(taskId: string): void {
    const entry = this.watched.remove(taskId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.o.jobs.get(entry.caller, taskId).then(
      (view) => this.notify(entry, taskOf(view)),
      (error: unknown) => this.o.log.debug({ taskId, reason: error instanceof Error ? error.message : String(error) }, 'task status not sent: the job could not be read'),
    );
  }

  /** Removed from its queue before it ran: cancelled (mcp.cancelJob, tasks/cancel). */
  private onRemoved(taskId: string): void {
    const entry = this.watched.remove(taskId);
    if (!entry) return;
    clearTimeout(entry.timer);
    const now = new Date().toISOString();
    this.notify(entry, { taskId, status: 'cancelled', ttl: TASK_TTL_MS, createdAt: entry.createdAt, lastUpdatedAt: now, pollInterval: TASK_POLL_INTERVAL_MS, statusMessage: 'the job was cancelled before it ran' });
  }

  private notify(entry: Watched, task: McpTask): void {
    entry.lastSentAt = Date.now();
    this.o.send(entry.nonce, taskStatusNotification(task));
  }

  private warn(error: unknown, service: string): void {
    if (this.warned) return;
    this.warned = true;
    this.o.log.warn({ service, reason: error instanceof Error ? error.message : String(error) }, 'MCP task status: job events could not be read from Redis; clients still see task changes with tasks/get');
  }
}
