import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { serviceNameSchema } from '@mcpgw/protocol';
import { z } from 'zod';
import { parseCidr } from './auth/network.js';
import { localReference } from './registry/local-references.js';
import { BUILTIN_WORKERS, type BuiltinWorker } from './workers/builtin-workers.js';
import { LocalServicesFileError, loadLocalServicesFile } from './workers/local-services-file.js';
import { parseTokenPrices, pricedServices, TOKEN_PRICE_ENTRY, type TokenPrices } from './metrics/token-prices.js';
import type { LocalWorkerSpec, WorkerSpec } from './workers/worker-spec.js';

/**
 * The gateway's configuration: the environment, parsed and validated once. This module is the only
 * reader of `process.env`; everything else receives what it needs from the GatewayConfig object.
 */

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A scope: a service (`postgres`), a tool (`postgres:query`), every service (`*`) or `admin`. */
export const SCOPE_PATTERN = /^(\*|admin|[a-z0-9][a-z0-9-]{0,62}(:[A-Za-z0-9_.-]{1,128})?)$/;
const SCOPE_HINT = 'expected scopes such as *, admin, postgres or postgres:query';

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** A job retry policy of a service or tool (JOBS_RETRY_POLICY); unset fields fall back to JOBS_ATTEMPTS / JOBS_BACKOFF_MS. */
export interface RetryPolicy {
  attempts: number;
  backoffMs?: number;
}

