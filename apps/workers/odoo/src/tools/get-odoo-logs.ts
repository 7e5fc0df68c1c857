import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { odooTool, orNull, sinceArg, toOdooDatetime, truncate } from '../deps.js';
import type { OdooDomain } from '../odoo-client.js';

/** Python logging levels as ir.logging stores them, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;

export const getOdooLogs = odooTool({
  name: 'get_odoo_logs',
  title: 'Odoo server log records',
  description:
    "Recent ir.logging records at or above a level (default warning), newest first: level, logger, message, code location. ir.logging is only filled when Odoo runs with --log-db; an empty answer says so.",
  input: z.object({
    level: z
      .enum(LOG_LEVELS)
      .default('warning')
      .describe('Minimum level: debug, info, warning, error or critical (records at this level and above)'),
    since: sinceArg.optional(),
    logger: z.string().min(1).max(200).optional().describe('Only loggers whose name contains this text, e.g. odoo.addons.account'),
    type: z.enum(['server', 'client']).optional().describe('Only server or client records'),
    limit: z.number().int().min(1).default(50).describe('At most this many records (never more than ODOO_MAX_ROWS)'),
  }),
  tokenCost: 900,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ level, since, logger, type, limit }, { deps, signal }) => {
    const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(level)).map((l) => l.toUpperCase());
    const domain: OdooDomain = [['level', 'in', levels]];
    if (since) domain.push(['create_date', '>=', toOdooDatetime(since)]);
    if (logger) domain.push(['name', 'ilike', logger]);
    if (type) domain.push(['type', '=', type]);
    let page;
    try {
      page = await deps.client.searchPage('ir.logging', domain, {
        fields: ['create_date', 'name', 'type', 'dbname', 'level', 'message', 'path', 'func', 'line'],
        order: 'create_date desc',
        limit: Math.min(limit, deps.config.maxRows),
        signal,
      });
    } catch (error) {
      if (error instanceof ToolError && error.kind === 'rejected') {
        throw new ToolError('rejected', `${error.message} (reading ir.logging needs the Settings / technical access rights)`, error.details, { cause: error });
      }
      throw error;
    }
    return {
      minLevel: level,
      levels,
      since: since ?? null,
      total: page.total,
      records: page.records.map((r) => ({
        id: r.id,
        createDate: orNull(r['create_date'] as string | false),
        level: typeof r['level'] === 'string' ? r['level'].toLowerCase() : null,
        logger: orNull(r['name'] as string | false),
        type: orNull(r['type'] as string | false),
        dbname: orNull(r['dbname'] as string | false),
        message: truncate(r['message'], 2_000),
        path: orNull(r['path'] as string | false),
        func: orNull(r['func'] as string | false),
        line: orNull(r['line'] as string | false),
      })),
      ...(page.total === 0 ? { note: 'no matching records; ir.logging is only populated when Odoo runs with --log-db' } : {}),
    };
  },
});
