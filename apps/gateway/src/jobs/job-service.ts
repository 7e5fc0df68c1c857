import { createHash, randomUUID } from 'node:crypto';
import { GatewayError, errorSpec, type ErrorName, type ErrorSpec } from '@mcpgw/protocol';
import type { JobHistoryRecord, JobStatus } from '@mcpgw/store';
import type { AuditWriter } from '../audit/audit-writer.js';
import type { Caller } from '../auth/caller.js';
import type { GatewayConfig } from '../config.js';
import type { ServiceRegistry } from '../registry/service-registry.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { requestFingerprint, type IdempotencyStore } from '../idempotency/idempotency-store.js';
import type { JobHistory } from './job-history.js';
import { serviceOfJobId, statusOf, type AttemptError, type JobPayload } from './job-payload.js';
import { submitterTrace } from './job-trace.js';
import { unavailable, type JobQueues, type QueueJob } from './job-queues.js';

/** What callers see of a job (mcp.getJob, GET /jobs/:id, `/mcp-jobs status`). */
export interface JobView {
  jobId: string;
  service: string;
  tool: string;
  status: JobStatus;
  progress: unknown;
  attempts: number;
  maxAttempts: number;
  result?: unknown;
  error?: { code: number; name: string; message: string };
  /** Every failed attempt's error, oldest first. */
  errors: AttemptError[];
  submittedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface SubmitRequest {
  service: string;
  tool: string;
  arguments: Record<string, unknown>;
  idempotencyKey?: string;
  requestId: string;
  /** Where the submission came in, for the idempotency metrics' `endpoint` label: `rpc` (mcp.submit, the default) or `mcp` (a task-augmented tools/call). */
  endpoint?: 'rpc' | 'mcp';
}

const JOB_STATUSES: readonly JobStatus[] = ['queued', 'active', 'completed', 'failed', 'dead'];

/** What mcp.submit answers. */
export interface SubmitAnswer {
  jobId: string;
  status: JobStatus;
  /** Set when an idempotency key found an earlier submission: this is that job. */
  idempotent?: 'replayed';
}

/** How long a submission holds its idempotency key while it is being queued (a crashed replica frees it then). */
const SUBMIT_CLAIM_MS = 30_000;

/**
 * The async job API behind /mcp/rpc, GET /jobs/:id and `/mcp-jobs`: who may see a job (its owner,
 * or an `admin` caller; anyone else gets JOB_NOT_FOUND, never a hint that it exists), the retry
 * policy a job gets at submission (more than one attempt only for read-only or idempotent tools),
 * and the answers when Redis is missing or down (QUEUE_UNAVAILABLE).
 */
export class JobService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly queues: JobQueues | undefined,
    private readonly history: JobHistory | undefined,
    private readonly registry: Pick<ServiceRegistry, 'require' | 'resolveTool' | 'names'>,
    private readonly audit: Pick<AuditWriter, 'record'>,
    /** The idempotency store of sync calls: a submission with a key is guarded by it too (security.md D2). */
    private readonly idempotency?: { store: IdempotencyStore; metrics: Pick<GatewayMetrics, 'idempotencyHits' | 'idempotencyMisses'> },
  ) {}

  /**
   * Queues a call. With an idempotency key: the same key and request again answers the same job
   * (`idempotent: "replayed"`, its current status) instead of queueing another; the key with a
   * different request is IDEMPOTENCY_KEY_REUSED (422); while the first submission is being queued,
   * IDEMPOTENCY_IN_FLIGHT (409). The job id is also derived from (agent, key), so BullMQ itself
   * refuses a duplicate even if the idempotency record expired while the job is still in Redis.
   */
  async submit(caller: Caller, request: SubmitRequest): Promise<SubmitAnswer> {
    const guard = this.idempotency;
    if (request.idempotencyKey === undefined || !guard) return this.enqueue(caller, request);
    this.requireQueues();
    const fingerprint = requestFingerprint({ op: 'submit', service: request.service, tool: request.tool, arguments: request.arguments });
    const begun = await guard.store.begin(caller.agent, request.idempotencyKey, fingerprint, { inFlightTtlMs: SUBMIT_CLAIM_MS });
    switch (begun.kind) {
      case 'mismatch':
        throw new GatewayError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was already used for a different request (service, tool or arguments); use a new key for a new request');
      case 'in_flight':
        throw new GatewayError('IDEMPOTENCY_IN_FLIGHT', 'a submission with this idempotency key is being queued; retry to get its job id', { retryAfterSeconds: 1 });
      case 'replay': {
        guard.metrics.idempotencyHits.labels(request.endpoint ?? 'rpc').inc();
        const stored = begun.result as { jobId: string };
        const status = await this.get(caller, stored.jobId).then((view) => view.status, () => 'queued' as const);
        return { jobId: stored.jobId, status, idempotent: 'replayed' };
      }
      case 'new': {
        guard.metrics.idempotencyMisses.labels(request.endpoint ?? 'rpc').inc();
        let answer: SubmitAnswer;
        try {
          answer = await this.enqueue(caller, request);
        } catch (error) {
          await begun.fail().catch(() => undefined);
          throw error;
        }
        await begun.complete({ jobId: answer.jobId }).catch(() => undefined);
        return answer;
      }
    }
  }

  private async enqueue(caller: Caller, request: SubmitRequest): Promise<SubmitAnswer> {
    const queues = this.requireQueues();
    // The same checks as a synchronous call, before anything is queued.
    const scopes = caller.scopes;
    scopes.requireService(request.service);
    const entry = this.registry.require(request.service, (s) => scopes.seesService(s));
    const descriptor = this.registry.resolveTool(entry, request.tool, scopes.toolFilter(entry));
    scopes.requireToolOf(entry, descriptor.name);
    // Only read-only or idempotent tools are ever retried; JOBS_RETRY_POLICY tunes how (tool over service over defaults).
    const retryable = descriptor.annotations?.readOnlyHint === true || descriptor.annotations?.idempotentHint === true;
    const policy = this.config.jobs.retryPolicy[`${entry.name}:${descriptor.name}`] ?? this.config.jobs.retryPolicy[entry.name];
    const jobId =
      request.idempotencyKey === undefined
        ? `${entry.name}.${randomUUID().replaceAll('-', '')}`
        : `${entry.name}.k${createHash('sha256').update(`${caller.agent}\u0000${request.idempotencyKey}`).digest('hex').slice(0, 40)}`;
    const submittedAt = Date.now();
    const payload: JobPayload = {
      service: entry.name,
      tool: descriptor.name,
      arguments: request.arguments,
      agent: caller.agent,
      authMethod: caller.method,
      scopes: [...scopes.list],
      peer: caller.peer,
      requestId: request.requestId,
      submittedAt,
    };
    const trace = submitterTrace();
    if (trace) payload.trace = trace;
    const queue = queues.queue(entry.name);
    await queues.run(() =>
      queue.add('call', payload, {
        jobId,
        attempts: retryable ? (policy?.attempts ?? this.config.jobs.attempts) : 1,
        backoff: { type: 'exponential', delay: policy?.backoffMs ?? this.config.jobs.backoffMs, jitter: 0.5 },
        // Finished jobs stay in Redis a day (history keeps them longer); dead letters stay until purged or replayed.
        removeOnComplete: { age: 86_400, count: 10_000 },
        removeOnFail: false,
      }),
    );
    this.history?.record(historyRow(jobId, payload, 'queued'));
    return { jobId, status: 'queued' };
  }

  async get(caller: Caller, jobId: string): Promise<JobView> {
    const found = await this.find(caller, jobId);
    if (!found.job) return historyView(found.record);
    const queues = this.requireQueues();
    const state = await queues.run(() => found.job.getState());
    // The job may have finished between reading it and reading its state: read it again so its
    // result (or error) and finish time match the state reported.
    const finished = state === 'completed' || state === 'failed';
    const job = finished && found.job.finishedOn === undefined ? ((await queues.getJob(found.job.data.service, jobId)) ?? found.job) : found.job;
    return viewOf(job, state);
  }

  async cancel(caller: Caller, jobId: string): Promise<{ jobId: string; cancelled: boolean; status: JobStatus }> {
    const found = await this.find(caller, jobId);
    if (!found.job) return { jobId, cancelled: false, status: found.record.status };
    const queues = this.requireQueues();
    const job = found.job;
    let state = await queues.run(() => job.getState());
    if (statusOf(state, job.data) === 'queued') {
      const removed = await queues.run(() => job.remove().then(() => true)).catch((error: unknown) => {
        if (error instanceof GatewayError && error.spec.name === 'QUEUE_UNAVAILABLE') throw error;
        return false; // taken by a consumer meanwhile (locked): cancel it as an active job
      });
      if (removed) {
        const error: AttemptError = { attempt: job.attemptsMade, code: -32061, name: 'REQUEST_CANCELLED', message: 'the job was cancelled before it ran', at: new Date().toISOString() };
        const row = { ...historyRow(jobId, job.data, 'failed'), attempts: job.attemptsMade, errorName: error.name, errorMessage: error.message, finishedAt: new Date() };
        // Answered from history from now on: wait for the row (a store outage is logged, the job is gone either way).
        this.history?.record(row);
        await this.history?.flush();
        return { jobId, cancelled: true, status: 'failed' };
      }
      state = 'active';
    }
    if (state === 'active') {
      await queues.publishCancel(jobId);
      return { jobId, cancelled: true, status: 'active' };
    }
    return { jobId, cancelled: false, status: statusOf(state, job.data) };
  }

  async list(caller: Caller, filter: { status?: unknown; service?: unknown; limit?: unknown; cursor?: unknown; agent?: unknown }): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
    this.requireQueues();
    if (!this.history) throw unavailable('the job history needs the gateway store');
    const status = optionalEnum(filter.status, JOB_STATUSES, 'status');
    const service = optionalString(filter.service, 'service');
    const cursor = optionalString(filter.cursor, 'cursor');
    const agent = optionalString(filter.agent, 'agent');
    const limit = filter.limit === undefined ? 50 : filter.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('limit', 'a whole number from 1 to 500');
    // Only admins may look at other agents' jobs.
    const owner = caller.scopes.admin ? agent : caller.agent;
    await this.history.flush(); // this process's rows waiting for their batch
    const page = await this.history.list({ ...(owner ? { agent: owner } : {}), ...(service ? { service } : {}), ...(status ? { status } : {}), ...(cursor ? { before: cursor } : {}), limit });
    return { jobs: page.rows.map(historyView), nextCursor: page.nextCursor };
  }

  async listDeadLetters(caller: Caller | undefined, filter: { service?: unknown; limit?: unknown } = {}): Promise<{ jobs: (JobView & { agent: string })[] }> {
    const queues = this.requireQueues();
    const service = optionalString(filter.service, 'service');
    const limit = filter.limit === undefined ? 100 : filter.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000) throw invalid('limit', 'a whole number from 1 to 1000');
    const services = service ? [service] : this.registry.names();
    const jobs: (JobView & { agent: string })[] = [];
    for (const name of services) {
      const failed = await queues.run(() => queues.queue(name).getJobs(['failed'], 0, 999));
      for (const job of failed) {
        if (!job || job.data.cancelled || (caller && !visible(caller, job.data))) continue;
        jobs.push({ ...viewOf(job, 'failed'), agent: job.data.agent });
      }
    }
    jobs.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
    return { jobs: jobs.slice(0, limit) };
  }

  /** Puts a dead job back in its queue with fresh attempts; audited (D3). `caller` undefined: the CLI. */
  async replay(caller: Caller | undefined, jobId: string, requestId: string): Promise<{ jobId: string; status: 'queued' }> {
    const found = caller ? await this.find(caller, jobId) : await this.findAny(jobId);
    const job = found.job;
    const queues = this.requireQueues();
    const state = job ? await queues.run(() => job.getState()) : undefined;
    if (!job || state !== 'failed' || job.data.cancelled) {
      throw new GatewayError('INVALID_PARAMS', `job ${jobId} is not a dead letter (only dead jobs can be replayed; see mcp.listDeadLetters)`, {
        data: { issues: [{ path: 'jobId', message: 'not in the dead-letter queue' }] },
      });
    }
    await queues.run(() => job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }));
    this.history?.record({ ...historyRow(jobId, job.data, 'queued'), attempts: 0 });
    if (caller) {
      this.audit.record({
        at: new Date(),
        requestId,
        agent: caller.agent,
        authMethod: caller.method,
        service: 'jobs',
        tool: `replay:${jobId}`.slice(0, 128),
        outcome: 'ok',
        errorCode: null,
        errorName: null,
        durationMs: 0,
        peer: caller.peer,
        endpoint: 'rpc',
      });
    }
    return { jobId, status: 'queued' };
  }

  private requireQueues(): JobQueues {
    if (!this.queues) throw unavailable('REDIS_URL is not set (set REDIS_URL to use async jobs)');
    return this.queues;
  }

  /** The job if the caller may see it: from Redis, else from history; JOB_NOT_FOUND otherwise (never saying why). */
  private async find(caller: Caller, jobId: unknown): Promise<{ job: QueueJob; record?: undefined } | { job?: undefined; record: JobHistoryRecord }> {
    const found = await this.findAny(jobId);
    const owner = found.job ? found.job.data.agent : found.record.agent;
    if (owner !== caller.agent && !caller.scopes.admin) throw notFound(jobId);
    return found;
  }

  private async findAny(jobId: unknown): Promise<{ job: QueueJob; record?: undefined } | { job?: undefined; record: JobHistoryRecord }> {
    const queues = this.requireQueues();
    if (typeof jobId !== 'string' || jobId === '') throw invalid('jobId', 'required string (from mcp.submit)');
    const service = serviceOfJobId(jobId);
    if (!service || !this.registry.names().includes(service)) throw notFound(jobId);
    const job = await queues.getJob(service, jobId);
    if (job) return { job };
    const record = await this.history?.get(jobId).catch(() => undefined);
    if (record) return { record };
    throw notFound(jobId);
  }
}

