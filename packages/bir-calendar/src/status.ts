import { daysBetween, manilaDate, type IsoDate } from './dates.js';

/** Where an obligation stands on a given day. */
export type ObligationStatus = 'upcoming' | 'due_soon' | 'due_today' | 'overdue' | 'filed' | 'filed_late';

export const OBLIGATION_STATUSES: readonly ObligationStatus[] = ['upcoming', 'due_soon', 'due_today', 'overdue', 'filed', 'filed_late'];

/** A recorded filing: when (a Manila date, a Date, or an ISO timestamp with offset). */
export interface FilingRecord {
  filedAt: Date | string;
}

/** The status of one obligation with the day counts that explain it. */
export interface StatusResult {
  status: ObligationStatus;
  /** Days from `today` to the due date (negative once overdue); absent once filed. */
  daysUntilDue?: number;
  /** Days past the due date, for overdue obligations. */
  daysOverdue?: number;
  /** The Manila date the return was filed. */
  filedOn?: IsoDate;
  /** Days the filing came after the due date (0 when on time). */
  daysLate?: number;
}

/**
 * Status of an obligation on `today` (a Manila date): filed / filed_late when a filing exists
 * (on time up to 12 midnight Manila time of the due date, RMC 65-2016), otherwise overdue,
 * due_today, due_soon (within `dueSoonDays`), or upcoming.
 */
export function obligationStatus(obligation: { dueDate: IsoDate }, filing: FilingRecord | undefined, today: IsoDate, dueSoonDays = 7): StatusResult {
  if (filing) {
    const filedOn = typeof filing.filedAt === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(filing.filedAt) ? filing.filedAt : manilaDate(filing.filedAt);
    const daysLate = Math.max(0, daysBetween(obligation.dueDate, filedOn));
    return { status: daysLate > 0 ? 'filed_late' : 'filed', filedOn, daysLate };
  }
  const daysUntilDue = daysBetween(today, obligation.dueDate);
  if (daysUntilDue < 0) return { status: 'overdue', daysUntilDue, daysOverdue: -daysUntilDue };
  if (daysUntilDue === 0) return { status: 'due_today', daysUntilDue };
  if (daysUntilDue <= dueSoonDays) return { status: 'due_soon', daysUntilDue };
  return { status: 'upcoming', daysUntilDue };
}
