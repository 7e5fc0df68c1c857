import { GatewayError } from '@mcpgw/protocol';
import { RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../auth/caller.js';
import type { JobService, JobView } from '../jobs/job-service.js';
import type { CallControl } from '../workers/call-control.js';
import { invalidParam as invalid } from '../http/store-errors.js';
import { IDEMPOTENT_META } from './mcp-idempotency.js';

/** The first MCP revision with tasks (experimental there): older sessions get synchronous calls. */
export const TASKS_PROTOCOL_VERSION = '2025-11-25';

/** What the gateway declares under `capabilities.tasks` when long calls may become jobs. */
export const TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } } as const;

/** How often clients are told to poll `tasks/get` (a hint; they may poll less often). */
export const TASK_POLL_INTERVAL_MS = 500;

/** How long a task's full result is kept: BullMQ keeps a completed job a day (jobs/job-service.ts). */
export const TASK_TTL_MS = 86_400_000;

/** How often `tasks/result` and `tasks/cancel` look at the job while they wait. */
const WAIT_POLL_MS = 200;
/** How long `tasks/cancel` waits for a running job to stop before answering with what it sees. */
const CANCEL_SETTLE_MS = 2_000;
const MAX_STATUS_MESSAGE = 500;

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** An MCP task (2025-11-25 `Task`), as tasks/get, tasks/list and tasks/cancel answer it. */
export interface McpTask {
  taskId: string;
  status: TaskStatus;
  ttl: number | null;
  createdAt: string;
  lastUpdatedAt: string;
  pollInterval?: number;
  statusMessage?: string;
}

/** The part of the job API tasks use (app.jobs). */
export type TaskJobs = Pick<JobService, 'submit' | 'get' | 'cancel' | 'list'>;

/**
 * MCP tasks on top of async jobs: a task-augmented `tools/call` is submitted as a job (the same
 * scope checks as `mcp.submit`, owned by the caller's agent) and its job id is the task id, so a
 * task started on one replica can be polled, awaited or cancelled on any other, and a task is also
 * visible through `mcp.getJob` and `GET /jobs/:id`. Nothing is kept in this process.
 */
export class McpTasks {
  constructor(private readonly jobs: TaskJobs) {}

