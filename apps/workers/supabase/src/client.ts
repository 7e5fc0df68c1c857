/**
 * The Supabase client for other workers (the aggregate monitor): the PostgREST client, the direct
 * database, and the configuration that builds them.
 */
export {
  PostgrestClient,
  KEY_VARIABLE,
  parseContentRange,
  unauthorizedError,
  type Filter,
  type FilterValue,
  type Order,
  type PostgrestClientOptions,
  type RetryPolicy,
  type SelectAllOptions,
  type SelectAllResult,
  type SelectOptions,
  type SelectPage,
} from './postgrest-client.js';
export { DirectDatabase, toDatabaseError, type DirectDatabaseOptions } from './direct-database.js';
export { loadSupabaseConfig, supabaseEnvSchema, type ConfigResult, type RestTarget, type SupabaseConfig } from './config.js';
export { checkSupabaseHealth, type SupabaseHealth, type SurfaceHealth } from './health-check.js';
