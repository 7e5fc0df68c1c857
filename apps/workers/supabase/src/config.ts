import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** How to reach the project's Data API (PostgREST). */
export interface RestTarget {
  /** Project URL, e.g. `https://abcdefghijklmnopqrst.supabase.co` (no `/rest/v1`). */
  url: string;
  /** Secret (`sb_secret_...`) or legacy `service_role` JWT. Secret: never logged, never returned. */
  key: string;
}

export interface SupabaseConfig {
  /** Undefined: the table tools answer "unconfigured" naming SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY. */
  rest: RestTarget | undefined;
  /** Direct Postgres connection string for `pg_stat_*`; holds a password. Undefined: check_database_performance is unconfigured. */
  databaseUrl: string | undefined;
  /** Schema PostgREST serves the operational tables from. */
  schema: string;
  /** Per-request (and per-statement) timeout. */
  timeoutMs: number;
  /** Most rows one tool call reads. */
  maxRows: number;
  /** Rows asked for per `Range` request (the server may return fewer: Supabase's db-max-rows). */
  pageSize: number;
  /** Pointed at the gateway's sandbox fakes: answers are marked `sandbox: true`. */
  sandbox: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** The worker's variables. Messages never repeat a value: the key and the database URL are secrets. */
export const supabaseEnvSchema = z.object({
  SUPABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http(s) URL, e.g. https://<project-ref>.supabase.co')
      .optional(),
  ),
  SUPABASE_SERVICE_ROLE_KEY: z.preprocess(blankToUndefined, z.string().min(20, 'is too short to be a Supabase secret or service_role key').optional()),
  SUPABASE_DB_URL: z.preprocess(
    blankToUndefined,
    z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  SUPABASE_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain schema name (letters, digits, _)')
    .default('public'),
  SUPABASE_TIMEOUT_MS: int(100, 600_000).default(15_000),
  SUPABASE_MAX_ROWS: int(1, 100_000).default(1_000),
  SUPABASE_PAGE_SIZE: int(1, 10_000).default(1_000),
  SUPABASE_SANDBOX: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export type ConfigResult = { ok: true; config: SupabaseConfig } | { ok: false; missing: string[]; reason: string };

/**
 * Reads the worker's variables. The worker is configured with SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY
 * (the table tools), with SUPABASE_DB_URL (database performance), or both; one of the URL/key pair
 * without the other is a mistake worth naming. Problems come back as a reason, never as an exception.
 */
export function loadSupabaseConfig(env: EnvSource): ConfigResult {
  const parsed = parseWorkerEnv(supabaseEnvSchema, env);
  if (!parsed.ok) return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  const e = parsed.config;
  const hasUrl = e.SUPABASE_URL !== undefined;
  const hasKey = e.SUPABASE_SERVICE_ROLE_KEY !== undefined;
  if (hasUrl !== hasKey) {
    const missing = hasUrl ? 'SUPABASE_SERVICE_ROLE_KEY' : 'SUPABASE_URL';
    return { ok: false, missing: [missing], reason: `set ${missing} too: SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY go together` };
  }
  if (!hasUrl && e.SUPABASE_DB_URL === undefined) {
    return {
      ok: false,
      missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'],
      reason: 'set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (and optionally SUPABASE_DB_URL for database performance)',
    };
  }
  return {
    ok: true,
    config: {
      rest: hasUrl ? { url: e.SUPABASE_URL!.replace(/\/+$/, '').replace(/\/rest\/v1$/, ''), key: e.SUPABASE_SERVICE_ROLE_KEY! } : undefined,
      databaseUrl: e.SUPABASE_DB_URL,
      schema: e.SUPABASE_SCHEMA,
      timeoutMs: e.SUPABASE_TIMEOUT_MS,
      maxRows: e.SUPABASE_MAX_ROWS,
      pageSize: e.SUPABASE_PAGE_SIZE,
      sandbox: e.SUPABASE_SANDBOX,
    },
  };
}
