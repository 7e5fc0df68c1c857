import { z } from 'zod';
import { odooTool } from '../deps.js';
import { assertAllowedModel, assertValidDomain, assertValidFields, assertValidOrder } from '../domain-guard.js';
import { stableOrder } from '../odoo-client.js';

export const searchRead = odooTool({
  name: 'search_read',
  title: 'Search Odoo records',
  description:
    'Generic, guarded search_read over the models in ODOO_ALLOWED_MODELS (by default the finance models: account.move, account.payment, res.partner, res.company, account.journal, queue.job, ir.cron, ir.logging, mail.activity). The domain is checked before it is sent. Returns the records (many2one as [id, "name"], empty values as false, as Odoo sends them), the total matching count and whether more pages exist.',
  input: z.object({
    model: z.string().min(1).max(128).describe('Model name, e.g. account.move; must be in ODOO_ALLOWED_MODELS'),
    domain: z
      .array(z.unknown())
      .max(100)
      .default([])
      .describe(
        'Odoo domain: [field, operator, value] triples (implicitly ANDed) and prefix operators "&", "|", "!", e.g. [["state","=","posted"],["invoice_date_due","<","2026-03-01"]]. Operators: = != > >= < <= =? like "not like" ilike "not ilike" =like =ilike in "not in" child_of parent_of any "not any". Dotted paths traverse relations (partner_id.name).',
      ),
    fields: z.array(z.string().min(1).max(64)).max(100).optional().describe('Fields to return (default: all fields, which can be large)'),
    limit: z.number().int().min(1).optional().describe('At most this many records (default and maximum: ODOO_MAX_ROWS)'),
    offset: z.number().int().min(0).default(0).describe('Skip this many records (paging)'),
    order: z.string().max(200).optional().describe('Sort, e.g. "date desc" or "name asc, id desc"; id is added as a tie-breaker for stable paging (default "id asc")'),
  }),
  tokenCost: 1_200,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ model, domain, fields, limit, offset, order }, { deps, signal }) => {
    assertAllowedModel(model, deps.config.allowedModels);
    assertValidDomain(domain);
    if (fields) assertValidFields(fields);
    if (order !== undefined) assertValidOrder(order);
    const effectiveLimit = Math.min(limit ?? deps.config.maxRows, deps.config.maxRows);
    const sort = stableOrder(order);
    const page = await deps.client.searchPage(model, domain, {
      signal,
      offset,
      limit: effectiveLimit,
      order: sort,
      ...(fields ? { fields } : {}),
    });
    return {
      model,
      records: page.records,
      count: page.records.length,
      total: page.total,
      offset,
      limit: effectiveLimit,
      order: sort,
      hasMore: offset + page.records.length < page.total,
    };
  },
});
