import { z } from 'zod';

/** Settings every worker shares, read from its environment. */
export const commonWorkerEnvSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Tracing is on when set (the gateway passes its own on); spans go to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  /** Default `mcpgw-worker-<name>`. */
  OTEL_SERVICE_NAME: z.preprocess(blankToUndefined, z.string().trim().min(1).max(128).optional()),
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(blankToUndefined, z.string().trim().regex(/^(0(\.\d+)?|1(\.0+)?)$/).transform(Number).default(1)),
  /** With --http: the bearer token `/mcp` requires (the gateway's WORKER_AUTH_TOKEN); required off loopback. */
  WORKER_AUTH_TOKEN: z.preprocess(blankToUndefined, z.string().trim().min(32, 'must be at least 32 characters').optional()),
});

function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

export type CommonWorkerEnv = z.infer<typeof commonWorkerEnvSchema>;

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** The outcome of reading a worker's own variables: a config, or what is missing or wrong. */
export type WorkerEnvResult<T> =
  | { ok: true; config: T }
  | { ok: false; missing: string[]; invalid: { variable: string; message: string }[] };

/**
 * Parses a worker's variables with its zod schema. Unlike the gateway, a worker never exits on bad
 * configuration: the caller turns a failure into the `unconfigured` state, naming the variables.
 */
export function parseWorkerEnv<S extends z.ZodObject>(schema: S, env: EnvSource): WorkerEnvResult<z.output<S>> {
  const result = schema.safeParse(env);
  if (result.success) return { ok: true, config: result.data };
  const missing: string[] = [];
  const invalid: { variable: string; message: string }[] = [];
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? '');
    if (env[variable] === undefined || env[variable] === '') missing.push(variable);
    else invalid.push({ variable, message: issue.message });
  }
  return { ok: false, missing: [...new Set(missing)], invalid };
}

/** A one-line, secret-free explanation of what is missing or invalid. */
export function describeEnvProblems(result: { missing: string[]; invalid: { variable: string; message: string }[] }): string {
  const parts: string[] = [];
  if (result.missing.length > 0) parts.push(`set ${result.missing.join(', ')}`);
  for (const { variable, message } of result.invalid) parts.push(`${variable} is invalid: ${message}`);
  return parts.join('; ');
}
