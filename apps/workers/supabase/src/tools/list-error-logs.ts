import { z } from 'zod';
import { sinceInstant } from '../dates.js';
import { agencyArg, requireRest, sinceArg, supabaseTool } from '../deps.js';
import type { Filter } from '../postgrest-client.js';

/** error_logs levels, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;

/** Longest trace returned; the rest is cut (traceTruncated). */
const MAX_TRACE_CHARS = 4_000;

interface ErrorRow {
  id: number | string;
  occurred_at: string;
  level: (typeof LOG_LEVELS)[number];
  source: string;
  agency_code: string | null;
  message: string;
  context: unknown;
  trace: string | null;
}

export const listErrorLogs = supabaseTool({
  name: 'list_error_logs',
  title: 'Error logs',
  description:
    'Entries of Supabase error_logs at or above a level (default error: error and critical), newest first, filtered by source, agency, time and message text; each with its context and (cut) trace, plus the total that matched.',
  input: z.object({
    level: z.enum(LOG_LEVELS).default('error').describe('Minimum level: debug < info < warning < error < critical'),
    source: z.string().trim().min(1).max(200).optional().describe('Only entries from this source (exact)'),
    since: sinceArg.optional().describe('Only entries at or after this date (YYYY-MM-DD, Manila time) or ISO date-time; default the last 24 hours'),
    agency: agencyArg.optional(),
    search: z.string().trim().min(1).max(200).optional().describe('Only entries whose message contains this text (case-insensitive)'),
    limit: z.number().int().min(1).max(1_000).default(50).describe('At most this many entries (never more than SUPABASE_MAX_ROWS)'),
  }),
  tokenCost: 1_200,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (args, { deps, signal }) => {
    const rest = requireRest(deps);
    const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(args.level));
    const since = args.since === undefined ? new Date(Date.now() - 86_400_000).toISOString() : sinceInstant(args.since);
    const filters: Filter[] = [
      { column: 'level', op: 'in', value: levels },
      { column: 'occurred_at', op: 'gte', value: since },
    ];
    if (args.source !== undefined) filters.push({ column: 'source', op: 'eq', value: args.source });
    if (args.agency !== undefined) filters.push({ column: 'agency_code', op: 'eq', value: args.agency });
    // PostgREST's ilike wildcard is *; the text's own * and % are matched loosely, which is harmless.
    if (args.search !== undefined) filters.push({ column: 'message', op: 'ilike', value: `*${args.search}*` });
    const result = await rest.selectAll<ErrorRow>('error_logs', {
      columns: ['id', 'occurred_at', 'level', 'source', 'agency_code', 'message', 'context', 'trace'],
      filters,
      order: [{ column: 'occurred_at', ascending: false }, { column: 'id', ascending: false }],
      limit: args.limit,
      signal,
    });
    return {
      minLevel: args.level,
      levels,
      since,
      ...(args.source !== undefined ? { source: args.source } : {}),
      ...(args.agency !== undefined ? { agency: args.agency } : {}),
      total: result.total,
      truncated: result.truncated,
      errors: result.rows.map((r) => {
        const trace = r.trace ?? null;
        const cut = trace !== null && trace.length > MAX_TRACE_CHARS;
        return {
          source: r.source,
          origin: 'supabase.error_logs',
          id: Number(r.id),
          occurredAt: r.occurred_at,
          level: r.level,
          agency: r.agency_code,
          message: r.message,
          context: r.context ?? null,
          trace: cut ? trace.slice(0, MAX_TRACE_CHARS) : trace,
          ...(cut ? { traceTruncated: true } : {}),
        };
      }),
    };
  },
});