  /**
   * `tools/call` with `params.task`: queues the call and answers a CreateTaskResult at once. With an
   * idempotency key the submission is guarded like `mcp.submit`'s: the same key and call again
   * answers the task it created (its current state, `_meta["mcpgw/idempotent"] = "replayed"`).
   */
  async create(
    caller: Caller,
    target: { service: string; name: string },
    args: Record<string, unknown>,
    task: unknown,
    requestId: string,
    idempotencyKey?: string,
  ): Promise<{ task: McpTask; _meta?: Record<string, unknown> }> {
    if (task === null || typeof task !== 'object' || Array.isArray(task)) {
      throw invalid('task', 'params.task must be an object such as {} or {"ttl": 60000}');
    }
    const ttl = (task as Record<string, unknown>)['ttl'];
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0)) throw invalid('task.ttl', 'params.task.ttl must be a number of milliseconds');
    const submitted = await this.jobs.submit(caller, {
      service: target.service,
      tool: target.name,
      arguments: args,
      requestId,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey, endpoint: 'mcp' as const }),
    });
    const { jobId } = submitted;
    // The task this key created, as it is now (it may have finished meanwhile).
    if (submitted.idempotent === 'replayed') return { task: taskOf(await this.jobs.get(caller, jobId)), _meta: { [IDEMPOTENT_META]: 'replayed' } };
    const now = new Date().toISOString();
    // The requested ttl is a wish (the spec lets the receiver decide): results are kept TASK_TTL_MS.
    return { task: { taskId: jobId, status: 'working', ttl: TASK_TTL_MS, createdAt: now, lastUpdatedAt: now, pollInterval: TASK_POLL_INTERVAL_MS } };
  }

  /** `tasks/get`. On /mcp/<service>, only that service's tasks exist. */
  async get(caller: Caller, params: Record<string, unknown>, service: string): Promise<McpTask> {
    return taskOf(await this.view(caller, taskIdOf(params), service));
  }

  /**
   * `tasks/result`: waits until the job ends (polling it; the caller keeps the response alive with
   * keep-alives and cancels `control` when the client goes away), then answers the CallToolResult.
   */
  async result(caller: Caller, params: Record<string, unknown>, service: string, control: CallControl): Promise<Record<string, unknown>> {
    const taskId = taskIdOf(params);
    for (;;) {
      const view = await this.view(caller, taskId, service);
      if (isFinished(view)) return callToolResultOf(view);
      await pause(WAIT_POLL_MS, control);
      if (control.reason) throw control.reason;
    }
  }

  /** `tasks/list`: the caller's own tasks (admins too: tasks are per agent), newest first. */
  async list(caller: Caller, params: Record<string, unknown>, service: string): Promise<{ tasks: McpTask[]; nextCursor?: string }> {
    const cursor = params['cursor'];
    const page = await this.jobs.list(caller, { agent: caller.agent, ...(service ? { service } : {}), ...(cursor === undefined ? {} : { cursor }) });
    return { tasks: page.jobs.map(taskOf), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /** `tasks/cancel`: cancels the job; a running one is given a moment to stop so the answer can say `cancelled`. */
  async cancel(caller: Caller, params: Record<string, unknown>, service: string, control: CallControl): Promise<McpTask> {
    const taskId = taskIdOf(params);
    const before = await this.view(caller, taskId, service);
    if (isFinished(before)) throw alreadyFinished(taskId, taskOf(before).status);
    const outcome = await this.jobs.cancel(caller, taskId);
    if (!outcome.cancelled) {
      // It finished between the two reads.
      throw alreadyFinished(taskId, taskOf(await this.view(caller, taskId, service)).status);
    }
    const deadline = Date.now() + CANCEL_SETTLE_MS;
    for (;;) {
      const view = await this.view(caller, taskId, service);
      if (isFinished(view)) return taskOf(view);
      if (Date.now() >= deadline || control.cancelled) return { ...taskOf(view), statusMessage: 'cancellation requested; the call is being stopped' };
      await pause(WAIT_POLL_MS, control);
    }
  }

  private async view(caller: Caller, taskId: string, service: string): Promise<JobView> {
    if (service && !taskId.startsWith(`${service}.`)) throw notFound(taskId);
    return this.jobs.get(caller, taskId);
  }
}

/** Job status → task status: queued and active are `working`; a cancelled job is `cancelled`; a dead one `failed`. */
export function taskStatusOf(view: Pick<JobView, 'status' | 'error'>): TaskStatus {
  switch (view.status) {
    case 'queued':
    case 'active':
      return 'working';
    case 'completed':
      return 'completed';
    case 'failed':
      return view.error?.name === 'REQUEST_CANCELLED' || view.error === undefined ? 'cancelled' : 'failed';
    default:
      return 'failed';
  }
}

/** The task a job is. */
export function taskOf(view: JobView): McpTask {
  const status = taskStatusOf(view);
  const now = new Date().toISOString();
  const message = status === 'working' ? progressMessage(view.progress) : view.error?.message;
  return {
    taskId: view.jobId,
    status,
    ttl: TASK_TTL_MS,
    createdAt: view.submittedAt ?? now,
    lastUpdatedAt: view.finishedAt ?? view.startedAt ?? view.submittedAt ?? now,
    pollInterval: TASK_POLL_INTERVAL_MS,
    ...(message ? { statusMessage: message.slice(0, MAX_STATUS_MESSAGE) } : {}),
  };
}

/**
 * What a worker's progress stored on the job says, for `statusMessage`: its message, else
 * "progress/total" or the number. BullMQ's default progress (0) means none was reported.
 */
export function progressMessage(progress: unknown): string | undefined {
  if (typeof progress === 'string') return progress || undefined;
  if (typeof progress === 'number') return progress === 0 ? undefined : `progress ${progress}`;
  if (progress === null || typeof progress !== 'object' || Array.isArray(progress)) return undefined;
  const p = progress as { message?: unknown; progress?: unknown; total?: unknown };
  if (typeof p.message === 'string' && p.message) return p.message;
  if (typeof p.progress !== 'number') return undefined;
  return typeof p.total === 'number' ? `progress ${p.progress}/${p.total}` : `progress ${p.progress}`;
}

/** The CallToolResult of a finished job: its data (structured and as text), or a tool error with the job's error. */
export function callToolResultOf(view: JobView): Record<string, unknown> {
  const meta = { [RELATED_TASK_META_KEY]: { taskId: view.jobId } };
  if (view.status === 'completed') {
    const envelope = view.result as { status?: unknown; data?: unknown; truncated?: unknown; bytes?: unknown } | null | undefined;
    if (envelope && envelope.truncated === true) {
      return {
        content: [{ type: 'text', text: `the result (${String(envelope.bytes)} bytes) is no longer held: results larger than 64 KB are kept for a day only` }],
        isError: true,
        _meta: meta,
      };
    }
    const data = envelope && envelope.status === 'success' ? envelope.data : envelope;
    const structured = data !== null && typeof data === 'object' && !Array.isArray(data);
    return {
      content: [{ type: 'text', text: typeof data === 'string' ? data : (JSON.stringify(data) ?? 'null') }],
      ...(structured ? { structuredContent: data } : {}),
      _meta: meta,
    };
  }
  const error = view.error ?? { name: 'REQUEST_CANCELLED', code: -32061, message: 'the task was cancelled' };
  return {
    content: [{ type: 'text', text: error.message }],
    isError: true,
    _meta: { ...meta, 'mcpgw/error': { name: error.name, code: error.code } },
  };
}

/** Tools as a tasks session lists them: every tool may be called as a task. */
export function withTaskSupport<T extends Record<string, unknown>>(tools: T[]): T[] {
  return tools.map((tool) => ({ ...tool, execution: { ...(tool['execution'] as object | undefined), taskSupport: 'optional' } }));
}

function isFinished(view: JobView): boolean {
  return view.status === 'completed' || view.status === 'failed' || view.status === 'dead';
}

function taskIdOf(params: Record<string, unknown>): string {
  const taskId = params['taskId'];
  if (typeof taskId !== 'string' || taskId === '') throw invalid('taskId', 'params.taskId must be the taskId a task-augmented tools/call answered');
  return taskId;
}

/** Waits `ms`, or less when the control is cancelled. */
function pause(ms: number, control: CallControl): Promise<void> {
  if (control.cancelled) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    control.onCancel({ cancelled: done });
    function done(): void {
      clearTimeout(timer);
      control.onCancel(undefined);
      resolve();
    }
  });
}


function alreadyFinished(taskId: string, status: TaskStatus): GatewayError {
  return invalid('taskId', `task ${taskId.slice(0, 100)} is already ${status}; only a working task can be cancelled`);
}

function notFound(taskId: string): GatewayError {
  return new GatewayError('JOB_NOT_FOUND', `no task ${taskId.slice(0, 100)} on this endpoint is visible to this caller (tasks are visible to the agent that started them)`);
}
