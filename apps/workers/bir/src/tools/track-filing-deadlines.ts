import { OBLIGATION_STATUSES, addMonths, dateParts, daysBetween, findRule, isoDate, lastDayOfMonth, looksLikePeriod, parseCalendarPeriod, BIR_RULES, type ObligationStatus } from '@mcpgw/bir-calendar';
import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { assessObligations } from '../assess.js';
import { agencyArg, asOfArg, birTool, isoDateArg, selectAgencies, today } from '../deps.js';

/** The longest window one call may expand (ten years of deadlines). */
const MAX_WINDOW_DAYS = 3_660;

const statusEnum = z.enum(OBLIGATION_STATUSES as [ObligationStatus, ...ObligationStatus[]]);

export const trackBirFilingDeadlines = birTool({
  name: 'track_bir_filing_deadlines',
  title: 'Track BIR filing deadlines',
  description:
    'Upcoming, due and overdue BIR returns per agency for a period: each obligation with its due date (weekend/holiday roll-forward and eFPS group applied), status (upcoming, due_soon, due_today, overdue, filed, filed_late), days until due or overdue, the recorded filing, and a penalty estimate (surcharge, interest, suggested compromise) for overdue and late ones. Default window: due dates from the start of last month to the end of next month.',
  input: z.object({
    agency: agencyArg.optional(),
    period: z
      .string()
      .max(40)
      .optional()
      .describe('A calendar period: YYYY-MM, YYYY-Qn, YYYY, or YYYY-MM-DD..YYYY-MM-DD; instead of from/to'),
    from: isoDateArg.optional().describe('Window start (YYYY-MM-DD), with to'),
    to: isoDateArg.optional().describe('Window end, inclusive (YYYY-MM-DD), with from'),
    by: z.enum(['due', 'period']).default('due').describe('Window over due dates (default) or over the end dates of the return periods'),
    status: z
      .union([statusEnum, z.array(statusEnum).min(1)])
      .optional()
      .describe('Only obligations with this status (or any of these)'),
    form: z.string().max(200).optional().describe('Only this form code, or a comma-separated list (e.g. 1601-C,0619-E); see list_bir_rules'),
    as_of: asOfArg,
    due_soon_days: z.number().int().min(0).max(366).optional().describe('Days before a deadline that count as due_soon; default BIR_DUE_SOON_DAYS'),
    limit: z.number().int().min(1).max(5_000).default(200).describe('At most this many obligations, earliest due first'),
  }),
  tokenCost: 1_500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async (args, { deps, signal }) => {
    let { agency, period } = args;
    // "/mcp-bir deadlines 2026-04" binds the period to the first optional slot.
    if (period === undefined && agency !== undefined && looksLikePeriod(agency)) {
      period = agency;
      agency = undefined;
    }
    const asOf = today(deps, args.as_of);
    const window = resolveWindow(period, args.from, args.to, asOf);
    const forms = resolveForms(args.form);
    const statuses = args.status === undefined ? undefined : new Set(Array.isArray(args.status) ? args.status : [args.status]);
    const dueSoonDays = args.due_soon_days ?? deps.config.dueSoonDays;
    const agencies = await selectAgencies(deps, signal, agency);
    const assessed = await assessObligations(deps, signal, agencies, { ...window, by: args.by, ...(forms ? { forms } : {}) }, asOf, dueSoonDays);
    const summary = Object.fromEntries(OBLIGATION_STATUSES.map((s) => [s, 0])) as Record<ObligationStatus, number>;
    for (const o of assessed) summary[o.status] += 1;
    const matching = statuses ? assessed.filter((o) => statuses.has(o.status)) : assessed;
    return {
      asOf,
      window: { ...window, by: args.by },
      dueSoonDays,
      agencies: agencies.map((a) => a.code),
      summary,
      total: matching.length,
      truncated: matching.length > args.limit,
      obligations: matching.slice(0, args.limit),
    };
  },
});

function resolveWindow(period: string | undefined, from: string | undefined, to: string | undefined, asOf: string): { from: string; to: string } {
  if (period !== undefined && (from !== undefined || to !== undefined)) {
    throw new ToolError('invalid_arguments', 'give either period or from/to, not both');
  }
  let window: { from: string; to: string };
  if (period !== undefined) {
    const parsed = parseCalendarPeriod(period);
    if (!parsed) throw new ToolError('invalid_arguments', `period ${JSON.stringify(period)} is not YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD`);
    window = parsed;
  } else if (from !== undefined || to !== undefined) {
    if (from === undefined || to === undefined) throw new ToolError('invalid_arguments', 'give both from and to (or a period)');
    window = { from, to };
  } else {
    const { year, month } = dateParts(asOf);
    const previous = addMonths(year, month, -1);
    const next = addMonths(year, month, 1);
    window = { from: isoDate(previous.year, previous.month, 1), to: lastDayOfMonth(next.year, next.month) };
  }
  if (window.from > window.to) throw new ToolError('invalid_arguments', `the window ends (${window.to}) before it starts (${window.from})`);
  if (daysBetween(window.from, window.to) > MAX_WINDOW_DAYS) throw new ToolError('invalid_arguments', 'the window may span at most ten years');
  return window;
}

/** Canonical form codes from a comma-separated filter; unknown ones are not_found. */
export function resolveForms(form: string | undefined): string[] | undefined {
  if (form === undefined || form.trim() === '') return undefined;
  return form
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((code) => {
      const rule = findRule(code);
      if (!rule) throw new ToolError('not_found', `unknown form ${JSON.stringify(code)}; forms: ${BIR_RULES.map((r) => r.formCode).join(', ')}`);
      return rule.formCode;
    });
}