/** Every variable the gateway reads, with its default. README's configuration table mirrors this. */
export const envSchema = z.object({
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: int(0, 65_535).default(8100),
  METRICS_HOST: z.string().trim().min(1).optional(),
  METRICS_PORT: int(0, 65_535).default(9090),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  DEFAULT_TIMEOUT_MS: int(1, 3_600_000).default(30_000),
  BODY_LIMIT_BYTES: int(1_024, 64 * 1024 * 1024).default(1_048_576),
  JSON_MAX_DEPTH: int(2, 1_000).default(64),
  RPC_MAX_BATCH: int(1, 10_000).default(100),
  WORKERS: list.default(['all']),
  EXTRA_WORKERS: list.default([]),
  LOCAL_SERVICES_FILE: z.string().trim().min(1).optional(),
  REQUIRED_WORKERS: list.optional(),
  WORKER_URLS: list.default([]),
  WORKER_AUTH_TOKEN: z.string().trim().min(32, 'must be at least 32 characters').optional(),
  WORKER_MAX_CONCURRENCY: int(1, 10_000).default(64),
  WORKER_MAX_QUEUE: int(0, 100_000).default(256),
  WORKER_START_TIMEOUT_MS: int(100, 600_000).default(20_000),
  WORKER_RESTART_BASE_MS: int(10, 600_000).default(500),
  WORKER_RESTART_MAX_MS: int(10, 3_600_000).default(30_000),
  WORKER_STOP_TIMEOUT_MS: int(0, 600_000).default(5_000),
  BREAKER_ERROR_THRESHOLD: int(1, 100).default(50),
  BREAKER_VOLUME_THRESHOLD: int(10, 1_000_000).default(10),
  BREAKER_RESET_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  BREAKER_ROLLING_WINDOW_MS: int(1_000, 3_600_000).default(10_000),
  HEALTH_CHECK_INTERVAL_MS: int(1_000, 3_600_000).default(15_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  DATABASE_URL: z.string().trim().regex(/^postgres(ql)?:\/\//, 'expected postgres://user:password@host:5432/database').optional(),
  DATABASE_SCHEMA: z.string().trim().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier such as mcpgw').default('mcpgw'),
  DATABASE_POOL_MAX: int(1, 1_000).default(5),
  MCPGW_DATA_DIR: z.string().trim().min(1).default('./.mcpgw'),
  REDIS_URL: z.string().trim().regex(/^rediss?:\/\//, 'expected redis://[:password@]host:6379[/db]').optional(),
  JOBS_CONSUMER: bool.optional(),
  JOBS_CONCURRENCY: int(1, 1_000).default(4),
  JOBS_SERVICE_CONCURRENCY: list
    .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}=([1-9][0-9]{0,2}|1000)$/, 'expected service=jobs pairs such as github=2,postgres=16 (1 to 1000 jobs)')))
    .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))])) as Record<string, number>)
    .optional(),
  JOBS_HISTORY_FLUSH_MS: int(0, 10_000).default(200),
  JOBS_RETRY_POLICY: list
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9-]{0,62}(:[A-Za-z0-9_.-]{1,128})?=([1-9][0-9]?|100)(\/[0-9]{2,7})?$/,
            'expected service[:tool]=attempts[/backoffMs] entries such as github=5/2000,postgres:query=2 (1 to 100 attempts, back-off 10 ms or more)',
          ),
      ),
    )
    .transform((entries) => {
      const policy: Record<string, RetryPolicy> = {};
      for (const entry of entries) {
        const [target, rule] = [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)];
        const [attempts, backoffMs] = rule.split('/');
        policy[target] = { attempts: Number(attempts), ...(backoffMs === undefined ? {} : { backoffMs: Number(backoffMs) }) };
      }
      return policy;
    })
    .optional(),
  JOBS_ATTEMPTS: int(1, 100).default(3),
  JOBS_BACKOFF_MS: int(10, 3_600_000).default(1_000),
  JOBS_LOCK_MS: int(500, 3_600_000).default(30_000),
  REDIS_KEY_PREFIX: z.string().trim().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'expected letters, digits and : _ . - such as mcpgw:').default('mcpgw:'),
  IDEMPOTENCY_TTL_MS: int(1_000, 30 * 86_400_000).default(86_400_000),
  LOCALHOST_BYPASS: bool.default(true),
  LOCAL_SCOPES: list.pipe(z.array(z.string().regex(SCOPE_PATTERN, SCOPE_HINT))).default(['*', 'admin']),
  TRUST_PROXY: list.default([]),
  TRUSTED_NETWORKS: list.default([]),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_PUBLIC_KEY: z.string().includes('-----BEGIN', { message: 'expected a PEM public key (-----BEGIN PUBLIC KEY-----...)' }).optional(),
  JWT_JWKS_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of a JWKS document' }).optional(),
  JWT_ISSUER: z.string().trim().min(1).optional(),
  JWT_AUDIENCE: list.optional(),
  JWT_CLOCK_TOLERANCE_SEC: int(0, 60).default(30),
  API_KEY_CACHE_TTL_MS: int(0, 1_000).default(1_000),
  API_KEY_STALE_MS: int(0, 86_400_000).default(300_000),
  RATE_LIMIT_MAX_REQUESTS: int(0, 100_000_000).default(100),
  RATE_LIMIT_WINDOW_MS: int(100, 86_400_000).default(60_000),
  AUTH_FAILURE_MAX: int(1, 1_000_000).default(10),
  AUTH_FAILURE_WINDOW_MS: int(100, 86_400_000).default(60_000),
  AUDIT_FLUSH_INTERVAL_MS: int(10, 60_000).default(250),
  AUDIT_BATCH_SIZE: int(1, 10_000).default(500),
  AUDIT_SPOOL_MAX_ROWS: int(100, 10_000_000).default(100_000),
  PIN_TOOL_DEFINITIONS: bool.default(false),
  TOKEN_PRICES_USD: list
    .pipe(z.array(z.string().regex(TOKEN_PRICE_ENTRY, 'expected service=usdPerMillionTokens or service.tool=usdPerMillionTokens entries such as openai=2.5,anthropic.messages=3')))
    .default([]),
  SANDBOX: z.enum(['auto', 'off']).default('auto'),
  CORS_ORIGINS: list
    .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/, error: 'expected origins such as https://app.example.com (scheme://host[:port]) or *' })])))
    .default([]),
  MCP_ALLOWED_HOSTS: list.default([]),
  MCP_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  MCP_SESSION_MAX_AGE_MS: int(60_000, 30 * 86_400_000).default(86_400_000),
  MCP_KEEPALIVE_MS: int(100, 600_000).default(15_000),
  CHECKS_FILE: z.string().trim().min(1).optional(),
  ALERT_WEBHOOK_URLS: list
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'expected http(s) URLs such as https://hooks.example.com/mcpgw' })))
    .default([]),
  ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  ALERT_WEBHOOK_ALLOW_HOSTS: list.default([]),
  ALERT_WEBHOOK_ATTEMPTS: int(1, 20).default(5),
  ALERT_WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(5_000),
  ALERT_WEBHOOK_BACKOFF_MS: int(10, 600_000).default(1_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'expected the OTLP/HTTP base URL of a collector such as http://localhost:4318' }).optional(),
  OTEL_SERVICE_NAME: z.string().trim().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a name such as mcp-gateway (letters, digits, . _ -)').default('mcp-gateway'),
  OTEL_TRACES_SAMPLER_ARG: z.string().trim().regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a ratio from 0 to 1 such as 0.1').transform(Number).default(1),
});

