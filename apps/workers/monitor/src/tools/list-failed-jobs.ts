import { listQueueJobs } from '@mcpgw/worker-odoo/tools';
import { listBackgroundJobs } from '@mcpgw/worker-supabase/tools';
import { z } from 'zod';
import { monitorTool, odooTimeToIso, section, sinceInstant } from '../deps.js';

const since = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, 'use YYYY-MM-DD or an ISO date-time with a zone')
  .describe('Only jobs created (or crons first failing) at or after this date; default: no bound');

/** The parts of the domain tools' answers merged here. */
interface OdooJobs {
  jobs: { available: boolean; records: { id: number; name: string | null; method: string | null; company: { name: string } | null; dateCreated: string | null; excName: string | null; excMessage: string | null }[] };
  crons: { records: { id: number; name: string | null; lastCall: string | null; failureCount?: number; firstFailureDate?: string | null }[] } | null;
}
interface SupabaseJobs {
  jobs: { id: number; jobType: string; agency: string | null; lastError: string | null; finishedAt: string | null; startedAt: string | null; createdAt: string }[];
}

export const listFailedJobs = monitorTool({
  name: 'list_failed_jobs',
  title: 'Failed background jobs across Odoo and Supabase',
  description:
    'Failed background work everywhere at once: Odoo queue jobs in state failed and failing scheduled actions (ir.cron), and Supabase background_jobs with status failed. One merged list, newest first (origin, id, name, agency or company, when, error), plus each system\'s own section; a system that is unreachable or not configured says so without hiding the others.',
  input: z.object({
    since: since.optional(),
    agency: z.string().trim().min(1).max(64).optional().describe('Only this agency\'s Supabase jobs (Odoo jobs carry their company)'),
    limit: z.number().int().min(1).max(500).default(50).describe('At most this many jobs from each system'),
  }),
  tokenCost: 1_500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ since, agency, limit }, ctx) => {
    const from = sinceInstant(since);
    const { deps } = ctx;
    const [odoo, supabase] = await Promise.all([
      section(deps.odoo, deps.missing.odoo, async (d) =>
        (await listQueueJobs.handler({ state: 'failed', ...(from ? { since: from } : {}), limit, includeCrons: true, includeTraceback: false }, { ...ctx, deps: d })) as OdooJobs,
      ),
      section(deps.supabase, deps.missing.supabase, async (d) =>
        (await listBackgroundJobs.handler(
          listBackgroundJobs.input.parse({ status: 'failed', ...(from ? { since: from } : {}), ...(agency ? { agency } : {}), limit }),
          { ...ctx, deps: d },
        )) as SupabaseJobs,
      ),
    ]);
    const jobs: { origin: string; id: number; name: string | null; agency: string | null; at: string | null; error: string | null }[] = [];
    if (odoo.status === 'ok') {
      const j = odoo.result.jobs;
      if (j.available) {
        for (const r of j.records) {
          jobs.push({ origin: 'odoo.queue.job', id: r.id, name: r.name ?? r.method ?? null, agency: r.company?.name ?? null, at: odooTimeToIso(r.dateCreated), error: r.excMessage ?? r.excName ?? null });
        }
      }
      for (const c of odoo.result.crons?.records ?? []) {
        jobs.push({
          origin: 'odoo.ir.cron',
          id: c.id,
          name: c.name,
          agency: null,
          at: odooTimeToIso(c.firstFailureDate ?? c.lastCall),
          error: c.failureCount !== undefined ? `${c.failureCount} consecutive failures` : 'late: its next call is more than an hour overdue',
        });
      }
    }
    if (supabase.status === 'ok') {
      for (const r of supabase.result.jobs) {
        jobs.push({ origin: 'supabase.background_jobs', id: r.id, name: r.jobType, agency: r.agency, at: r.finishedAt ?? r.startedAt ?? r.createdAt, error: r.lastError });
      }
    }
    jobs.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
    return { total: jobs.length, jobs, sources: { odoo, supabase } };
  },
});
