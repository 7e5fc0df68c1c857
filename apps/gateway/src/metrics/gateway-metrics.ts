import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { usdPerToken, type TokenPrices } from './token-prices.js';

/** Where a call entered the gateway: bounded label values only. */
/** Where a call came from; `job`: an async job run by a queue consumer. */
export type Endpoint = 'rpc' | 'execute' | 'mcp' | 'job' | 'check';

/** Pre-bound series for one service's tool. */
export interface ToolSeries {
  durationSuccess: ReturnType<Histogram<'service' | 'tool' | 'status'>['labels']>;
  durationError: ReturnType<Histogram<'service' | 'tool' | 'status'>['labels']>;
  success: ReturnType<Counter<'service' | 'tool' | 'status'>['labels']>;
  error: ReturnType<Counter<'service' | 'tool' | 'status'>['labels']>;
  tokens: ReturnType<Counter<'service' | 'tool'>['labels']>;
  cost: ReturnType<Counter<'service' | 'tool'>['labels']>;
  /** TOKEN_PRICES_USD for this tool, per token; undefined: unpriced (only a reported cost counts). */
  usdPerToken: number | undefined;
  connectorSuccess: ReturnType<Counter<'service' | 'status'>['labels']>;
  connectorError: ReturnType<Counter<'service' | 'status'>['labels']>;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Every metric the gateway exports, in its own registry (one per app, so tests can build several).
 * Label values are always from a bounded set: registered service and tool names, error names,
 * route templates. Never raw paths, never caller-supplied strings.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly operationDuration = this.histogram('mcp_operation_duration_seconds', 'Duration of tool calls through the gateway, from receipt to the worker answer.', ['service', 'tool', 'status'] as const);

  readonly operations = this.counter('mcp_operation_total', 'Tool calls through the gateway by outcome (status: success or error).', ['service', 'tool', 'status'] as const);

  readonly tokenUsage = this.counter('mcp_token_usage_total', 'Tokens used by successful tool calls (declared token cost, or what the tool reported).', ['service', 'tool'] as const);

  readonly tokenCost = this.counter('mcp_token_cost_usd_total', 'Cost of successful tool calls in US dollars: what the tool reported, else its tokens times TOKEN_PRICES_USD (unpriced tools without a reported cost add nothing).', ['service', 'tool'] as const);

  readonly poolSize = this.gauge('mcp_connection_pool_size', 'Connections open in each worker upstream pool (from the last health check).', ['service', 'pool'] as const);

  readonly poolIdle = this.gauge('mcp_connection_pool_idle', 'Idle connections in each worker upstream pool (from the last health check).', ['service', 'pool'] as const);

  readonly poolWaiting = this.gauge('mcp_connection_pool_waiting', 'Queries waiting for a connection in each worker upstream pool (from the last health check).', ['service', 'pool'] as const);

  readonly httpDuration = this.histogram('http_request_duration_seconds', 'HTTP request duration by method, route template and status code.', ['method', 'route', 'status_code'] as const);

  readonly requests = this.counter('mcp_requests_total', 'Calls received: JSON-RPC methods on /mcp/rpc (each batch member counts), slash commands on /mcp/execute, MCP methods on /mcp.', ['endpoint', 'method'] as const);

  readonly requestsFailed = this.counter('mcp_requests_failed_total', 'Calls answered with an error, by endpoint and error name (see docs/errors.md).', ['endpoint', 'code'] as const);

  readonly connectorHealthy = this.gauge('mcp_connector_healthy', '1 when the service worker is up and reports ok or degraded; 0 when down, unconfigured or not running.', ['service'] as const);

  readonly connectorRequests = this.counter('mcp_connector_requests_total', 'Calls forwarded to each service worker, by outcome (success or error).', ['service', 'status'] as const);

  readonly connectorErrors = this.counter('mcp_connector_errors_total', 'Failed calls per service worker, by error name.', ['service', 'code'] as const);

