import { GatewayError } from '@mcpgw/protocol';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Scopes } from '../auth/scopes.js';
import type { CallDispatcher, CallRequest } from '../calls/call-dispatcher.js';
import type { Tracer } from '@opentelemetry/api';
import { traceJob } from './job-trace.js';
import type { GatewayLogger } from '../logger.js';
import { CallControl } from '../workers/call-control.js';
import type { JobHistory } from './job-history.js';
import { boundedResult, queueName, type AttemptError, type JobPayload } from './job-payload.js';
import { coalesceWrites } from './coalesced-writes.js';
import { JobProgressRelay } from './job-progress.js';
import type { QueueJob } from './job-queues.js';

export interface JobConsumerOptions {
  redisUrl: string;
  /** BullMQ key prefix (`<REDIS_KEY_PREFIX>bull`). */
  prefix: string;
  cancelChannel: string;
  services: string[];
  /** Jobs this process runs at once per service, unless `serviceConcurrency` names the service. */
  concurrency: number;
  serviceConcurrency?: Record<string, number>;
  lockMs: number;
  dispatcher: Pick<CallDispatcher, 'call'>;
  history: JobHistory | undefined;
  log: GatewayLogger;
  /** With tracing on: each attempt runs in a `job <service>.<tool>` span (job-trace.ts). */
  tracer?: Tracer;
}

/** How many cancellations of jobs not (yet) running here are remembered (F9: bounded). */
const EARLY_CANCELS = 1_000;

/** Job slots one BullMQ Worker serves before the service gets another Worker (see consumerLanes). */
export const SLOTS_PER_FETCHER = 16;
/** Most BullMQ Workers per service in one process. */
export const MAX_FETCHERS = 8;

/**
 * How a service's concurrency is split over BullMQ Workers: one per SLOTS_PER_FETCHER slots (at most
 * MAX_FETCHERS), as even as possible, e.g. 50 → [13, 13, 12, 12]. A BullMQ Worker takes jobs one
 * at a time (each a round trip to Redis), which caps how fast one Worker can start jobs; several
 * Workers start them in parallel (measured in docs/performance.md). The bench's raw BullMQ
 * baseline uses the same split.
 */
export function consumerLanes(concurrency: number): number[] {
  const lanes = Math.min(MAX_FETCHERS, Math.max(1, Math.ceil(concurrency / SLOTS_PER_FETCHER)));
  return Array.from({ length: lanes }, (_, i) => Math.floor(concurrency / lanes) + (i < concurrency % lanes ? 1 : 0));
}

/**
 * Runs queued jobs: one BullMQ Worker per service in this process, each call going through the
 * dispatcher exactly as a synchronous call does (scopes, breaker, worker, audit row with endpoint
 * `job`). A failed attempt is retried only when its error is retryable and the job has attempts
 * left (only read-only/idempotent tools get more than one); each attempt's error is kept on the
 * job. Cancellations arrive on a Redis channel from whichever gateway took the cancel request.
 * The worker's progress notifications are stored on the job (throttled; see JobProgressRelay).
 */
export class JobConsumer {
  private readonly workers: Worker<JobPayload, unknown, string>[] = [];
  private readonly connections: Redis[] = [];
  private readonly active = new Map<string, CallControl>();
  private readonly earlyCancels = new Set<string>();
  private subscriber: Redis | undefined;

  constructor(private readonly options: JobConsumerOptions) {}

