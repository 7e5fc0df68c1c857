import { describeEnvProblems, parseWorkerEnv, type EnvSource } from '@mcpgw/worker-kit';
import { z } from 'zod';

/** One database the worker serves: a name agents use, and how to reach it. */
export interface DatabaseTarget {
  name: string;
  /** Secret: never logged, never returned. */
  connectionString: string;
}

export interface PostgresConfig {
  /** Empty: serve the embedded demo database. */
  databases: DatabaseTarget[];
  poolMax: number;
  idleTimeoutMs: number;
  queryTimeoutMs: number;
  connectTimeoutMs: number;
  maxRows: number;
  /** Where the embedded demo database keeps a ready-made copy (faster, smaller start); undefined: no cache. */
  demoCacheDir: string | undefined;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const postgresEnvSchema = z.object({
  POSTGRES_DATABASES: z.string().optional(),
  DB_POOL_MAX: int(1, 1_000).default(5),
  DB_IDLE_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  DB_QUERY_TIMEOUT_MS: int(100, 3_600_000).default(10_000),
  DB_CONNECT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DB_MAX_ROWS: int(1, 1_000_000).default(1_000),
  XDG_CACHE_HOME: z.string().optional(),
  HOME: z.string().optional(),
});

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** Names agents may not use for a database: they would collide with command words. */
const RESERVED = new Set(['list', 'describe', 'query', 'explain']);

/**
 * Parses `POSTGRES_DATABASES="sales=postgres://u:p@host/db,ops=postgresql://..."`. Entries are split
 * at commas followed by `name=`, so URLs may contain commas in their query string. Messages never
 * repeat a URL: it holds a password.
 */
export function parseDatabases(value: string): { databases: DatabaseTarget[]; problems: string[] } {
  const databases: DatabaseTarget[] = [];
  const problems: string[] = [];
  const entries = value.split(/,(?=\s*[a-z][a-z0-9_-]*\s*=)/).map((e) => e.trim()).filter(Boolean);
  entries.forEach((entry, index) => {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const url = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!NAME.test(name)) {
      problems.push(`POSTGRES_DATABASES entry ${index + 1}: the name must be lower-case letters, digits, _ or -, e.g. sales=postgres://...`);
    } else if (RESERVED.has(name)) {
      problems.push(`POSTGRES_DATABASES: "${name}" is a command word; choose another name`);
    } else if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
      problems.push(`POSTGRES_DATABASES: ${name} must be a postgres:// or postgresql:// URL`);
    } else if (databases.some((d) => d.name === name)) {
      problems.push(`POSTGRES_DATABASES: ${name} is listed twice`);
    } else {
      databases.push({ name, connectionString: url });
    }
  });
  if (entries.length === 0) problems.push('POSTGRES_DATABASES is set but lists no database; use name=postgres://...');
  return { databases, problems };
}

export type ConfigResult = { ok: true; config: PostgresConfig } | { ok: false; missing: string[]; reason: string };

/** Reads the worker's variables; problems come back as a reason, never as an exception. */
export function loadPostgresConfig(env: EnvSource): ConfigResult {
  const parsed = parseWorkerEnv(postgresEnvSchema, env);
  if (!parsed.ok) return { ok: false, missing: parsed.missing, reason: describeEnvProblems(parsed) };
  const e = parsed.config;
  let databases: DatabaseTarget[] = [];
  if (e.POSTGRES_DATABASES !== undefined && e.POSTGRES_DATABASES.trim() !== '') {
    const result = parseDatabases(e.POSTGRES_DATABASES);
    if (result.problems.length > 0) return { ok: false, missing: [], reason: result.problems.join('; ') };
    databases = result.databases;
  }
  return {
    ok: true,
    config: {
      databases,
      poolMax: e.DB_POOL_MAX,
      idleTimeoutMs: e.DB_IDLE_TIMEOUT_MS,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      maxRows: e.DB_MAX_ROWS,
      demoCacheDir: e.XDG_CACHE_HOME ? `${e.XDG_CACHE_HOME}/mcp-gateway` : e.HOME ? `${e.HOME}/.cache/mcp-gateway` : undefined,
    },
  };
}