  readonly breakerState = this.gauge('mcp_circuit_breaker_state', 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open.', ['service'] as const);

  readonly breakerOpened = this.counter('mcp_circuit_breaker_opened_total', 'Times each service breaker opened.', ['service'] as const);

  readonly workerRestarts = this.counter('mcp_worker_restarts_total', 'Times each worker process was started again after exiting or failing to start.', ['service'] as const);

  readonly workerUp = this.gauge('mcp_worker_up', '1 while the worker process is running and has completed its handshake.', ['service'] as const);

  readonly workerInFlight = this.gauge('mcp_worker_in_flight', 'Calls in flight to each worker (sampled at scrape time).', ['service'] as const);

  readonly authFailures = this.counter('mcp_auth_failures_total', 'Refused authentication attempts by method (api_key, jwt, none) and reason (missing, malformed, unknown, mismatch, revoked, expired, signature, claim, peer_blocked, ...).', ['method', 'reason'] as const);

  readonly authenticated = this.counter('mcp_auth_success_total', 'Authenticated requests by method (local, api_key, jwt).', ['method'] as const);

  readonly forbidden = this.counter('mcp_auth_forbidden_total', 'Calls refused because the caller\'s scopes do not allow them.', [] as const);

  readonly rateLimited = this.counter('mcp_rate_limit_exceeded_total', 'Calls refused by a rate limit (limit: agent = per-agent request limit, auth_failures = failed attempts per address).', ['limit'] as const);

  /** Whether rate limits are in Redis right now; the auth plugin replaces this, the gauge reads it at scrape time. */
  rateLimitsInRedis: () => boolean = () => false;

  readonly rateLimitBackend = new Gauge({
    name: 'mcp_rate_limit_redis_active',
    help: '1 while rate limits are kept in Redis (shared by replicas); 0 while in process memory (no REDIS_URL, or Redis unreachable).',
    registers: [this.registry],
    collect: () => {
      this.rateLimitBackend.set(this.rateLimitsInRedis() ? 1 : 0);
    },
  });

  readonly rateLimitFallback = this.counter('mcp_rate_limit_fallback_total', 'Rate-limit decisions taken in process memory because Redis was unreachable.', [] as const);

  readonly storeUp = this.gauge('mcp_store_up', '1 while the gateway store (PostgreSQL or embedded) answers; 0 while audit rows are spooled.', [] as const);

  readonly auditWritten = this.counter('mcp_audit_rows_written_total', 'Audit rows written to the store.', [] as const);

  readonly auditDropped = this.counter('mcp_audit_rows_dropped_total', 'Audit rows lost because the spool was full (AUDIT_SPOOL_MAX_ROWS) while the store was down.', [] as const);

  readonly auditSpooled = this.gauge('mcp_audit_spool_rows', 'Audit rows waiting to be written to the store.', [] as const);

  readonly toolDefinitionChanges = this.counter('mcp_tool_definition_changes_total', 'Tool definitions found to differ from their pins (each new definition counted once per replica).', ['service', 'tool'] as const);

  readonly toolDefinitionsChanged = this.gauge('mcp_tool_definitions_changed', 'Tools of each service whose announced definition differs from its pin and awaits approval.', ['service'] as const);

  readonly idempotencyHits = this.counter('mcp_idempotency_hits_total', 'Calls with an idempotency key answered with the stored result of an earlier call (replayed, not executed), by endpoint.', ['endpoint'] as const);

  readonly idempotencyMisses = this.counter('mcp_idempotency_misses_total', 'Calls with an idempotency key that claimed it and were executed, by endpoint.', ['endpoint'] as const);

  readonly checkRuns = this.counter('mcp_check_runs_total', 'Scheduled check runs by check and outcome (ok: condition false, alert: condition true, error: the tool call or the store failed).', ['check', 'outcome'] as const);

  readonly alertNotifications = this.counter('mcp_alert_notifications_total', 'Alert webhook deliveries by outcome (delivered; failed after every attempt; refused: SSRF guard, redirect, 4xx or URL no longer configured).', ['outcome'] as const);

  /** Queued alert webhook deliveries per state, read at scrape time (the checks plugin replaces this; undefined: not queued). */
  alertWebhookQueue: () => Promise<Record<'waiting' | 'delayed' | 'active' | 'failed', number>> | undefined = () => undefined;

  readonly alertWebhookDeliveries = new Gauge({
    name: 'mcp_alert_webhook_deliveries',
    help: 'Alert webhook deliveries in the Redis queue alert-webhooks by state (waiting, delayed: backing off, active, failed: kept after the last attempt or a refusal), read at scrape time: every replica reports the same value.',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      const counts = await this.alertWebhookQueue()?.catch(() => undefined);
      if (!counts) return; // not queued, or Redis down: keep the last values
      for (const [state, count] of Object.entries(counts)) this.alertWebhookDeliveries.labels(state).set(count);
    },
  });

  /** Async jobs per service and BullMQ state, read at scrape time (the jobs plugin replaces this; undefined: no REDIS_URL). */
  jobCounts: () => Promise<{ service: string; counts: Record<string, number> }[]> | undefined = () => undefined;

  readonly jobs = new Gauge({
    name: 'mcp_jobs',
    help: 'Async jobs in the Redis queue jobs-<service> by state (waiting, delayed: waiting for a retry, active, failed: dead letters and cancelled jobs), read at scrape time: every replica reports the same value.',
    labelNames: ['service', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      const queues = await this.jobCounts()?.catch(() => undefined);
      if (!queues) return; // no queues, or Redis down: keep the last values
      for (const { service, counts } of queues) {
        for (const [state, count] of Object.entries(counts)) this.jobs.labels(service, state).set(count);
      }
    },
  });

