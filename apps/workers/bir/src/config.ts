import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** The bir worker's settings, parsed once from its environment. */
export interface BirConfig {
  /** Secret (it may hold a password): never logged, never returned. */
  databaseUrl: string;
  schema: string;
  /** Path of the operator's extra non-working days (JSON or CSV); undefined: computed holidays only. */
  holidaysFile: string | undefined;
  dueSoonDays: number;
  poolMax: number;
  queryTimeoutMs: number;
  connectTimeoutMs: number;
  /** Set by the gateway's sandbox: the database is the sandbox's, with sample data. */
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const birEnvSchema = z.object({
  BIR_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL'),
  BIR_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain schema name: lower-case letters, digits and _')
    .default('public'),
  BIR_HOLIDAYS_FILE: z.string().optional(),
  BIR_DUE_SOON_DAYS: int(0, 366).default(7),
  BIR_POOL_MAX: int(1, 100).default(5),
  BIR_QUERY_TIMEOUT_MS: int(100, 600_000).default(10_000),
  BIR_CONNECT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  BIR_SANDBOX: z.enum(['true', 'false']).default('false'),
});

export type BirConfigResult = { ok: true; config: BirConfig } | { ok: false; missing: string[]; reason: string };

/**
 * Reads the worker's variables; problems come back as a reason, never as an exception. zod's
 * message for a bad URL never repeats the value, so the password stays out of it.
 */
export function loadBirConfig(env: EnvSource): BirConfigResult {
  const parsed = parseWorkerEnv(birEnvSchema, env);
  if (!parsed.ok) return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  const e = parsed.config;
  return {
    ok: true,
    config: {
      databaseUrl: e.BIR_DATABASE_URL,
      schema: e.BIR_DATABASE_SCHEMA,
      holidaysFile: e.BIR_HOLIDAYS_FILE && e.BIR_HOLIDAYS_FILE.trim() !== '' ? e.BIR_HOLIDAYS_FILE.trim() : undefined,
      dueSoonDays: e.BIR_DUE_SOON_DAYS,
      poolMax: e.BIR_POOL_MAX,
      queryTimeoutMs: e.BIR_QUERY_TIMEOUT_MS,
      connectTimeoutMs: e.BIR_CONNECT_TIMEOUT_MS,
      sandbox: e.BIR_SANDBOX === 'true',
    },
  };
}
