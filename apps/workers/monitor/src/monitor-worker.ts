import { createWorker, describeEnvProblems, parseWorkerEnv } from '@mcpgw/worker-kit';
import { HolidayCalendar } from '@mcpgw/bir-calendar';
import { OpsStore, loadBirConfig } from '@mcpgw/worker-bir/tools';
import { OdooClient, loadOdooConfig } from '@mcpgw/worker-odoo/client';
import { DirectDatabase, PostgrestClient, loadSupabaseConfig } from '@mcpgw/worker-supabase/client';
import { z } from 'zod';
import type { MonitorDeps } from './deps.js';
import { getErrorTraces } from './tools/get-error-traces.js';
import { getSystemHealth } from './tools/get-system-health.js';
import { listFailedJobs } from './tools/list-failed-jobs.js';

/** The monitor's own setting; everything else it reads is the domains' variables (ODOO_*, SUPABASE_*, BIR_*). */
const monitorEnvSchema = z.object({ MONITOR_SANDBOX: z.enum(['true', 'false']).default('false') });

/**
 * The cross-domain view: one answer from Odoo, Supabase and the compliance data together, built by
 * running the domains' own tools with the same variables those workers read. Each domain is
 * optional; one that is not configured or not reachable is reported as such in every answer.
 */
export const monitorWorker = createWorker<MonitorDeps>({
  name: 'monitor',
  version: '1.0.0',
  description: 'Cross-system monitoring: health of Odoo, Supabase and the compliance data; failed jobs and recent errors across Odoo and Supabase.',
  tools: [getSystemHealth, listFailedJobs, getErrorTraces],
  commands: [
    { pattern: 'health', tool: 'get_system_health', description: 'Odoo, Supabase and compliance data: status and latency.' },
    { pattern: 'jobs', tool: 'list_failed_jobs', description: 'Failed jobs in Odoo and Supabase, newest first: /mcp-monitor jobs --since=2026-01-01' },
    { pattern: 'errors [<level>]', tool: 'get_error_traces', description: 'Recent errors at or above a level (default error): /mcp-monitor errors warning' },
  ],
  requiredEnv: ['ODOO_URL', 'SUPABASE_URL', 'BIR_DATABASE_URL'],
  setup: (env, log) => {
    const own = parseWorkerEnv(monitorEnvSchema, env);
    if (!own.ok) return { status: 'unconfigured', missing: own.missing, reason: describeEnvProblems(own) };
    const odoo = loadOdooConfig(env);
    const supabase = loadSupabaseConfig(env);
    const bir = loadBirConfig(env);
    if (!odoo.ok && !supabase.ok && !bir.ok) {
      return {
        status: 'unconfigured',
        missing: [...new Set([...odoo.missing, ...supabase.missing, ...bir.missing])],
        reason: 'set the variables of at least one system: ODOO_* (Odoo), SUPABASE_* (Supabase) or BIR_DATABASE_URL (compliance data)',
      };
    }
    const partial = [odoo.ok ? undefined : 'Odoo', supabase.ok ? undefined : 'Supabase', bir.ok ? undefined : 'compliance data'].filter(Boolean);
    const sandbox = own.config.MONITOR_SANDBOX === 'true';
    return {
      status: 'configured',
      mode: sandbox ? 'sandbox' : 'live',
      ...(partial.length > 0 || sandbox
        ? { notes: [sandbox ? 'Sandbox: the gateway\'s fakes with sample data.' : '', partial.length > 0 ? `Not configured: ${partial.join(', ')}.` : ''].filter(Boolean).join(' ') }
        : {}),
      deps: async () => ({
        odoo: odoo.ok
          ? {
              config: odoo.config,
              client: new OdooClient({ url: odoo.config.url, db: odoo.config.db, username: odoo.config.username, apiKey: odoo.config.apiKey, timeoutMs: odoo.config.timeoutMs, log }),
            }
          : undefined,
        supabase: supabase.ok
          ? {
              config: supabase.config,
              rest: supabase.config.rest
                ? new PostgrestClient({
                    url: supabase.config.rest.url,
                    key: supabase.config.rest.key,
                    schema: supabase.config.schema,
                    timeoutMs: supabase.config.timeoutMs,
                    maxRows: supabase.config.maxRows,
                    pageSize: supabase.config.pageSize,
                    log,
                  })
                : undefined,
              database: supabase.config.databaseUrl ? new DirectDatabase({ connectionString: supabase.config.databaseUrl, timeoutMs: supabase.config.timeoutMs, log }) : undefined,
            }
          : undefined,
        bir: bir.ok ? { config: bir.config, store: new OpsStore(bir.config, log), calendar: new HolidayCalendar([]), now: () => new Date() } : undefined,
        missing: { odoo: odoo.ok ? [] : odoo.missing, supabase: supabase.ok ? [] : supabase.missing, bir: bir.ok ? [] : bir.missing },
        log,
      }),
      close: async (deps) => {
        await Promise.allSettled([deps.supabase?.database?.close(), deps.bir?.store.close()]);
      },
    };
  },
  health: async (deps, signal) => {
    const result = (await getSystemHealth.handler({}, { deps, signal, requestId: undefined, log: deps.log, reportTokens: () => undefined, progress: async () => undefined })) as {
      status: string;
      components: { name: string; status: string; reason: string | null }[];
    };
    const down = result.components.filter((c) => c.status === 'down' || c.status === 'degraded');
    const status = result.status === 'down' ? 'degraded' : result.status === 'unconfigured' ? 'unconfigured' : result.status === 'degraded' ? 'degraded' : 'ok';
    return { status, ...(down.length > 0 ? { reason: down.map((c) => `${c.name}: ${c.reason ?? c.status}`).join('; ') } : {}) } as never;
  },
});

export { monitorEnvSchema };
