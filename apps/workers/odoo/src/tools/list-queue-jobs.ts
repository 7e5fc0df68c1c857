import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { many2one, odooTool, orNull, sinceArg, toOdooDatetime, truncate } from '../deps.js';
import type { OdooClient, OdooDomain } from '../odoo-client.js';

/** queue.job states (OCA queue_job; `wait_dependencies` since 14.0). */
export const QUEUE_JOB_STATES = ['failed', 'pending', 'enqueued', 'started', 'done', 'cancelled', 'wait_dependencies'] as const;

const JOB_FIELDS = [
  'uuid',
  'name',
  'state',
  'model_name',
  'method_name',
  'channel',
  'priority',
  'retry',
  'max_retries',
  'date_created',
  'date_started',
  'date_done',
  'exc_name',
  'exc_message',
  'exc_info',
  'company_id',
];
const CRON_FIELDS = ['cron_name', 'name', 'active', 'interval_number', 'interval_type', 'nextcall', 'lastcall', 'failure_count', 'first_failure_date'];
/** Without failure tracking (Odoo < 18) a cron counts as late when its next call is this far in the past. */
const LATE_CRON_MS = 60 * 60 * 1_000;

export const listQueueJobs = odooTool({
  name: 'list_queue_jobs',
  title: 'Failed Odoo queue jobs and crons',
  description:
    'Background work that went wrong in Odoo: queue.job records (OCA queue_job) in a state (default failed) with their exception, and scheduled actions (ir.cron) that are failing — failure_count > 0 on Odoo 18+, or (older servers, which do not track failures) active crons whose next call is more than an hour late. Newest jobs first. When queue_job is not installed, jobs.available is false.',
  input: z.object({
    state: z.enum(QUEUE_JOB_STATES).default('failed').describe('Job state to list'),
    since: sinceArg.optional(),
    limit: z.number().int().min(1).default(50).describe('At most this many jobs and this many crons (never more than ODOO_MAX_ROWS)'),
    includeCrons: z.boolean().default(true).describe('Also list failing or late ir.cron scheduled actions'),
    includeTraceback: z.boolean().default(false).describe('Include each job\'s exc_info traceback (capped at 4000 characters)'),
  }),
  tokenCost: 900,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ state, since, limit, includeCrons, includeTraceback }, { deps, signal }) => {
    const max = Math.min(limit, deps.config.maxRows);
    const [jobs, crons] = await Promise.all([
      queueJobs(deps.client, { state, since, max, includeTraceback, signal }),
      includeCrons ? failingCrons(deps.client, { since, max, signal }) : Promise.resolve(null),
    ]);
    return { state, since: since ?? null, jobs, crons };
  },
});

async function queueJobs(
  client: OdooClient,
  options: { state: string; since: string | undefined; max: number; includeTraceback: boolean; signal: AbortSignal },
) {
  let fields: Record<string, unknown>;
  try {
    fields = await client.fields('queue.job', { signal: options.signal });
  } catch (error) {
    if (error instanceof ToolError && error.kind === 'not_found') {
      return { available: false as const, reason: 'queue.job does not exist on this server (the OCA queue_job module is not installed)', total: 0, records: [] };
    }
    throw error;
  }
  const domain: OdooDomain = [['state', '=', options.state]];
  if (options.since) domain.push(['date_created', '>=', toOdooDatetime(options.since)]);
  const wanted = JOB_FIELDS.filter((f) => f in fields && (options.includeTraceback || f !== 'exc_info'));
  const page = await client.searchPage('queue.job', domain, { fields: wanted, order: 'date_created desc', limit: options.max, signal: options.signal });
  return {
    available: true as const,
    total: page.total,
    records: page.records.map((r) => ({
      id: r.id,
      uuid: orNull(r['uuid'] as string | false),
      name: orNull(r['name'] as string | false),
      state: r['state'],
      model: orNull(r['model_name'] as string | false),
      method: orNull(r['method_name'] as string | false),
      channel: orNull(r['channel'] as string | false),
      priority: orNull(r['priority'] as number | false),
      retry: orNull(r['retry'] as number | false),
      maxRetries: orNull(r['max_retries'] as number | false),
      dateCreated: orNull(r['date_created'] as string | false),
      dateStarted: orNull(r['date_started'] as string | false),
      dateDone: orNull(r['date_done'] as string | false),
      excName: orNull(r['exc_name'] as string | false),
      excMessage: truncate(r['exc_message'], 1_000),
      ...(options.includeTraceback ? { excInfo: truncate(r['exc_info'], 4_000) } : {}),
      company: many2one(r['company_id']),
    })),
  };
}

async function failingCrons(client: OdooClient, options: { since: string | undefined; max: number; signal: AbortSignal }) {
  const fields = await client.fields('ir.cron', { signal: options.signal });
  const tracksFailures = 'failure_count' in fields;
  const wanted = CRON_FIELDS.filter((f) => f in fields);
  // Crons auto-deactivated after repeated failures (18.0+) are archived: include inactive ones.
  const context = { active_test: false };
  let domain: OdooDomain;
  if (tracksFailures) {
    domain = [['failure_count', '>', 0]];
    if (options.since && 'first_failure_date' in fields) domain.push(['first_failure_date', '>=', toOdooDatetime(options.since)]);
  } else {
    domain = [['active', '=', true], ['nextcall', '<', toOdooDatetime(new Date(Date.now() - LATE_CRON_MS).toISOString())]];
  }
  const page = await client.searchPage('ir.cron', domain, {
    fields: wanted,
    order: tracksFailures ? 'failure_count desc' : 'nextcall asc',
    limit: options.max,
    context,
    signal: options.signal,
  });
  return {
    failureTracking: tracksFailures,
    criterion: tracksFailures ? 'failure_count > 0' : 'active and nextcall more than 1 hour in the past (this Odoo version does not track cron failures)',
    total: page.total,
    records: page.records.map((r) => ({
      id: r.id,
      name: orNull((r['cron_name'] ?? r['name']) as string | false),
      active: r['active'] === true,
      interval: typeof r['interval_number'] === 'number' ? `${r['interval_number']} ${String(r['interval_type'])}` : null,
      nextCall: orNull(r['nextcall'] as string | false),
      lastCall: orNull(r['lastcall'] as string | false),
      ...(tracksFailures
        ? { failureCount: typeof r['failure_count'] === 'number' ? r['failure_count'] : 0, firstFailureDate: orNull(r['first_failure_date'] as string | false) }
        : {}),
    })),
  };
}
