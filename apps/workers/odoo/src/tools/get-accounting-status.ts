import { ToolError } from '@mcpgw/worker-kit';
import { z } from 'zod';
import { odooTool } from '../deps.js';
import { groupTotals, type GroupMethod } from '../group-totals.js';
import type { OdooClient, OdooRecord } from '../odoo-client.js';

interface StateTotals {
  count: number;
  amountTotal: number;
}

interface Company {
  id: number;
  name: string;
  /** The company registry code (`company_registry`), e.g. the agency code; null when empty. */
  code: string | null;
}

interface CompanyStatus extends Company {
  draft: StateTotals;
  posted: StateTotals;
  cancelled: StateTotals;
  overdueReceivables: { count: number; amountResidual: number };
  /** No draft entries left in the period: Odoo's side of the close is done. */
  readyToClose: boolean;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const getAccountingStatus = odooTool({
  name: 'get_accounting_status',
  title: 'Odoo month-end accounting status',
  description:
    "Odoo's side of month-end, per company: journal entries (account.move) dated in the period, counted and summed (amount_total) by state (draft, posted, cancelled), and overdue customer invoices (posted, not_paid or partial, due before asOf) with their residual amount. readyToClose is true when no draft entry is left in the period.",
  input: z.object({
    period: z.string().regex(PERIOD, 'expected YYYY-MM').describe('Accounting month, YYYY-MM (entries are selected by their accounting date)'),
    company: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('One company: its id, its registry code (e.g. the agency code ACME-MNL), or its name (case-insensitive; a unique partial name also matches). Default: every company'),
    asOf: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .optional()
      .describe('Overdue means due before this date (default: today in Asia/Manila, like the other monitoring tools)'),
  }),
  tokenCost: 700,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ period, company, asOf }, { deps, signal }) => {
    const { client } = deps;
    const [, year, month] = PERIOD.exec(period)!;
    const from = `${year}-${month}-01`;
    const to = lastDayOfMonth(Number(year), Number(month));
    // Manila is UTC+8 all year (no daylight saving).
    const today = asOf ?? new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const companies = await selectCompanies(client, company, signal);
    const ids = companies.map((c) => c.id);

    const moves = await groupTotals(
      client,
      'account.move',
      [['date', '>=', from], ['date', '<=', to], ['company_id', 'in', ids]],
      'amount_total',
      ['company_id', 'state'],
      signal,
    );
    const overdue = await groupTotals(
      client,
      'account.move',
      [
        ['move_type', '=', 'out_invoice'],
        ['state', '=', 'posted'],
        ['payment_state', 'in', ['not_paid', 'partial']],
        ['invoice_date_due', '<', today],
        ['company_id', 'in', ids],
      ],
      'amount_residual',
      ['company_id'],
      signal,
    );

    const byId = new Map<number, CompanyStatus>(
      companies.map((c) => [
        c.id,
        { id: c.id, name: c.name, code: c.code, draft: zero(), posted: zero(), cancelled: zero(), overdueReceivables: { count: 0, amountResidual: 0 }, readyToClose: true },
      ]),
    );
    for (const group of moves.groups) {
      const entry = typeof group.keys[0] === 'number' ? byId.get(group.keys[0]) : undefined;
      const state = group.keys[1] === 'cancel' ? 'cancelled' : group.keys[1];
      if (!entry || (state !== 'draft' && state !== 'posted' && state !== 'cancelled')) continue;
      entry[state].count += group.count;
      entry[state].amountTotal = round2(entry[state].amountTotal + group.sum);
    }
    for (const group of overdue.groups) {
      const entry = typeof group.keys[0] === 'number' ? byId.get(group.keys[0]) : undefined;
      if (!entry) continue;
      entry.overdueReceivables.count += group.count;
      entry.overdueReceivables.amountResidual = round2(entry.overdueReceivables.amountResidual + group.sum);
    }
    const rows = [...byId.values()].map((c) => ({ ...c, readyToClose: c.draft.count === 0 }));
    const method: GroupMethod = moves.method === 'read_group' && overdue.method === 'read_group' ? 'read_group' : 'search_read';
    return {
      period,
      from,
      to,
      asOf: today,
      companies: rows,
      totals: {
        draft: sum(rows.map((r) => r.draft)),
        posted: sum(rows.map((r) => r.posted)),
        cancelled: sum(rows.map((r) => r.cancelled)),
        overdueReceivables: {
          count: rows.reduce((n, r) => n + r.overdueReceivables.count, 0),
          amountResidual: round2(rows.reduce((n, r) => n + r.overdueReceivables.amountResidual, 0)),
        },
        companiesReadyToClose: rows.filter((r) => r.readyToClose).length,
      },
      method,
      truncated: moves.truncated || overdue.truncated,
    };
  },
});

/** Every company, or the one `company` names (by id, registry code, exact name, or a unique partial name). */
async function selectCompanies(client: OdooClient, company: string | undefined, signal: AbortSignal): Promise<Company[]> {
  const fields = await client.fields('res.company', { signal });
  const wantedFields = ['name', ...('company_registry' in fields ? ['company_registry'] : [])];
  const records: OdooRecord[] = await client.searchRead('res.company', [], { fields: wantedFields, order: 'id asc', limit: 1_000, signal });
  const all: Company[] = records.map((r) => ({
    id: r.id,
    name: typeof r['name'] === 'string' ? r['name'] : `company ${r.id}`,
    code: typeof r['company_registry'] === 'string' && r['company_registry'] !== '' ? r['company_registry'] : null,
  }));
  if (company === undefined) return all;
  const wanted = company.trim().toLowerCase();
  const exact = all.filter((c) => String(c.id) === wanted || c.code?.toLowerCase() === wanted || c.name.toLowerCase() === wanted);
  if (exact.length > 0) return exact;
  const partial = all.filter((c) => c.name.toLowerCase().includes(wanted));
  if (partial.length === 1) return partial;
  if (partial.length > 1) throw new ToolError('not_found', `company "${company}" matches several companies: ${partial.map((c) => c.name).join(', ')}`);
  const names = all.map((c) => (c.code ? `${c.code} (${c.name})` : `${c.id} ${c.name}`)).join(', ');
  throw new ToolError('not_found', `no company "${company}"; companies: ${names}`);
}

function lastDayOfMonth(year: number, month: number): string {
  const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function zero(): StateTotals {
  return { count: 0, amountTotal: 0 };
}

function sum(items: StateTotals[]): StateTotals {
  return { count: items.reduce((n, i) => n + i.count, 0), amountTotal: round2(items.reduce((n, i) => n + i.amountTotal, 0)) };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
