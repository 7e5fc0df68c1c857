import type { GatewayStore } from '@mcpgw/store';
import type { TracingHandle } from '@mcpgw/tracing';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlertManager } from './alerts/alert-manager.js';
import type { WebhookNotifier } from './alerts/webhook-notifier.js';
import type { AuditWriter } from './audit/audit-writer.js';
import type { Authenticator } from './auth/authenticator.js';
import type { ApiKeyVerifier } from './auth/api-key-verifier.js';
import type { Caller } from './auth/caller.js';
import type { CallLimiter } from './calls/call-limiter.js';
import type { CallDispatcher } from './calls/call-dispatcher.js';
import type { GatewayConfig } from './config.js';
import type { IdempotentCalls } from './idempotency/idempotent-calls.js';
import type { JobService } from './jobs/job-service.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { ToolPins } from './pins/tool-pins.js';
import type { ServiceRegistry } from './registry/service-registry.js';
import type { WorkerPool } from './workers/worker-pool.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: GatewayConfig;
    /** OpenTelemetry tracing, or undefined when it is off (no OTEL_EXPORTER_OTLP_ENDPOINT). */
    tracing: TracingHandle | undefined;
    metrics: GatewayMetrics;
    /** A second server with only GET /metrics, listened on METRICS_PORT by server.ts. */
    metricsServer: FastifyInstance;
    pool: WorkerPool;
    registry: ServiceRegistry;
    dispatcher: CallDispatcher;
    /**
     * Tool-definition pins: `status(service, tool)` says (synchronously) whether a tool's definition
     * changed since it was pinned and whether calls to it are refused (PIN_TOOL_DEFINITIONS).
     */
    toolPins: ToolPins;
    /** Set when shutdown begins: readiness answers 503 and no new calls are taken. */
    shuttingDown: boolean;
    /** API keys and the audit log. */
    store: GatewayStore;
    audit: AuditWriter;
    authenticator: Authenticator;
    keyVerifier: ApiKeyVerifier;
    limiter: CallLimiter;
    /** Async jobs (mcp.submit, getJob, ...): BullMQ on REDIS_URL; QUEUE_UNAVAILABLE without it. */
    jobs: JobService;
    /** Calls carrying an idempotency key go through this (stored result, replay, 409/422). */
    idempotentCalls: IdempotentCalls;
    /** Alerts raised by scheduled checks: acknowledgement (alerts API) and the state machine (docs/alerts.md). */
    alerts: AlertManager;
    /** Alert webhook deliveries: queued in Redis with REDIS_URL (`GET /alerts/webhooks` lists them). */
    alertWebhooks: WebhookNotifier;
    /** Audits and counts a FORBIDDEN refusal that no call dispatch recorded (listings, admin API). */
    auditForbidden(request: FastifyRequest, error: unknown): void;
  }
  interface FastifyRequest {
    /** Set by the auth plugin on every /mcp and /admin route before the handler runs. */
    caller: Caller;
  }
}
