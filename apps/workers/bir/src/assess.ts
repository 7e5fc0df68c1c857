import {
  estimatePenalty,
  normaliseFormCode,
  obligationStatus,
  obligationsFor,
  type Obligation,
  type ObligationQuery,
  type PenaltyEstimate,
  type StatusResult,
} from '@mcpgw/bir-calendar';
import type { BirDeps } from './deps.js';
import { taxEntity, type AgencyRow, type TrackingRow } from './ops-store.js';

/** One obligation of one agency with where it stands. */
export interface AssessedObligation {
  agency: string;
  agencyName: string;
  formCode: string;
  description: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  dueDate: string;
  rawDueDate: string;
  rolledForwardFrom?: string;
  efpsGroup?: string;
  decemberOverride?: true;
  extension?: { name: string; from: string };
  status: StatusResult['status'];
  daysUntilDue?: number;
  daysOverdue?: number;
  filing?: { id: number; filedAt: string; filedOn: string; reference: string | null; amount: number | null; daysLate: number };
  penalty?: PenaltyEstimate;
  attachments: readonly string[];
  legalBasis: string;
  trackingKind: 'filing' | 'certificate';
}

/**
 * Expands the calendar for each agency over the window, joins the recorded filings (by form and
 * exact period), and gives each obligation its status on `asOf`, with a penalty estimate when it
 * is overdue or was filed late.
 */
export async function assessObligations(
  deps: BirDeps,
  signal: AbortSignal,
  agencies: AgencyRow[],
  window: Pick<ObligationQuery, 'from' | 'to' | 'by' | 'forms'>,
  asOf: string,
  dueSoonDays: number,
): Promise<AssessedObligation[]> {
  const perAgency = agencies.map((agency) => ({
    agency,
    obligations: obligationsFor(taxEntity(agency), { ...window, calendar: deps.calendar }),
  }));
  const all = perAgency.flatMap((p) => p.obligations);
  if (all.length === 0) return [];
  const periodEnds = all.map((o) => o.periodEnd).sort();
  const filings = await deps.store.filings(
    signal,
    agencies.map((a) => a.code),
    periodEnds[0]!,
    periodEnds[periodEnds.length - 1]!,
  );
  const byKey = new Map<string, TrackingRow>();
  for (const row of filings) {
    if (row.filedAt === null || row.periodStart === null || row.periodEnd === null) continue;
    const key = filingKey(row.agencyCode, row.formCode, row.periodStart, row.periodEnd);
    if (!byKey.has(key)) byKey.set(key, row);
  }
  const result: AssessedObligation[] = [];
  for (const { agency, obligations } of perAgency) {
    for (const o of obligations) {
      const filing = byKey.get(filingKey(agency.code, o.formCode, o.periodStart, o.periodEnd));
      result.push(assessOne(agency, o, filing, asOf, dueSoonDays));
    }
  }
  return result.sort((a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.agency, b.agency) || cmp(a.formCode, b.formCode));
}

/** Status, day counts and penalty estimate of one obligation. */
export function assessOne(agency: AgencyRow, o: Obligation, filing: TrackingRow | undefined, asOf: string, dueSoonDays: number): AssessedObligation {
  const status = obligationStatus(o, filing?.filedAt ? { filedAt: filing.filedAt } : undefined, asOf, dueSoonDays);
  const late = status.status === 'overdue' || status.status === 'filed_late';
  return {
    agency: agency.code,
    agencyName: agency.name,
    formCode: o.formCode,
    description: o.description,
    period: o.periodLabel,
    periodStart: o.periodStart,
    periodEnd: o.periodEnd,
    dueDate: o.dueDate,
    rawDueDate: o.rawDueDate,
    ...(o.rolledForwardFrom ? { rolledForwardFrom: o.rolledForwardFrom } : {}),
    ...(o.efpsApplied ? { efpsGroup: o.efpsApplied } : {}),
    ...(o.decemberOverride ? { decemberOverride: true as const } : {}),
    ...(o.extension ? { extension: o.extension } : {}),
    status: status.status,
    ...(status.daysUntilDue !== undefined ? { daysUntilDue: status.daysUntilDue } : {}),
    ...(status.daysOverdue !== undefined ? { daysOverdue: status.daysOverdue } : {}),
    ...(filing?.filedAt
      ? {
          filing: {
            id: filing.id,
            filedAt: filing.filedAt.toISOString(),
            filedOn: status.filedOn!,
            reference: filing.reference,
            amount: filing.amount,
            daysLate: status.daysLate ?? 0,
          },
        }
      : {}),
    ...(late
      ? {
          penalty: estimatePenalty({
            dueDate: o.dueDate,
            asOf: status.filedOn ?? asOf,
            taxDue: filing?.amount ?? null,
            taxpayerClass: agency.taxpayerClass,
            penaltyBasis: o.penaltyBasis,
          }),
        }
      : {}),
    attachments: o.attachments,
    legalBasis: o.legalBasis,
    trackingKind: o.trackingKind,
  };
}

function filingKey(agency: string, formCode: string, periodStart: string, periodEnd: string): string {
  return `${agency}|${normaliseFormCode(formCode)}|${periodStart}|${periodEnd}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