  /** Open alerts per check, read at scrape time (the checks plugin replaces this; undefined: nothing to report). */
  openAlerts: () => Promise<{ check: string; count: number }[]> | undefined = () => undefined;

  readonly alertsOpen = new Gauge({
    name: 'mcp_alerts_open',
    help: 'Alerts in status open (raised by a scheduled check, not acknowledged, not resolved) per check, from the gateway store: every replica reports the same value.',
    labelNames: ['check'] as const,
    registers: [this.registry],
    collect: async () => {
      const counts = await this.openAlerts()?.catch(() => undefined);
      if (!counts) return; // store down: keep the last values
      this.alertsOpen.reset();
      for (const { check, count } of counts) this.alertsOpen.labels(check).set(count);
    },
  });

  /** Item counts of checks with `gauges`, read at scrape time (the checks plugin replaces this; undefined: nothing to report). */
  checkItems: () => Promise<{ check: string; state: string; count: number }[]> | undefined = () => undefined;

  readonly checkItemsGauge = new Gauge({
    name: 'mcp_check_items',
    help: 'Items per state found by the latest successful run of each scheduled check with gauges (bir-filing-deadlines: overdue, due_today, due_soon BIR filings), from Redis: every replica reports the same value.',
    labelNames: ['check', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      const items = await this.checkItems()?.catch(() => undefined);
      if (!items) return; // Redis down: keep the last values
      this.checkItemsGauge.reset();
      for (const { check, state, count } of items) this.checkItemsGauge.labels(check, state).set(count);
    },
  });

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: SECONDS_BUCKETS, registers: [this.registry] });
  }

  private readonly toolSeries = new Map<string, Map<string, ToolSeries>>();
  private readonly httpSeries = new Map<string, ReturnType<Histogram<'method' | 'route' | 'status_code'>['labels']>>();

  /** `tokenPrices`: TOKEN_PRICES_USD (USD per million tokens by service or service.tool). */
  constructor(private readonly tokenPrices: TokenPrices = {}) {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The series of one tool, bound once: the hot path then does no label hashing. Only called with
   * registered service and tool names (or the fixed `_unknown`), so the cache stays bounded.
   */
  forTool(service: string, tool: string): ToolSeries {
    let byTool = this.toolSeries.get(service);
    if (!byTool) {
      byTool = new Map();
      this.toolSeries.set(service, byTool);
    }
    let series = byTool.get(tool);
    if (!series) {
      series = {
        durationSuccess: this.operationDuration.labels(service, tool, 'success'),
        durationError: this.operationDuration.labels(service, tool, 'error'),
        success: this.operations.labels(service, tool, 'success'),
        error: this.operations.labels(service, tool, 'error'),
        tokens: this.tokenUsage.labels(service, tool),
        cost: this.tokenCost.labels(service, tool),
        usdPerToken: usdPerToken(this.tokenPrices, service, tool),
        connectorSuccess: this.connectorRequests.labels(service, 'success'),
        connectorError: this.connectorRequests.labels(service, 'error'),
      };
      byTool.set(tool, series);
    }
    return series;
  }

  /**
   * Counts a successful call's tokens and cost. The cost is the one the tool reported
   * (`_meta["mcpgw/costUsd"]`, a finite number >= 0), else tokens × the tool's price; with neither,
   * no cost is added (and an unpriced tool gets no cost series).
   */
  countUsage(series: ToolSeries, tokens: number, reportedCostUsd: unknown): void {
    series.tokens.inc(tokens);
    if (typeof reportedCostUsd === 'number' && Number.isFinite(reportedCostUsd) && reportedCostUsd >= 0) series.cost.inc(reportedCostUsd);
    else if (series.usdPerToken !== undefined) series.cost.inc(tokens * series.usdPerToken);
  }

  /** Records one HTTP request (route is the template, never the raw path). */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${route} ${statusCode}`;
    let series = this.httpSeries.get(key);
    if (!series) {
      series = this.httpDuration.labels(method, route, String(statusCode));
      this.httpSeries.set(key, series);
    }
    series.observe(seconds);
  }

  /** Initialises a service's series at zero so dashboards show it before its first call. */
  registerService(service: string): void {
    this.breakerState.labels(service).set(0);
    this.breakerOpened.labels(service).inc(0);
    this.workerRestarts.labels(service).inc(0);
    this.workerUp.labels(service).set(0);
    this.connectorHealthy.labels(service).set(0);
    this.connectorRequests.labels(service, 'success').inc(0);
    this.connectorRequests.labels(service, 'error').inc(0);
  }
}
