import type { GatewayConfig } from '../config.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { WorkerHandle } from './worker-handle.js';
import type { GatewayLogger } from '../logger.js';
import type { Tracer } from '@opentelemetry/api';

/**
 * All local workers: starts them, polls their health, and stops them on shutdown.
 */
export class WorkerPool {
  readonly handles = new Map<string, WorkerHandle>();
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: GatewayConfig,
    metrics: GatewayMetrics,
    private readonly log: GatewayLogger,
    tracer?: Tracer,
  ) {
    for (const spec of config.workers) {
      this.handles.set(spec.name, new WorkerHandle(spec, config, metrics, log, tracer));
    }
  }

  /** Starts every worker in parallel; resolves after each one's first attempt. */
  async start(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.start()));
    this.healthTimer = setInterval(() => void this.checkHealth(), this.config.healthCheckIntervalMs);
    this.healthTimer.unref();
  }

  get(name: string): WorkerHandle | undefined {
    return this.handles.get(name);
  }

  /** Names of required workers that are not up. Empty when the gateway is ready. */
  notReady(): string[] {
    return [...this.handles.values()].filter((h) => h.spec.required && !h.ready).map((h) => h.name);
  }

  /** Polls every running worker's health. */
  async checkHealth(): Promise<void> {
    await Promise.all([...this.handles.values()].filter((h) => h.ready).map((h) => h.checkHealth()));
  }

  /** Stops every worker; calls still in flight fail with SHUTTING_DOWN. */
  async stop(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    await Promise.all([...this.handles.values()].map((h) => h.stop()));
    this.log.info('all workers stopped');
  }
}