function visible(caller: Caller, data: JobPayload): boolean {
  return data.agent === caller.agent || caller.scopes.admin;
}

function notFound(jobId: unknown): GatewayError {
  return new GatewayError('JOB_NOT_FOUND', `no job ${String(jobId).slice(0, 100)} visible to this caller (jobs are visible to the agent that submitted them and to admin callers)`);
}

function invalid(path: string, message: string): GatewayError {
  return new GatewayError('INVALID_PARAMS', `${path}: ${message}`, { data: { issues: [{ path, message }] } });
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 200) throw invalid(path, 'must be a non-empty string');
  return value;
}

function optionalEnum<T extends string>(value: unknown, allowed: readonly T[], path: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw invalid(path, `one of ${allowed.join(', ')}`);
  return value as T;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined || ms === 0 ? null : new Date(ms).toISOString();
}

function viewOf(job: QueueJob, state: string): JobView {
  const data = job.data;
  const status = statusOf(state, data);
  const errors = data.errors ?? [];
  const last = errors.at(-1);
  const finished = status === 'completed' || status === 'failed' || status === 'dead';
  const view: JobView = {
    jobId: job.id!,
    service: data.service,
    tool: data.tool,
    status,
    progress: job.progress,
    attempts: job.attemptsStarted ?? job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    errors,
    submittedAt: iso(data.submittedAt),
    startedAt: iso(job.processedOn),
    finishedAt: finished ? iso(job.finishedOn) : null,
    durationMs: finished && job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : null,
  };
  if (status === 'completed') view.result = job.returnvalue;
  else if ((status === 'failed' || status === 'dead') && last) view.error = { code: last.code, name: last.name, message: last.message };
  return view;
}

function historyView(record: JobHistoryRecord): JobView {
  const view: JobView = {
    jobId: record.id,
    service: record.service,
    tool: record.tool,
    status: record.status,
    progress: 0,
    attempts: record.attempts,
    maxAttempts: record.attempts,
    errors: [],
    submittedAt: record.submittedAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
    durationMs: record.durationMs,
  };
  if (record.status === 'completed') view.result = record.result;
  else if (record.errorName) view.error = { code: codeOf(record.errorName), name: record.errorName, message: record.errorMessage ?? '' };
  return view;
}

function codeOf(name: string): number {
  return (errorSpec(name as ErrorName) as ErrorSpec | undefined)?.code ?? -32603;
}

function historyRow(id: string, data: JobPayload, status: JobStatus): JobHistoryRecord {
  return {
    id,
    service: data.service,
    tool: data.tool,
    agent: data.agent,
    status,
    attempts: 0,
    errorName: null,
    errorMessage: null,
    submittedAt: new Date(data.submittedAt),
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    result: null,
  };
}