export type GatewayEnv = z.infer<typeof envSchema>;

export interface GatewayConfig {
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  logLevel: GatewayEnv['LOG_LEVEL'];
  logFormat: GatewayEnv['LOG_FORMAT'];
  defaultTimeoutMs: number;
  bodyLimitBytes: number;
  jsonMaxDepth: number;
  rpcMaxBatch: number;
  workers: WorkerSpec[];
  worker: {
    maxConcurrency: number;
    maxQueue: number;
    startTimeoutMs: number;
    restartBaseMs: number;
    restartMaxMs: number;
    stopTimeoutMs: number;
    /** Sent to remote workers (WORKER_URLS) as `Authorization: Bearer ...`; never shown or logged. */
    authToken: string | undefined;
  };
  breaker: {
    errorThresholdPercentage: number;
    volumeThreshold: number;
    resetTimeoutMs: number;
    rollingWindowMs: number;
  };
  healthCheckIntervalMs: number;
  shutdownTimeoutMs: number;
  store: {
    /** PostgreSQL connection string; unset → the embedded store under dataDir. */
    databaseUrl: string | undefined;
    schema: string;
    poolMax: number;
    /** Absolute. */
    dataDir: string;
    /** Absolute; where the embedded engine keeps a dump of an empty cluster for fast first starts. */
    cacheDir: string;
  };
  redis: { url: string | undefined; keyPrefix: string };
  /** Async jobs (BullMQ on Redis); every job method answers QUEUE_UNAVAILABLE without REDIS_URL. */
  jobs: {
    /** Run BullMQ consumers in this process (default: when REDIS_URL is set). */
    consumer: boolean;
    /** Jobs one process runs at once per service. */
    concurrency: number;
    /** Per-service overrides of `concurrency` (JOBS_SERVICE_CONCURRENCY). */
    serviceConcurrency: Record<string, number>;
    /** Longest a job-history row waits before it is written (rows are written in batches). */
    historyFlushMs: number;
    /** Retry policies by `service` or `service:tool` (the more specific wins); only retryable tools use them. */
    retryPolicy: Record<string, RetryPolicy>;
    /** Attempts of a job whose tool is read-only or idempotent (others get one). */
    attempts: number;
    /** Base of the exponential back-off between attempts (with jitter). */
    backoffMs: number;
    /** A consumer's lock on an active job; a consumer that dies loses it after this and another takes the job. */
    lockMs: number;
  };
  /** Idempotency keys: how long a successful call's result is replayed for the same caller and key. */
  idempotency: { ttlMs: number };
  auth: {
    localhostBypass: boolean;
    localScopes: string[];
    /** Fastify/proxy-addr trust list: addresses, CIDRs or loopback/linklocal/uniquelocal. Empty: no proxy trusted. */
    trustProxy: string[];
    trustedNetworks: string[];
    jwt: {
      secret: string | undefined;
      publicKeyPem: string | undefined;
      jwksUrl: string | undefined;
      issuer: string | undefined;
      audience: string[] | undefined;
      clockToleranceSec: number;
    };
    keyCacheTtlMs: number;
    keyStaleMs: number;
    failureLimit: { max: number; windowMs: number };
  };
  /** max 0: rate limiting off. */
  rateLimit: { max: number; windowMs: number };
  audit: { flushIntervalMs: number; batchSize: number; maxSpoolRows: number };
  /** Refuse calls to tools whose definition differs from its pin (changes are reported either way). */
  pinToolDefinitions: boolean;
  /** USD per million tokens by `service` or `service.tool` (TOKEN_PRICES_USD), for mcp_token_cost_usd_total. */
  tokenPricesUsd: TokenPrices;
  mcp: {
    /** Browser origins allowed on /mcp besides loopback ones; `*` allows any. */
    corsOrigins: string[];
    /** Host names accepted on /mcp when the gateway listens on a loopback address (besides loopback names). */
    allowedHosts: string[];
    /** Shared by replicas so any of them can resume a session; unset → from Redis, or random per process. */
    sessionSecret: string | undefined;
    sessionMaxAgeMs: number;
    keepAliveMs: number;
  };
  /** Scheduled checks (docs/alerts.md): `file` undefined → the shipped default file; null → checks off (CHECKS_FILE=none). */
  checks: { file: string | null | undefined };
  /** Where alert events go: signed POSTs to each URL, retried; private addresses only for `allowHosts`. */
  alerts: {
    webhookUrls: string[];
    webhookSecret: string | undefined;
    allowHosts: string[];
    attempts: number;
    timeoutMs: number;
    backoffMs: number;
  };
  /** OpenTelemetry traces: off unless `endpoint` is set (docs/observability.md, Tracing). */
  tracing: { endpoint: string | undefined; serviceName: string; sampleRatio: number };
  version: string;
}

