import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { serviceNameSchema } from '@mcpgw/protocol';
import { z } from 'zod';
import { BUILTIN_WORKERS, type BuiltinWorker } from './workers/builtin-workers.js';
import type { WorkerSpec } from './workers/worker-spec.js';

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

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

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
  REQUIRED_WORKERS: list.optional(),
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
  };
  breaker: {
    errorThresholdPercentage: number;
    volumeThreshold: number;
    resetTimeoutMs: number;
    rollingWindowMs: number;
  };
  healthCheckIntervalMs: number;
  shutdownTimeoutMs: number;
  version: string;
}

/** A configuration problem that stops start-up; the message names the variable and the expected form. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

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
      return `${variable}=${JSON.stringify(env[variable] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.WORKER_RESTART_MAX_MS < e.WORKER_RESTART_BASE_MS) {
    throw new ConfigError('WORKER_RESTART_MAX_MS must be at least WORKER_RESTART_BASE_MS');
  }
  const workers = resolveWorkers(e, env, cwd);
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
    },
    breaker: {
      errorThresholdPercentage: e.BREAKER_ERROR_THRESHOLD,
      volumeThreshold: e.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: e.BREAKER_RESET_TIMEOUT_MS,
      rollingWindowMs: e.BREAKER_ROLLING_WINDOW_MS,
    },
    healthCheckIntervalMs: e.HEALTH_CHECK_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    version: GATEWAY_VERSION,
  };
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
  const specs: WorkerSpec[] = selected.map((builtin) => ({
    name: builtin.name,
    command: process.execPath,
    args: [builtin.entry()],
    env: workerEnv(builtin.name, builtin.envPrefixes, env),
    required: true,
  }));
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
  if (e.REQUIRED_WORKERS) {
    for (const name of e.REQUIRED_WORKERS) {
      if (!specs.some((s) => s.name === name)) {
        throw new ConfigError(`REQUIRED_WORKERS: "${name}" is not a started worker (started: ${specs.map((s) => s.name).join(', ') || 'none'})`);
      }
    }
    for (const spec of specs) spec.required = e.REQUIRED_WORKERS.includes(spec.name);
  }
  return specs;
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
    if (BASE_WORKER_ENV.includes(key) || key.startsWith(own) || prefixes.some((p) => key.startsWith(p))) out[key] = value;
  }
  out['MCPGW_SERVICE_NAME'] = name;
  return out;
}
