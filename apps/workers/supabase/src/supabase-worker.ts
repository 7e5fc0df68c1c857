import { createWorker } from '@mcpgw/worker-kit';
import { loadSupabaseConfig } from './config.js';
import type { SupabaseDeps } from './deps.js';
import { DirectDatabase } from './direct-database.js';
import { workerHealth } from './health-check.js';
import { PostgrestClient } from './postgrest-client.js';
import { checkDatabasePerformance } from './tools/check-database-performance.js';
import { getAgencyMetrics } from './tools/get-agency-metrics.js';
import { getMonthEndStatus } from './tools/get-month-end-status.js';
import { listBackgroundJobs } from './tools/list-background-jobs.js';
import { listErrorLogs } from './tools/list-error-logs.js';
import { supabaseHealth } from './tools/supabase-health.js';

/**
 * Supabase, read-only: the operational tables of the reference deployment (month-end tasks,
 * background jobs, error logs, agency metrics) through the Data API, and database performance
 * through a direct Postgres connection.
 */
export const supabaseWorker = createWorker<SupabaseDeps>({
  name: 'supabase',
  version: '1.0.0',
  description:
    'Supabase operational data: month-end closing status, agency KPIs, failed background jobs and error logs (Data API), and database performance (pg_stat_*).',
  tools: [getMonthEndStatus, getAgencyMetrics, listBackgroundJobs, listErrorLogs, checkDatabasePerformance, supabaseHealth],
  commands: [
    { pattern: 'month-end [<agency>] [<period>]', tool: 'get_month_end_status', description: 'Month-end closing per agency: /mcp-supabase month-end ACME-MNL 2026-01' },
    { pattern: 'metrics [<agency>] [<metric>]', tool: 'get_agency_metrics', description: 'KPIs over the last 30 days: /mcp-supabase metrics ACME-CEB --series=true' },
    { pattern: 'jobs [<status>]', tool: 'list_background_jobs', description: 'Background jobs, failed by default: /mcp-supabase jobs any --agency=ACME-MNL' },
    { pattern: 'errors [<level>]', tool: 'list_error_logs', description: 'Error logs at or above a level (default error): /mcp-supabase errors warning --since=2026-01-01' },
    { pattern: 'db', tool: 'check_database_performance', description: 'Slow queries, connections, cache hit ratio, largest tables, locks.' },
    { pattern: 'health', tool: 'supabase_health', description: 'Latency of the Data API and the database.' },
  ],
  requiredEnv: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'],
  setup: (env, log) => {
    const loaded = loadSupabaseConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    const notes = [
      config.rest ? undefined : 'SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are not set: only check_database_performance and supabase_health work.',
      config.databaseUrl ? undefined : 'SUPABASE_DB_URL is not set: check_database_performance is unavailable.',
      config.sandbox ? 'Sandbox: a fake Supabase with sample data for the reference agencies.' : undefined,
    ].filter((n): n is string => n !== undefined);
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      ...(notes.length > 0 ? { notes: notes.join(' ') } : {}),
      deps: async () => ({
        config,
        rest: config.rest
          ? new PostgrestClient({ url: config.rest.url, key: config.rest.key, schema: config.schema, timeoutMs: config.timeoutMs, maxRows: config.maxRows, pageSize: config.pageSize, log })
          : undefined,
        database: config.databaseUrl ? new DirectDatabase({ connectionString: config.databaseUrl, timeoutMs: config.timeoutMs, log }) : undefined,
      }),
      close: async (deps) => {
        await deps.database?.close();
      },
    };
  },
  health: (deps, signal) => workerHealth(deps, signal),
});

export { supabaseEnvSchema } from './config.js';