/** A configuration problem that stops start-up; the message names the variable and the expected form. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Variables only the gateway reads: kept from workers even when a worker's name prefixes them (`redis` → REDIS_URL). */
const GATEWAY_ONLY = new Set(Object.keys(envSchema.shape).filter((key) => !['LOG_LEVEL', 'LOG_FORMAT'].includes(key)));

/** Variables every worker process receives (besides its own). Nothing secret of the gateway's. */
const BASE_WORKER_ENV = ['PATH', 'HOME', 'XDG_CACHE_HOME', 'TZ', 'LANG', 'LC_ALL', 'NODE_ENV', 'LOG_LEVEL', 'LOG_FORMAT', 'TMPDIR', 'SYSTEMROOT'];

export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment. Throws ConfigError naming every bad variable.
 * `cwd` resolves relative worker paths in EXTRA_WORKERS.
 */
export function loadConfig(env: EnvSource = process.env, cwd = process.cwd()): GatewayConfig {
  const parsed = envSchema.safeParse(blankToUndefined(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      // A secret is never echoed, even a malformed one.
      const shown = variable === 'WORKER_AUTH_TOKEN' ? '[hidden]' : JSON.stringify(env[variable] ?? '');
      return `${variable}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.WORKER_RESTART_MAX_MS < e.WORKER_RESTART_BASE_MS) {
    throw new ConfigError('WORKER_RESTART_MAX_MS must be at least WORKER_RESTART_BASE_MS');
  }
  for (const cidr of e.TRUSTED_NETWORKS) {
    if (!parseCidr(cidr)) throw new ConfigError(`TRUSTED_NETWORKS: "${cidr}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
  }
  for (const entry of e.TRUST_PROXY) {
    if (!['loopback', 'linklocal', 'uniquelocal'].includes(entry) && !parseCidr(entry.includes('/') ? entry : `${entry}/${isIP(entry) === 6 ? 128 : 32}`)) {
      throw new ConfigError(`TRUST_PROXY: "${entry}" is not an address, a CIDR, loopback, linklocal or uniquelocal`);
    }
  }
  const workers = resolveWorkers(e, env, cwd);
  const tokenPrices = parseTokenPrices(e.TOKEN_PRICES_USD);
  if (tokenPrices.duplicates.length > 0) throw new ConfigError(`TOKEN_PRICES_USD: ${tokenPrices.duplicates.join(', ')} priced twice; give each service or service.tool once`);
  const unknownServices = pricedServices(tokenPrices.prices).filter((service) => !workers.some((w) => w.name === service));
  if (unknownServices.length > 0) {
    throw new ConfigError(`TOKEN_PRICES_USD: no worker named ${unknownServices.join(', ')} (started: ${workers.map((w) => w.name).join(', ') || 'none'})`);
  }
  if (e.ALERT_WEBHOOK_URLS.length > 0 && !e.ALERT_WEBHOOK_SECRET) {
    throw new ConfigError('ALERT_WEBHOOK_SECRET is required when ALERT_WEBHOOK_URLS is set (receivers verify the X-MCPGW-Signature made with it); use at least 16 random characters');
  }
  return {
    host: e.HOST,
    port: e.PORT,
    metricsHost: e.METRICS_HOST ?? e.HOST,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    defaultTimeoutMs: e.DEFAULT_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    jsonMaxDepth: e.JSON_MAX_DEPTH,
    rpcMaxBatch: e.RPC_MAX_BATCH,
    workers,
    worker: {
      maxConcurrency: e.WORKER_MAX_CONCURRENCY,
      maxQueue: e.WORKER_MAX_QUEUE,
      startTimeoutMs: e.WORKER_START_TIMEOUT_MS,
      restartBaseMs: e.WORKER_RESTART_BASE_MS,
      restartMaxMs: e.WORKER_RESTART_MAX_MS,
      stopTimeoutMs: e.WORKER_STOP_TIMEOUT_MS,
      authToken: e.WORKER_AUTH_TOKEN,
    },
    breaker: {
      errorThresholdPercentage: e.BREAKER_ERROR_THRESHOLD,
      volumeThreshold: e.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: e.BREAKER_RESET_TIMEOUT_MS,
      rollingWindowMs: e.BREAKER_ROLLING_WINDOW_MS,
    },
    healthCheckIntervalMs: e.HEALTH_CHECK_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    store: {
      databaseUrl: e.DATABASE_URL,
      schema: e.DATABASE_SCHEMA,
      poolMax: e.DATABASE_POOL_MAX,
      dataDir: resolve(cwd, e.MCPGW_DATA_DIR),
      cacheDir: resolve(env['XDG_CACHE_HOME'] ?? resolve(env['HOME'] ?? cwd, '.cache'), 'mcp-gateway'),
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    jobs: {
      consumer: e.JOBS_CONSUMER ?? e.REDIS_URL !== undefined,
      concurrency: e.JOBS_CONCURRENCY,
      serviceConcurrency: e.JOBS_SERVICE_CONCURRENCY ?? {},
      historyFlushMs: e.JOBS_HISTORY_FLUSH_MS,
      retryPolicy: e.JOBS_RETRY_POLICY ?? {},
      attempts: e.JOBS_ATTEMPTS,
      backoffMs: e.JOBS_BACKOFF_MS,
      lockMs: e.JOBS_LOCK_MS,
    },
    idempotency: { ttlMs: e.IDEMPOTENCY_TTL_MS },
    auth: {
      localhostBypass: e.LOCALHOST_BYPASS,
      localScopes: e.LOCAL_SCOPES,
      trustProxy: e.TRUST_PROXY,
      trustedNetworks: e.TRUSTED_NETWORKS,
      jwt: {
        secret: e.JWT_SECRET,
        // Operators often put a PEM on one line with literal \n.
        publicKeyPem: e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
        jwksUrl: e.JWT_JWKS_URL,
        issuer: e.JWT_ISSUER,
        audience: e.JWT_AUDIENCE,
        clockToleranceSec: e.JWT_CLOCK_TOLERANCE_SEC,
      },
      keyCacheTtlMs: e.API_KEY_CACHE_TTL_MS,
      keyStaleMs: e.API_KEY_STALE_MS,
      failureLimit: { max: e.AUTH_FAILURE_MAX, windowMs: e.AUTH_FAILURE_WINDOW_MS },
    },
    rateLimit: { max: e.RATE_LIMIT_MAX_REQUESTS, windowMs: e.RATE_LIMIT_WINDOW_MS },
    audit: { flushIntervalMs: e.AUDIT_FLUSH_INTERVAL_MS, batchSize: e.AUDIT_BATCH_SIZE, maxSpoolRows: e.AUDIT_SPOOL_MAX_ROWS },
    pinToolDefinitions: e.PIN_TOOL_DEFINITIONS,
    tokenPricesUsd: tokenPrices.prices,
    mcp: {
      corsOrigins: e.CORS_ORIGINS.map((o) => (o === '*' ? o : new URL(o).origin)),
      allowedHosts: e.MCP_ALLOWED_HOSTS.map((h) => h.toLowerCase()),
      sessionSecret: e.MCP_SESSION_SECRET,
      sessionMaxAgeMs: e.MCP_SESSION_MAX_AGE_MS,
      keepAliveMs: e.MCP_KEEPALIVE_MS,
    },
    checks: { file: e.CHECKS_FILE === undefined ? undefined : e.CHECKS_FILE === 'none' ? null : resolve(cwd, e.CHECKS_FILE) },
    alerts: {
      webhookUrls: e.ALERT_WEBHOOK_URLS,
      webhookSecret: e.ALERT_WEBHOOK_SECRET,
      allowHosts: e.ALERT_WEBHOOK_ALLOW_HOSTS,
      attempts: e.ALERT_WEBHOOK_ATTEMPTS,
      timeoutMs: e.ALERT_WEBHOOK_TIMEOUT_MS,
      backoffMs: e.ALERT_WEBHOOK_BACKOFF_MS,
    },
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME, sampleRatio: e.OTEL_TRACES_SAMPLER_ARG },
    version: GATEWAY_VERSION,
  };
}

/**
 * The database holding the operational tables, for `mcpgw ops`: SUPABASE_DB_URL (the variable the
 * supabase worker reads). Undefined when unset; refused when it is not a postgres URL.
 */
export function opsDatabaseUrl(env: EnvSource = process.env): string | undefined {
  const value = env['SUPABASE_DB_URL']?.trim();
  if (!value) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new ConfigError('SUPABASE_DB_URL must be a postgres:// URL');
  return value;
}

/**
 * The API key `mcpgw stdio` presents to a gateway when `--key` is not given: MCPGW_KEY. A client
 * variable, not a gateway setting (so not in envSchema): an environment variable keeps the key out
 * of `ps` and of desktop clients' argument lists. Undefined when unset or blank.
 */
export function clientKeyFromEnv(env: EnvSource = process.env): string | undefined {
  const value = env['MCPGW_KEY']?.trim();
  return value ? value : undefined;
}

/**
 * Loads `.env` from `cwd` into the process environment when the file exists. Variables already set
 * in the environment win over the file.
 */
export function loadDotEnv(cwd = process.cwd()): void {
  const path = resolve(cwd, '.env');
  if (existsSync(path)) process.loadEnvFile(path);
}

/** The gateway's version, reported by /health and the MCP handshake. */
export const GATEWAY_VERSION = '0.1.0';

function blankToUndefined(env: EnvSource): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    out[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  return out;
}

function resolveWorkers(e: GatewayEnv, env: EnvSource, cwd: string): WorkerSpec[] {
  const selected = selectBuiltins(e.WORKERS);
  const specs: WorkerSpec[] = selected.map((builtin) => {
    const spec: LocalWorkerSpec = {
      name: builtin.name,
      command: process.execPath,
      args: [builtin.entry()],
      env: workerEnv(builtin.name, builtin.envPrefixes, env),
      required: true,
    };
    // No credential for its upstream at all: the worker talks to the sandbox's fakes (SANDBOX=auto).
    if (builtin.sandbox && e.SANDBOX === 'auto' && builtin.sandbox.credentials.every((name) => !env[name]?.trim())) {
      spec.sandboxEnv = builtin.sandbox.env;
    }
    return spec;
  });
  for (const entry of e.EXTRA_WORKERS) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const target = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!serviceNameSchema.safeParse(name).success || !target) {
      throw new ConfigError(`EXTRA_WORKERS: "${entry}" must look like name=path/to/worker.js (name: a-z, 0-9, -)`);
    }
    if (specs.some((s) => s.name === name)) throw new ConfigError(`EXTRA_WORKERS: service "${name}" is defined twice`);
    const path = isAbsolute(target) ? target : resolve(cwd, target);
    if (!existsSync(path)) throw new ConfigError(`EXTRA_WORKERS: ${name}: no file at ${path}`);
    const isScript = /\.(c|m)?js$/.test(path);
    specs.push({
      name,
      command: isScript ? process.execPath : path,
      args: isScript ? [path] : [],
      env: workerEnv(name, [], env),
      required: true,
    });
  }
  if (e.LOCAL_SERVICES_FILE) specs.push(...localServiceWorkers(resolve(cwd, e.LOCAL_SERVICES_FILE), env, specs));
  remoteWorkers(e.WORKER_URLS, specs, new Set(selected.map((b) => b.name)));
  if (e.REQUIRED_WORKERS?.length === 1 && e.REQUIRED_WORKERS[0] === 'none') {
    // Readiness waits for no worker: the gateway is ready as soon as it serves.
    for (const spec of specs) spec.required = false;
  } else if (e.REQUIRED_WORKERS) {
    for (const name of e.REQUIRED_WORKERS) {
      if (!specs.some((s) => s.name === name)) {
        throw new ConfigError(`REQUIRED_WORKERS: "${name}" is not a started worker (started: ${specs.map((s) => s.name).join(', ') || 'none'})`);
      }
    }
    for (const spec of specs) spec.required = e.REQUIRED_WORKERS.includes(spec.name);
  }
  return specs;
}

