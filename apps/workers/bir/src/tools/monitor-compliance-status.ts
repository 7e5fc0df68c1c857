import { addDays, daysBetween } from '@mcpgw/bir-calendar';
import { z } from 'zod';
import { assessObligations, type AssessedObligation } from '../assess.js';
import { agencyArg, asOfArg, birTool, selectAgencies, today } from '../deps.js';
import type { TrackingRow } from '../ops-store.js';

/** A document (ATP, registration, certificate) with an expiry date. */
interface DocumentItem {
  category: 'atp' | 'registration' | 'certificate';
  formCode: string;
  reference: string | null;
  expiresOn: string;
  /** Negative once expired. */
  daysUntilExpiry: number;
  notes: string | null;
}

/** An obligation reduced to what a compliance view needs. */
interface ObligationItem {
  category: 'filing' | 'certificate';
  formCode: string;
  period: string;
  dueDate: string;
  status: AssessedObligation['status'];
  daysUntilDue?: number;
  daysOverdue?: number;
  daysLate?: number;
  penalty?: AssessedObligation['penalty'];
}

export const monitorComplianceStatus = birTool({
  name: 'monitor_compliance_status',
  title: 'Monitor compliance status',
  description:
    'Per agency: ATPs (authority to print), registrations and certificates that are expired or expire within within_days; BIR returns and 2307/2316 certificates that are missing (past due with no filing recorded, with a penalty estimate), due within within_days, or were filed late. Each agency gets a status: critical (expired or missing), attention (expiring or due soon) or ok.',
  input: z.object({
    agency: agencyArg.optional(),
    within_days: z.number().int().min(0).max(366).default(30).describe('Look ahead this many days for expiries and deadlines'),
    lookback_days: z.number().int().min(1).max(1_830).default(365).describe('Look back this many days for missing (unfiled, past-due) obligations'),
    as_of: asOfArg,
  }),
  tokenCost: 1_500,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ agency, within_days: withinDays, lookback_days: lookbackDays, as_of }, { deps, signal }) => {
    const asOf = today(deps, as_of);
    const agencies = await selectAgencies(deps, signal, agency);
    const codes = agencies.map((a) => a.code);
    const [obligations, documents] = await Promise.all([
      assessObligations(deps, signal, agencies, { from: addDays(asOf, -lookbackDays), to: addDays(asOf, withinDays) }, asOf, withinDays),
      codes.length === 0 ? Promise.resolve([] as TrackingRow[]) : deps.store.documents(signal, codes),
    ]);
    const horizon = addDays(asOf, withinDays);
    const summary = { expired: 0, expiring: 0, missing: 0, dueSoon: 0, filedLate: 0 };
    const result = agencies.map((a) => {
      const docs = documents.filter((d) => d.agencyCode === a.code && d.expiresOn !== null);
      const expired = docs.filter((d) => d.expiresOn! < asOf).map((d) => documentItem(d, asOf));
      const expiring = docs.filter((d) => d.expiresOn! >= asOf && d.expiresOn! <= horizon).map((d) => documentItem(d, asOf));
      const mine = obligations.filter((o) => o.agency === a.code);
      const missing = mine.filter((o) => o.status === 'overdue').map(obligationItem);
      const dueSoon = mine.filter((o) => o.status === 'due_today' || o.status === 'due_soon').map(obligationItem);
      const filedLate = mine.filter((o) => o.status === 'filed_late').map(obligationItem);
      summary.expired += expired.length;
      summary.expiring += expiring.length;
      summary.missing += missing.length;
      summary.dueSoon += dueSoon.length;
      summary.filedLate += filedLate.length;
      const status = expired.length + missing.length > 0 ? 'critical' : expiring.length + dueSoon.length > 0 ? 'attention' : 'ok';
      return { agency: a.code, name: a.name, status, expired, expiring, missing, dueSoon, filedLate };
    });
    return { asOf, withinDays, lookbackDays, summary, agencies: result };
  },
});

function documentItem(row: TrackingRow, asOf: string): DocumentItem {
  return {
    category: row.kind === 'filing' ? 'certificate' : row.kind,
    formCode: row.formCode,
    reference: row.reference,
    expiresOn: row.expiresOn!,
    daysUntilExpiry: daysBetween(asOf, row.expiresOn!),
    notes: row.notes,
  };
}

function obligationItem(o: AssessedObligation): ObligationItem {
  return {
    category: o.trackingKind,
    formCode: o.formCode,
    period: o.period,
    dueDate: o.dueDate,
    status: o.status,
    ...(o.daysUntilDue !== undefined && o.status !== 'overdue' ? { daysUntilDue: o.daysUntilDue } : {}),
    ...(o.daysOverdue !== undefined ? { daysOverdue: o.daysOverdue } : {}),
    ...(o.filing ? { daysLate: o.filing.daysLate } : {}),
    ...(o.penalty ? { penalty: o.penalty } : {}),
  };
}
