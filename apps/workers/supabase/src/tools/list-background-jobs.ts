import { z } from 'zod';
import { sinceInstant } from '../dates.js';
import { agencyArg, requireRest, sinceArg, supabaseTool } from '../deps.js';
import type { Filter } from '../postgrest-client.js';

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

interface JobRow {
  id: number | string;
  agency_code: string | null;
  job_type: string;
  status: (typeof STATUSES)[number];
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  payload?: unknown;
  scheduled_at: string;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
}

export const listBackgroundJobs = supabaseTool({
  name: 'list_background_jobs',
  title: 'Background jobs',
  description:
    'Jobs from Supabase background_jobs, newest first: failed ones by default, or any status. Each with its type, agency, attempts (and whether they are exhausted), last error and timestamps; plus the total that matched.',
  input: z.object({
    status: z
      .enum([...STATUSES, 'any'])
      .default('failed')
      .describe('Only jobs in this status (queued, running, succeeded, failed, cancelled), or any'),
    since: sinceArg.optional().describe('Only jobs created at or after this date (YYYY-MM-DD, Manila time) or ISO date-time'),
    agency: agencyArg.optional(),
    jobType: z.string().trim().min(1).max(100).optional().describe('Only jobs of this type (job_type)'),
    limit: z.number().int().min(1).max(1_000).default(50).describe('At most this many jobs (never more than SUPABASE_MAX_ROWS)'),
    includePayload: z.boolean().default(false).describe('Include each job\'s JSON payload'),
  }),
  tokenCost: 800,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (args, { deps, signal }) => {
    const rest = requireRest(deps);
    const filters: Filter[] = [];
    if (args.status !== 'any') filters.push({ column: 'status', op: 'eq', value: args.status });
    const since = args.since === undefined ? undefined : sinceInstant(args.since);
    if (since !== undefined) filters.push({ column: 'created_at', op: 'gte', value: since });
    if (args.agency !== undefined) filters.push({ column: 'agency_code', op: 'eq', value: args.agency });
    if (args.jobType !== undefined) filters.push({ column: 'job_type', op: 'eq', value: args.jobType });
    const columns = ['id', 'agency_code', 'job_type', 'status', 'attempts', 'max_attempts', 'last_error', 'scheduled_at', 'started_at', 'finished_at', 'created_at'];
    if (args.includePayload) columns.push('payload');
    const result = await rest.selectAll<JobRow>('background_jobs', {
      columns,
      filters,
      order: [{ column: 'created_at', ascending: false }, { column: 'id', ascending: false }],
      limit: args.limit,
      signal,
    });
    return {
      status: args.status,
      ...(since !== undefined ? { since } : {}),
      ...(args.agency !== undefined ? { agency: args.agency } : {}),
      total: result.total,
      truncated: result.truncated,
      jobs: result.rows.map((r) => ({
        origin: 'supabase.background_jobs',
        id: Number(r.id),
        agency: r.agency_code,
        jobType: r.job_type,
        status: r.status,
        attempts: r.attempts,
        maxAttempts: r.max_attempts,
        attemptsExhausted: r.attempts >= r.max_attempts,
        lastError: r.last_error,
        scheduledAt: r.scheduled_at,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        createdAt: r.created_at,
        ...(args.includePayload ? { payload: r.payload ?? null } : {}),
      })),
    };
  },
});
