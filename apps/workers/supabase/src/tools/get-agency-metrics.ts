import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { addDays, civilDate, manilaToday } from '../dates.js';
import { agencyArg, dateArg, requireRest, supabaseTool } from '../deps.js';
import type { Filter } from '../postgrest-client.js';

interface MetricRow {
  agency_code: string;
  metric_date: string;
  metric: string;
  value: number | string;
  unit: string | null;
}

const round = (n: number): number => Math.round(n * 10_000) / 10_000;

/** Latest, min, max, average and change of one metric's points (sorted by date). */
function summarise(points: { date: string; value: number }[]) {
  const values = points.map((p) => p.value);
  const first = points[0]!;
  const latest = points[points.length - 1]!;
  return {
    latest,
    min: Math.min(...values),
    max: Math.max(...values),
    avg: round(values.reduce((a, b) => a + b, 0) / values.length),
    /** latest − first value of the period. */
    change: round(latest.value - first.value),
    points: points.length,
  };
}

export const getAgencyMetrics = supabaseTool({
  name: 'get_agency_metrics',
  title: 'Agency KPIs',
  description:
    'KPIs per agency from Supabase agency_metrics over a date range (default the last 30 days): for each metric its unit, latest value and date, min, max, average, change over the period and number of data points; optionally the daily series.',
  input: z.object({
    agency: agencyArg.optional(),
    metric: z.string().trim().min(1).max(100).optional().describe('One metric name (e.g. invoices_processed); all metrics when omitted'),
    from: dateArg.optional().describe('First day, YYYY-MM-DD; default 29 days before `to`'),
    to: dateArg.optional().describe('Last day, YYYY-MM-DD; default today (Manila time)'),
    series: z.boolean().default(false).describe('Include every data point (date, value) of each metric'),
  }),
  tokenCost: 1_000,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (args, { deps, signal }) => {
    const rest = requireRest(deps);
    const to = args.to ?? manilaToday();
    const from = args.from ?? addDays(to, -29);
    if (from > to) throw new ToolError('invalid_arguments', `from (${from}) is after to (${to})`);
    const filters: Filter[] = [
      { column: 'metric_date', op: 'gte', value: from },
      { column: 'metric_date', op: 'lte', value: to },
    ];
    if (args.agency !== undefined) filters.push({ column: 'agency_code', op: 'eq', value: args.agency });
    if (args.metric !== undefined) filters.push({ column: 'metric', op: 'eq', value: args.metric });
    const result = await rest.selectAll<MetricRow>('agency_metrics', {
      columns: ['id', 'agency_code', 'metric_date', 'metric', 'value', 'unit'],
      filters,
      order: [{ column: 'agency_code' }, { column: 'metric' }, { column: 'metric_date' }, { column: 'id' }],
      signal,
    });
    const agencies = new Map<string, Map<string, { unit: string | null; points: { date: string; value: number }[] }>>();
    for (const row of result.rows) {
      const metrics = agencies.get(row.agency_code) ?? new Map();
      agencies.set(row.agency_code, metrics);
      const entry = metrics.get(row.metric) ?? { unit: row.unit, points: [] };
      metrics.set(row.metric, entry);
      entry.points.push({ date: civilDate(row.metric_date), value: Number(row.value) });
    }
    return {
      from,
      to,
      ...(args.agency !== undefined ? { agency: args.agency } : {}),
      ...(args.metric !== undefined ? { metric: args.metric } : {}),
      agencies: [...agencies.entries()].map(([agency, metrics]) => ({
        agency,
        metrics: [...metrics.entries()].map(([metric, { unit, points }]) => ({
          metric,
          unit,
          ...summarise(points),
          ...(args.series ? { series: points } : {}),
        })),
      })),
      truncated: result.truncated,
      ...(agencies.size === 0
        ? { note: `no metrics${args.metric ? ` named ${args.metric}` : ''} for ${args.agency ?? 'any agency'} between ${from} and ${to}` }
        : result.truncated
          ? { note: `only the first ${result.rows.length} of ${result.total ?? 'more'} data points were read (SUPABASE_MAX_ROWS); narrow the range, agency or metric` }
          : {}),
    };
  },
});