/**
 * The local references LOCAL_SERVICES_FILE gives a command: workers like EXTRA_WORKERS ones, with the
 * file's `env` on top of the usual worker environment (`${NAME}` reads the gateway's, never its own settings).
 */
function localServiceWorkers(path: string, env: EnvSource, started: readonly WorkerSpec[]): WorkerSpec[] {
  const lookup = (name: string) => (GATEWAY_ONLY.has(name) ? undefined : env[name]);
  let commands;
  try {
    commands = loadLocalServicesFile(path, lookup);
  } catch (error) {
    if (error instanceof LocalServicesFileError) throw new ConfigError(error.message);
    throw error;
  }
  return commands.map((entry) => {
    if (started.some((s) => s.name === entry.name)) {
      throw new ConfigError(`LOCAL_SERVICES_FILE: service "${entry.name}" is defined twice (also in WORKERS or EXTRA_WORKERS)`);
    }
    return {
      name: entry.name,
      command: entry.command,
      args: entry.args,
      env: { ...workerEnv(entry.name, [], env), ...entry.env },
      ...(entry.cwd === undefined ? {} : { cwd: entry.cwd }),
      description: localReference(entry.name)?.description,
      required: true,
    } satisfies WorkerSpec;
  });
}

/**
 * WORKER_URLS: a selected built-in worker named there is reached at its URL instead of being
 * started; any other name adds a remote service. Edits `specs` in place. The URLs are the only
 * addresses contacted for these workers (no redirects are followed), so they are checked here.
 */
