import { ToolError, toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { SupabaseConfig } from './config.js';
import type { DirectDatabase } from './direct-database.js';
import type { PostgrestClient } from './postgrest-client.js';

/** What every supabase tool receives. */
export interface SupabaseDeps {
  config: SupabaseConfig;
  /** Undefined without SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY. */
  rest: PostgrestClient | undefined;
  /** Undefined without SUPABASE_DB_URL. */
  database: DirectDatabase | undefined;
}

export const supabaseTool = toolDefiner<SupabaseDeps>();

/** The Data API client, or the unconfigured answer naming the variables to set. */
export function requireRest(deps: SupabaseDeps): PostgrestClient {
  if (deps.rest) return deps.rest;
  throw new ToolError('unconfigured', 'this tool reads the Data API: set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY', {
    missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'],
  });
}

/** The direct database, or the unconfigured answer naming SUPABASE_DB_URL. */
export function requireDatabase(deps: SupabaseDeps): DirectDatabase {
  if (deps.database) return deps.database;
  throw new ToolError(
    'unconfigured',
    'check_database_performance reads pg_stat_* over a direct connection: set SUPABASE_DB_URL (the project\'s Postgres connection string, Settings > Database)',
    { missing: ['SUPABASE_DB_URL'] },
  );
}

/** The `agency` argument: one business unit's code, as stored (e.g. ACME-MNL). */
export const agencyArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe('Agency (business unit) code, e.g. ACME-MNL; all agencies when omitted');

/** A `since` bound: an ISO date or date-time. */
export const sinceArg = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, 'use YYYY-MM-DD (Manila time) or an ISO date-time with a zone, e.g. 2026-01-31T08:00:00Z')
  .refine((v) => !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T'))), 'not a real date');

/** A date argument `YYYY-MM-DD`. */
export const dateArg = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'not a real date');