  async start(): Promise<void> {
    const { options } = this;
    this.subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, id: string) => this.cancel(id));
    await this.subscriber.subscribe(options.cancelChannel).catch((error: unknown) => {
      options.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'job cancellation channel not subscribed yet (Redis unreachable); retrying in the background');
    });
    const overrides = options.serviceConcurrency ?? {};
    const unknown = Object.keys(overrides).filter((name) => !options.services.includes(name));
    if (unknown.length > 0) options.log.warn({ services: unknown }, 'JOBS_SERVICE_CONCURRENCY names services this gateway does not run; ignored for them');
    for (const service of options.services) {
      for (const slots of consumerLanes(overrides[service] ?? options.concurrency)) {
        const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
        connection.on('error', () => undefined);
        coalesceWrites(connection);
        this.connections.push(connection);
        const worker = new Worker<JobPayload, unknown, string>(queueName(service), (job) => this.process(job), {
          connection,
          prefix: options.prefix,
          concurrency: slots,
          lockDuration: options.lockMs,
          stalledInterval: options.lockMs,
        });
        worker.on('error', (error) => options.log.warn({ service, error: error.message }, 'job consumer: Redis error (consuming resumes when Redis is back)'));
        this.workers.push(worker);
      }
    }
    options.log.info({ services: options.services, concurrency: options.concurrency, serviceConcurrency: overrides }, 'job consumers started');
  }

  /** Cancels a job running here (REQUEST_CANCELLED, not retried); remembered briefly if it has not started yet. */
  cancel(id: string): void {
    const control = this.active.get(id);
    if (control) {
      control.cancel(new GatewayError('REQUEST_CANCELLED', 'the job was cancelled'));
      return;
    }
    if (this.earlyCancels.size >= EARLY_CANCELS) this.earlyCancels.delete(this.earlyCancels.values().next().value!);
    this.earlyCancels.add(id);
  }

  private async process(job: QueueJob): Promise<unknown> {
    const data = job.data;
    const id = job.id!;
    const control = new CallControl();
    if (this.earlyCancels.delete(id)) control.cancel(new GatewayError('REQUEST_CANCELLED', 'the job was cancelled'));
    this.active.set(id, control);
    const startedAt = Date.now();
    this.writeHistory(job, 'active', { startedAt });
    const progress = new JobProgressRelay(
      (value) => job.updateProgress(value),
      (error) => this.options.log.debug({ jobId: id, error: error instanceof Error ? error.message : String(error) }, 'job progress not stored'),
    );
    try {
      if (control.reason) throw control.reason;
      const request: CallRequest = {
        service: data.service,
        tool: data.tool,
        arguments: data.arguments,
        requestId: id,
        control,
        startedAt: performance.now(),
        endpoint: 'job',
        progressRelay: progress,
        caller: {
          agent: data.agent,
          method: data.authMethod,
          scopes: new Scopes(data.scopes),
          peer: data.peer,
          rateLimit: undefined,
          rateKey: `agent:${data.agent}`,
        },
      };
      const tracer = this.options.tracer;
      const envelope = await (tracer ? traceJob(tracer, data, id, job.attemptsMade + 1, () => this.options.dispatcher.call(request)) : this.options.dispatcher.call(request));
      await progress.flush();
      this.writeHistory(job, 'completed', { startedAt, finishedAt: Date.now(), result: envelope });
      return envelope;
    } catch (thrown) {
      const error = thrown instanceof GatewayError ? thrown : new GatewayError('INTERNAL_ERROR', 'the job failed unexpectedly; see the gateway log');
      if (!(thrown instanceof GatewayError)) this.options.log.error({ err: thrown, jobId: id }, 'job failed unexpectedly');
      await progress.flush();
      const cancelled = error.spec.name === 'REQUEST_CANCELLED';
      const attempt: AttemptError = { attempt: job.attemptsMade + 1, code: error.spec.code, name: error.spec.name, message: error.message.slice(0, 2_000), at: new Date().toISOString() };
      const updated: JobPayload = { ...data, errors: [...(data.errors ?? []), attempt], ...(cancelled ? { cancelled: true } : {}) };
      await job.updateData(updated);
      const final = cancelled || !error.spec.retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.writeHistory(job, final ? (cancelled ? 'failed' : 'dead') : 'queued', { startedAt, finishedAt: final ? Date.now() : null, error: attempt });
      const message = `${error.spec.name}: ${error.message}`.slice(0, 2_000);
      throw final ? new UnrecoverableError(message) : new Error(message);
    } finally {
      this.active.delete(id);
    }
  }

  private writeHistory(
    job: QueueJob,
    status: 'active' | 'completed' | 'queued' | 'failed' | 'dead',
    at: { startedAt: number; finishedAt?: number | null; result?: unknown; error?: AttemptError },
  ): void {
    if (!this.options.history) return;
    const data = job.data;
    const finishedAt = at.finishedAt ?? null;
    this.options.history.record({
      id: job.id!,
      service: data.service,
      tool: data.tool,
      agent: data.agent,
      status,
      attempts: job.attemptsMade + 1,
      errorName: at.error?.name ?? null,
      errorMessage: at.error?.message ?? null,
      submittedAt: new Date(data.submittedAt),
      startedAt: new Date(at.startedAt),
      finishedAt: finishedAt === null ? null : new Date(finishedAt),
      durationMs: finishedAt === null ? null : finishedAt - at.startedAt,
      result: status === 'completed' ? boundedResult(at.result) : null,
    });
  }

  /**
   * Stops taking jobs and waits for the active ones to finish (F7); the deadline is the caller's
   * (SHUTDOWN_TIMEOUT_MS in server.ts). Jobs not started stay queued for another consumer.
   */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    for (const connection of this.connections) connection.disconnect();
    this.subscriber?.disconnect();
  }
}
