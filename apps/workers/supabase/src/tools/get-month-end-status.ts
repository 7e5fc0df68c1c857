import { z } from 'zod';
import { civilDate, daysBetween, manilaToday, monthOf } from '../dates.js';
import { agencyArg, dateArg, requireRest, supabaseTool } from '../deps.js';
import type { Filter } from '../postgrest-client.js';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

interface TaskRow {
  id: number | string;
  agency_code: string;
  task: string;
  category: string;
  owner: string | null;
  status: 'pending' | 'in_progress' | 'blocked' | 'done';
  due_date: string;
  completed_at: string | null;
  blocked_reason: string | null;
}

/** A task as the tool reports it. */
function taskView(row: TaskRow, asOf: string) {
  const dueDate = civilDate(row.due_date);
  const overdue = row.status !== 'done' && dueDate < asOf;
  return {
    id: Number(row.id),
    task: row.task,
    category: row.category,
    owner: row.owner,
    status: row.status,
    dueDate,
    completedAt: row.completed_at,
    ...(row.status === 'blocked' ? { blockedReason: row.blocked_reason } : {}),
    ...(overdue ? { daysOverdue: daysBetween(dueDate, asOf) } : {}),
  };
}

/** Counts and % complete of a set of tasks. */
function summarise(rows: TaskRow[], asOf: string) {
  const count = (status: TaskRow['status']) => rows.filter((r) => r.status === status).length;
  const done = count('done');
  return {
    total: rows.length,
    done,
    inProgress: count('in_progress'),
    blocked: count('blocked'),
    pending: count('pending'),
    overdue: rows.filter((r) => r.status !== 'done' && civilDate(r.due_date) < asOf).length,
    percentComplete: rows.length === 0 ? 0 : Math.round((done / rows.length) * 1_000) / 10,
  };
}

export const getMonthEndStatus = supabaseTool({
  name: 'get_month_end_status',
  title: 'Month-end closing status',
  description:
    'Month-end closing tasks (Supabase month_end_tasks) per agency for one period: how many are done, in progress, blocked, pending and overdue (due before asOf and not done), % complete, each blocked task with its reason and each overdue task with its days overdue. Agencies are listed worst first (most overdue, then blocked).',
  input: z.object({
    agency: agencyArg.optional(),
    period: z
      .string()
      .regex(PERIOD, 'use YYYY-MM')
      .optional()
      .describe('Month being closed, YYYY-MM; default the current month (Manila time)'),
    asOf: dateArg.optional().describe('Date that decides what is overdue, YYYY-MM-DD; default today (Manila time)'),
    includeTasks: z.boolean().default(false).describe('Also list every task of each agency, not only blocked and overdue ones'),
  }),
  tokenCost: 900,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (args, { deps, signal }) => {
    const rest = requireRest(deps);
    let { agency, period } = args;
    // `/mcp-supabase month-end 2026-01`: a lone period lands in the first slot.
    if (agency !== undefined && period === undefined && PERIOD.test(agency)) {
      period = agency;
      agency = undefined;
    }
    const asOf = args.asOf ?? manilaToday();
    period ??= monthOf(asOf);
    const filters: Filter[] = [{ column: 'period', op: 'eq', value: `${period}-01` }];
    if (agency !== undefined) filters.push({ column: 'agency_code', op: 'eq', value: agency });
    const result = await rest.selectAll<TaskRow>('month_end_tasks', {
      columns: ['id', 'agency_code', 'task', 'category', 'owner', 'status', 'due_date', 'completed_at', 'blocked_reason'],
      filters,
      order: [{ column: 'agency_code' }, { column: 'due_date' }, { column: 'id' }],
      signal,
    });
    const byAgency = new Map<string, TaskRow[]>();
    for (const row of result.rows) {
      const list = byAgency.get(row.agency_code) ?? [];
      list.push(row);
      byAgency.set(row.agency_code, list);
    }
    const agencies = [...byAgency.entries()]
      .map(([code, rows]) => ({
        agency: code,
        ...summarise(rows, asOf),
        blockedTasks: rows.filter((r) => r.status === 'blocked').map((r) => taskView(r, asOf)),
        overdueTasks: rows.filter((r) => r.status !== 'done' && civilDate(r.due_date) < asOf).map((r) => taskView(r, asOf)),
        ...(args.includeTasks ? { tasks: rows.map((r) => taskView(r, asOf)) } : {}),
      }))
      .sort((a, b) => b.overdue - a.overdue || b.blocked - a.blocked || a.percentComplete - b.percentComplete || a.agency.localeCompare(b.agency));
    return {
      period,
      asOf,
      ...(agency !== undefined ? { agency } : {}),
      totals: { agencies: agencies.length, ...summarise(result.rows, asOf) },
      agencies,
      truncated: result.truncated,
      ...(agencies.length === 0
        ? { note: `no month-end tasks for ${agency ?? 'any agency'} in ${period}` }
        : result.truncated
          ? { note: `only the first ${result.rows.length} of ${result.total ?? 'more'} tasks were read (SUPABASE_MAX_ROWS); filter by agency` }
          : {}),
    };
  },
});
