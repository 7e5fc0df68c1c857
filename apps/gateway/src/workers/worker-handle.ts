import { EventEmitter } from 'node:events';
import {
  GatewayError,
  MetaKeys,
  WorkerMethods,
  healthReportSchema,
  type HealthReport,
  type ServiceManifest,
} from '@mcpgw/protocol';
import type { GatewayConfig } from '../config.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { WorkerBreaker, type BreakerJob, type BreakerState } from './breaker.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { LatencyWindow } from './latency-window.js';
import type { CallControl } from './call-control.js';
import type { CallRelay } from './call-relay.js';
import { WorkerRpcError, type WorkerConnection, type WorkerInitInfo } from './worker-connection.js';
import { Supervisor, type WorkerState } from './supervisor.js';
import { displayUrl, type WorkerSpec } from './worker-spec.js';
import type { GatewayLogger } from '../logger.js';
import type { Tracer } from '@opentelemetry/api';
import { traceBreakerCall, traceWorkerCall } from './worker-call-span.js';

/** The MCP `tools/call` result as the gateway reads it. */
export interface ToolCallResult {
  content?: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export interface ToolCallJob extends BreakerJob {
  tool: string;
  arguments: Record<string, unknown>;
  requestId: string;
  /**
   * The MCP client's own `_meta` (MCP front): passed on as is, with the gateway's request id added;
   * the worker answers with full `content`. Without it the gateway reads `structuredContent` only.
   */
  meta?: Record<string, unknown>;
  /** Where the worker's messages about this call go (MCP front). */
  relay?: CallRelay;
  /** The calling agent, sent as `_meta["mcpgw/agent"]` (tools that scope data by caller read it). */
  agent?: string;
}

/** Options of a request other than tools/call (resources, prompts, completions). */
export interface WorkerRequestOptions {
  control?: CallControl;
  relay?: CallRelay;
  timeoutMs?: number;
}

export interface WorkerHandleEvents {
  /** The worker (re)started and announced this manifest. */
  manifest: [manifest: ServiceManifest];
  /** The worker process exited (it will be restarted unless the gateway is stopping). */
  down: [];
  /** A notification from the worker that belongs to no call (list changes, resource updates...). */
  notification: [method: string, params: Record<string, unknown> | undefined];
}

/** What /health/detailed shows about one worker. No secrets: no env, no arguments. */
export interface WorkerStatus {
  name: string;
  state: WorkerState;
  required: boolean;
  pid: number | undefined;
  /** A remote worker's MCP endpoint (origin and path, no credentials). */
  url?: string;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | undefined;
  lastError: string | undefined;
  nextRestartInMs: number | undefined;
  health: HealthReport | undefined;
  breaker: { state: BreakerState; retryAfterSeconds: number; window: WorkerBreaker<ToolCallJob, ToolCallResult>['stats'] };
  inFlight: number;
  queued: number;
  maxConcurrency: number;
  latencyMs: ReturnType<LatencyWindow['summary']>;
}

const HEALTH_TIMEOUT_MS = 5_000;

/**
 * Everything the gateway holds for one worker: its supervised process, its breaker, its
 * concurrency gate and its last health report. `callTool` is the one way calls reach the worker.
 */
export class WorkerHandle extends EventEmitter<WorkerHandleEvents> {
  readonly name: string;
  readonly supervisor: Supervisor;
  readonly breaker: WorkerBreaker<ToolCallJob, ToolCallResult>;
  readonly gate: ConcurrencyGate;
  readonly latency = new LatencyWindow(1024);
  /** The last manifest announced (kept while the worker restarts, so the catalog stays useful). */
  manifest: ServiceManifest | undefined;
  health: HealthReport | undefined;
  private readonly defaultTimeoutMs: number;

