import { getOdooLogs } from '@mcpgw/worker-odoo/tools';
import { listErrorLogs } from '@mcpgw/worker-supabase/tools';
import { z } from 'zod';
import { monitorTool, odooTimeToIso, section, sinceInstant } from '../deps.js';

const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;

/** The parts of the domain tools' answers merged here. */
interface OdooLogs {
  records: { createDate: string | null; level: string | null; logger: string | null; message: string | null; path: string | null; func: string | null; line: string | null }[];
}
interface SupabaseErrors {
  errors: { occurredAt: string; level: string; source: string; agency: string | null; message: string; trace: string | null }[];
}

export const getErrorTraces = monitorTool({
  name: 'get_error_traces',
  title: 'Recent errors across Odoo and Supabase',
  description:
    'Recent errors everywhere at once: Odoo ir.logging records and Supabase error_logs at or above a level, optionally from one source and since a time. One merged list, newest first (origin, time, level, source, agency, message, trace when asked), plus each system\'s own section; a system that is unreachable or not configured says so without hiding the others.',
  input: z.object({
    level: z.enum(LEVELS).default('error').describe('Minimum level: debug < info < warning < error < critical'),
    source: z.string().trim().min(1).max(200).optional().describe('Only this source: a Supabase error_logs source, or text contained in an Odoo logger name'),
    since: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, 'use YYYY-MM-DD or an ISO date-time with a zone')
      .optional()
      .describe('Only entries at or after this time; default the last 24 hours'),
    agency: z.string().trim().min(1).max(64).optional().describe('Only this agency\'s Supabase entries'),
    limit: z.number().int().min(1).max(500).default(50).describe('At most this many entries from each system'),
    includeTrace: z.boolean().default(false).describe('Include stack traces (Supabase) and code locations (Odoo)'),
  }),
  tokenCost: 1_500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ level, source, since, agency, limit, includeTrace }, ctx) => {
    const { deps } = ctx;
    const from = sinceInstant(since) ?? new Date(Date.now() - 86_400_000).toISOString();
    const [odoo, supabase] = await Promise.all([
      section(deps.odoo, deps.missing.odoo, async (d) =>
        (await getOdooLogs.handler(getOdooLogs.input.parse({ level, since: from, ...(source ? { logger: source } : {}), limit }), { ...ctx, deps: d })) as OdooLogs,
      ),
      section(deps.supabase, deps.missing.supabase, async (d) =>
        (await listErrorLogs.handler(listErrorLogs.input.parse({ level, since: from, ...(source ? { source } : {}), ...(agency ? { agency } : {}), limit }), { ...ctx, deps: d })) as SupabaseErrors,
      ),
    ]);
    const traces: { origin: string; at: string | null; level: string | null; source: string | null; agency: string | null; message: string | null; trace?: string | null }[] = [];
    if (odoo.status === 'ok') {
      for (const r of odoo.result.records) {
        traces.push({
          origin: 'odoo.ir.logging',
          at: odooTimeToIso(r.createDate),
          level: r.level,
          source: r.logger,
          agency: null,
          message: r.message,
          ...(includeTrace ? { trace: r.path ? `${r.path}:${String(r.line ?? '')} ${r.func ?? ''}`.trim() : null } : {}),
        });
      }
    }
    if (supabase.status === 'ok') {
      for (const r of supabase.result.errors) {
        traces.push({ origin: 'supabase.error_logs', at: r.occurredAt, level: r.level, source: r.source, agency: r.agency, message: r.message, ...(includeTrace ? { trace: r.trace } : {}) });
      }
    }
    traces.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
    return { minLevel: level, since: from, total: traces.length, traces, sources: { odoo, supabase } };
  },
});