function remoteWorkers(entries: readonly string[], specs: WorkerSpec[], builtins: ReadonlySet<string>): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const target = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!serviceNameSchema.safeParse(name).success || !target) {
      throw new ConfigError(`WORKER_URLS: "${entry}" must look like name=http://host:8200/mcp (name: a-z, 0-9, -)`);
    }
    if (seen.has(name)) throw new ConfigError(`WORKER_URLS: service "${name}" is listed twice`);
    seen.add(name);
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new ConfigError(`WORKER_URLS: ${name}: "${target}" is not a URL; expected http(s)://host:port/mcp`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`WORKER_URLS: ${name}: expected an http or https URL, not ${url.protocol}`);
    if (url.username || url.password) {
      throw new ConfigError(`WORKER_URLS: ${name}: the URL must not carry credentials; the gateway authenticates with WORKER_AUTH_TOKEN`);
    }
    const spec: WorkerSpec = { kind: 'remote', name, url: url.href, required: true };
    const existing = specs.findIndex((s) => s.name === name);
    if (existing === -1) specs.push(spec);
    else if (builtins.has(name)) specs[existing] = spec;
    else throw new ConfigError(`WORKER_URLS: service "${name}" is defined twice (also in EXTRA_WORKERS or LOCAL_SERVICES_FILE)`);
  }
}