  constructor(
    readonly spec: WorkerSpec,
    config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
    private readonly log: GatewayLogger,
    /** Set when tracing is on: breaker and worker-call spans (worker-call-span.ts). */
    private readonly tracer?: Tracer,
  ) {
    super();
    this.name = spec.name;
    this.defaultTimeoutMs = config.defaultTimeoutMs;
    metrics.registerService(spec.name);
    this.gate = new ConcurrencyGate(spec.name, config.worker.maxConcurrency, config.worker.maxQueue);
    this.supervisor = new Supervisor(
      spec,
      {
        baseMs: config.worker.restartBaseMs,
        maxMs: config.worker.restartMaxMs,
        startTimeoutMs: config.worker.startTimeoutMs,
        stopTimeoutMs: config.worker.stopTimeoutMs,
        clientVersion: config.version,
        authToken: config.worker.authToken,
      },
      log,
    );
    this.breaker = new WorkerBreaker<ToolCallJob, ToolCallResult>(
      spec.name,
      {
        timeoutMs: config.defaultTimeoutMs,
        errorThresholdPercentage: config.breaker.errorThresholdPercentage,
        volumeThreshold: config.breaker.volumeThreshold,
        resetTimeoutMs: config.breaker.resetTimeoutMs,
        rollingWindowMs: config.breaker.rollingWindowMs,
      },
      (job) => this.forward(job),
      (state, value) => {
        metrics.breakerState.labels(spec.name).set(value);
        if (state === 'open') {
          metrics.breakerOpened.labels(spec.name).inc();
          log.warn({ service: spec.name }, 'circuit breaker opened');
        } else {
          log.info({ service: spec.name, state }, 'circuit breaker state changed');
        }
      },
    );
    this.supervisor.on('ready', (connection) => this.onReady(connection));
    this.supervisor.on('exit', () => {
      metrics.workerUp.labels(spec.name).set(0);
      metrics.connectorHealthy.labels(spec.name).set(0);
      this.emit('down');
    });
    this.supervisor.on('restart', () => metrics.workerRestarts.labels(spec.name).inc());
  }

  get state(): WorkerState {
    return this.supervisor.state;
  }

  get ready(): boolean {
    return this.supervisor.connection !== undefined;
  }

  /** The running worker's initialize answer (capabilities, serverInfo), or undefined while it is down. */
  get init(): WorkerInitInfo | undefined {
    return this.supervisor.connection?.init;
  }

  /**
   * Any other MCP request to the worker (resources/read, prompts/get, completion/complete...):
   * the raw result, or a WorkerRpcError carrying the worker's own JSON-RPC error. Bounded by the
   * default timeout; tools/call goes through callTool (breaker, concurrency gate) instead.
   */
  request(method: string, params: Record<string, unknown>, options: WorkerRequestOptions = {}): Promise<unknown> {
    const connection = this.supervisor.connection;
    if (!connection) return Promise.reject(this.unavailable());
    return connection.request(method, params, { timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, ...(options.control ? { control: options.control } : {}), ...(options.relay ? { relay: options.relay } : {}) });
  }

  /** Starts the process; resolves after the first attempt (a failure schedules a restart). */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  async stop(): Promise<void> {
    await this.supervisor.stop();
    this.breaker.shutdown();
    this.metrics.workerUp.labels(this.name).set(0);
  }

  /**
   * Calls a tool through the breaker and the concurrency gate. Resolves with the MCP result
   * (including `isError` results); rejects with a GatewayError when the call could not complete.
   */
  callTool(job: ToolCallJob): Promise<ToolCallResult> {
    if (!this.supervisor.connection) return Promise.reject(this.unavailable());
    if (this.tracer) return traceBreakerCall(this.tracer, this.name, this.breaker.state, () => this.breaker.fire(job));
    return this.breaker.fire(job);
  }

  /** Asks the worker for its health now and records the answer (gauges included). */
  async checkHealth(): Promise<HealthReport> {
    const connection = this.supervisor.connection;
    let report: HealthReport;
    if (!connection) {
      report = { status: 'down', reason: `worker is ${this.state}`, checkedAt: new Date().toISOString() };
    } else {
      try {
        if (connection.plain) {
          // A plain MCP server has no health method: answering a ping is being healthy.
          const started = performance.now();
          await connection.request('ping', {}, { timeoutMs: HEALTH_TIMEOUT_MS });
          report = { status: 'ok', latencyMs: Math.round((performance.now() - started) * 100) / 100, checkedAt: new Date().toISOString() };
        } else {
          const raw = await connection.request(WorkerMethods.health, {}, { timeoutMs: HEALTH_TIMEOUT_MS });
          const parsed = healthReportSchema.safeParse(raw);
          report = parsed.success
            ? parsed.data
            : { status: 'down', reason: 'the worker sent an invalid health report', checkedAt: new Date().toISOString() };
        }
      } catch (error) {
        report = {
          status: 'down',
          reason: error instanceof GatewayError ? error.message : 'health check failed',
          checkedAt: new Date().toISOString(),
        };
      }
    }
    this.health = report;
    this.metrics.connectorHealthy.labels(this.name).set(report.status === 'ok' || report.status === 'degraded' ? 1 : 0);
    for (const pool of report.pools ?? []) {
      this.metrics.poolSize.labels(this.name, pool.name).set(pool.size);
      this.metrics.poolIdle.labels(this.name, pool.name).set(pool.idle);
      this.metrics.poolWaiting.labels(this.name, pool.name).set(pool.waiting);
    }
    return report;
  }