function selectBuiltins(names: string[]): BuiltinWorker[] {
  if (names.length === 1 && names[0] === 'all') return [...BUILTIN_WORKERS];
  if (names.length === 1 && names[0] === 'none') return [];
  return names.map((name) => {
    const builtin = BUILTIN_WORKERS.find((w) => w.name === name);
    if (!builtin) {
      throw new ConfigError(`WORKERS: unknown worker "${name}"; use all, none, or a list of: ${BUILTIN_WORKERS.map((w) => w.name).join(', ')}`);
    }
    return builtin;
  });
}

/**
 * The environment a worker process gets: the base variables, every variable named `<NAME>_*` after
 * the service, and the prefixes a built-in worker declares. Gateway secrets never reach a worker.
 */
function workerEnv(name: string, prefixes: readonly string[], env: EnvSource): Record<string, string> {
  const own = `${name.toUpperCase().replace(/-/g, '_')}_`;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // The gateway's own variables (store, Redis, JWT, ...) never reach a worker, whatever it is called.
    if (GATEWAY_ONLY.has(key)) continue;
    if (BASE_WORKER_ENV.includes(key) || key.startsWith(own) || prefixes.some((p) => key.startsWith(p))) out[key] = value;
  }
  out['MCPGW_SERVICE_NAME'] = name;
  // Workers export their spans to the gateway's collector under their own service name.
  const otlp = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (otlp) {
    out['OTEL_EXPORTER_OTLP_ENDPOINT'] = otlp;
    out['OTEL_SERVICE_NAME'] = `mcpgw-worker-${name}`;
    const ratio = env['OTEL_TRACES_SAMPLER_ARG']?.trim();
    if (ratio) out['OTEL_TRACES_SAMPLER_ARG'] = ratio;
  }
  return out;
}