  status(): WorkerStatus {
    const connection = this.supervisor.connection;
    const next = this.supervisor.nextAttemptAt;
    return {
      name: this.name,
      state: this.state,
      required: this.spec.required,
      pid: connection?.pid,
      ...(this.spec.kind === 'remote' ? { url: displayUrl(this.spec.url) } : {}),
      restarts: this.supervisor.restarts,
      lastExit: this.supervisor.lastExit,
      lastError: this.supervisor.lastError,
      nextRestartInMs: next === undefined ? undefined : Math.max(0, next - Date.now()),
      health: this.health,
      breaker: { state: this.breaker.state, retryAfterSeconds: this.breaker.retryAfterSeconds, window: this.breaker.stats },
      inFlight: this.gate.inFlight,
      queued: this.gate.queued,
      maxConcurrency: this.gate.maxConcurrency,
      latencyMs: this.latency.summary(),
    };
  }

  /** Kills the worker process (tests simulate crashes with this). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.supervisor.connection?.kill(signal);
  }

  private async forward(job: ToolCallJob): Promise<ToolCallResult> {
    const waiting = this.gate.acquire(job.control);
    if (waiting) await waiting;
    const started = performance.now();
    try {
      const connection = this.supervisor.connection;
      if (!connection) throw this.unavailable();
      const meta: Record<string, unknown> = job.meta ? { ...job.meta, [MetaKeys.requestId]: job.requestId } : { [MetaKeys.requestId]: job.requestId, [MetaKeys.structuredOnly]: true };
      // Only the gateway names the caller: a client's own `mcpgw/agent` is replaced or dropped.
      if (job.agent === undefined) delete meta[MetaKeys.agent];
      else meta[MetaKeys.agent] = job.agent;
      const params = { name: job.tool, arguments: job.arguments, _meta: meta };
      const options = job.relay ? { control: job.control, relay: job.relay } : { control: job.control };
      const result = await (this.tracer
        ? traceWorkerCall(this.tracer, this.name, job.tool, job.requestId, meta, () => connection.request('tools/call', params, options))
        : connection.request('tools/call', params, options));
      this.latency.record(performance.now() - started);
      return checkResult(this.name, result);
    } catch (error) {
      if (error instanceof WorkerRpcError) throw translateRpcError(this.name, job.tool, error);
      throw error;
    } finally {
      this.gate.release();
    }
  }

  private onReady(connection: WorkerConnection): void {
    const previous = this.manifest;
    this.manifest = connection.manifest;
    this.metrics.workerUp.labels(this.name).set(1);
    if (previous && toolSignature(previous) !== toolSignature(connection.manifest)) {
      this.log.warn({ service: this.name }, 'worker restarted with a different set of tools; registry updated');
    }
    this.emit('manifest', connection.manifest);
    connection.onHealthChanged = () => void this.checkHealth();
    connection.onNotification = (method, params) => this.emit('notification', method, params);
    void this.checkHealth();
  }

  private unavailable(): GatewayError {
    const next = this.supervisor.nextAttemptAt;
    const retryAfterSeconds = next === undefined ? 1 : Math.max(1, Math.ceil((next - Date.now()) / 1000));
    const state = this.state;
    return new GatewayError(
      state === 'stopping' || state === 'stopped' ? 'SHUTTING_DOWN' : 'WORKER_UNAVAILABLE',
      state === 'starting' ? `${this.name} is starting` : `${this.name} is ${state}; retry in ${retryAfterSeconds} s`,
      { retryAfterSeconds, data: { service: this.name, state } },
    );
  }
}

function checkResult(service: string, result: unknown): ToolCallResult {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new GatewayError('WORKER_PROTOCOL_ERROR', `${service} answered tools/call with something that is not a result object`);
  }
  return result as ToolCallResult;
}

function translateRpcError(service: string, tool: string, error: WorkerRpcError): GatewayError {
  // -32602 is what MCP servers answer for unknown tools and bad arguments.
  if (error.code === -32602) return new GatewayError('INVALID_PARAMS', `${service}.${tool}: ${error.message}`, { data: { service, tool } });
  if (error.code === -32601) return new GatewayError('WORKER_PROTOCOL_ERROR', `${service} does not support tools/call`);
  return new GatewayError('WORKER_PROTOCOL_ERROR', `${service} failed the call with JSON-RPC error ${error.code}: ${error.message}`, {
    data: { service, tool },
  });
}

function toolSignature(manifest: ServiceManifest): string {
  return JSON.stringify(manifest.tools.map((t) => [t.name, t.inputSchema]));
}
