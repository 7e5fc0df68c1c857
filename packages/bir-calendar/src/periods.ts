import { addMonths, isIsoDate, isoDate, lastDayOfMonth, type IsoDate } from './dates.js';
import type { BirRule } from './rules.js';

/** A stretch of calendar days, both ends included. */
export interface DateRange {
  from: IsoDate;
  to: IsoDate;
}

/** A reporting period of a return. */
export interface ReturnPeriod {
  start: IsoDate;
  end: IsoDate;
  /** `2026-03`, `2026-Q1`, `2026`; fiscal periods `FY2026-Q1`, `FY2026` (FY named by the year it ends). */
  label: string;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER = /^(\d{4})-Q([1-4])$/i;
const YEAR = /^(\d{4})$/;
const FISCAL_QUARTER = /^FY(\d{4})-Q([1-4])$/i;
const FISCAL_YEAR = /^FY(\d{4})$/i;
const RANGE = /^(\d{4}-\d{2}-\d{2})(?:\.\.|\/)(\d{4}-\d{2}-\d{2})$/;

/**
 * Reads a calendar period written `YYYY-MM`, `YYYY-Qn` or `YYYY` (or `YYYY-MM-DD..YYYY-MM-DD`)
 * as a date range; undefined when the text is none of these.
 */
export function parseCalendarPeriod(text: string): DateRange | undefined {
  const value = text.trim();
  let m = MONTH.exec(value);
  if (m) return { from: isoDate(Number(m[1]), Number(m[2]), 1), to: lastDayOfMonth(Number(m[1]), Number(m[2])) };
  m = QUARTER.exec(value);
  if (m) {
    const year = Number(m[1]);
    const q = Number(m[2]);
    return { from: isoDate(year, q * 3 - 2, 1), to: lastDayOfMonth(year, q * 3) };
  }
  m = YEAR.exec(value);
  if (m) return { from: isoDate(Number(m[1]), 1, 1), to: isoDate(Number(m[1]), 12, 31) };
  m = RANGE.exec(value);
  if (m && isIsoDate(m[1]!) && isIsoDate(m[2]!) && m[1]! <= m[2]!) return { from: m[1]!, to: m[2]! };
  return undefined;
}

/** True for text that names a period (`2026-04`, `2026-Q2`, `2026`, `FY2026`, a date range). */
export function looksLikePeriod(text: string): boolean {
  const value = text.trim();
  return [MONTH, QUARTER, YEAR, FISCAL_QUARTER, FISCAL_YEAR].some((re) => re.test(value)) || parseCalendarPeriod(value) !== undefined;
}

/** The year-end month that quarters and years of `rule` follow for an entity. */
export function yearEndMonth(rule: BirRule, fiscalYearEndMonth: number): number {
  return rule.periodBasis === 'fiscal' ? fiscalYearEndMonth : 12;
}

/**
 * The period of `rule` that ends with month (year, month), or undefined when no return of that
 * form covers a period ending then (e.g. 0619-E in March, 1702Q at year end).
 */
export function periodEndingIn(rule: BirRule, fiscalYearEndMonth: number, year: number, month: number): ReturnPeriod | undefined {
  const fye = yearEndMonth(rule, fiscalYearEndMonth);
  const end = lastDayOfMonth(year, month);
  const monthsBack = (n: number): IsoDate => {
    const s = addMonths(year, month, -(n - 1));
    return isoDate(s.year, s.month, 1);
  };
  const toYearEnd = (fye - month + 12) % 12;
  const fiscalYear = addMonths(year, month, toYearEnd).year;
  const fiscal = fye !== 12;
  switch (rule.frequency) {
    case 'monthly':
      return { start: monthsBack(1), end, label: `${year}-${String(month).padStart(2, '0')}` };
    case 'monthly_first2':
      return (month - 1) % 3 === 2 ? undefined : { start: monthsBack(1), end, label: `${year}-${String(month).padStart(2, '0')}` };
    case 'quarterly':
    case 'quarterly_q1_q3': {
      if (toYearEnd % 3 !== 0) return undefined;
      if (rule.frequency === 'quarterly_q1_q3' && toYearEnd === 0) return undefined;
      const quarter = 4 - toYearEnd / 3;
      return { start: monthsBack(3), end, label: fiscal ? `FY${fiscalYear}-Q${quarter}` : `${year}-Q${quarter}` };
    }
    case 'annual':
      return toYearEnd === 0 ? { start: monthsBack(12), end, label: fiscal ? `FY${year}` : `${year}` } : undefined;
  }
}

/**
 * The period of `rule` a user means by `text`: `YYYY-MM` for monthly forms; `YYYY-Qn` (or
 * `FYYYYY-Qn`) for quarterly ones, fiscal quarters counted in the fiscal year that ends in YYYY;
 * `YYYY` (or `FYYYYY`) for annual ones, the fiscal year ending in YYYY; or an explicit
 * `YYYY-MM-DD..YYYY-MM-DD`. Returns the intended start and end, or a reason it cannot be read.
 * Whether a return is actually due for it is checked by `resolveObligation`.
 */
export function periodForRule(rule: BirRule, fiscalYearEndMonth: number, text: string): { start: IsoDate; end: IsoDate } | { problem: string } {
  const value = text.trim();
  const range = RANGE.exec(value);
  if (range) {
    const parsed = parseCalendarPeriod(value);
    return parsed ? { start: parsed.from, end: parsed.to } : { problem: `period ${JSON.stringify(text)}: the range must run from an earlier to a later YYYY-MM-DD date` };
  }
  const fye = yearEndMonth(rule, fiscalYearEndMonth);
  const quarterEnd = (fiscalYear: number, quarter: number) => addMonths(fiscalYear, fye, -3 * (4 - quarter));
  const expect = {
    monthly: 'a month, YYYY-MM',
    monthly_first2: 'a month, YYYY-MM',
    quarterly: 'a quarter, YYYY-Qn',
    quarterly_q1_q3: 'a quarter, YYYY-Qn',
    annual: 'a year, YYYY',
  }[rule.frequency];
  if (rule.frequency === 'monthly' || rule.frequency === 'monthly_first2') {
    const m = MONTH.exec(value);
    if (m) return { start: isoDate(Number(m[1]), Number(m[2]), 1), end: lastDayOfMonth(Number(m[1]), Number(m[2])) };
  } else if (rule.frequency === 'annual') {
    const m = YEAR.exec(value) ?? FISCAL_YEAR.exec(value);
    if (m) {
      const endMonth = { year: Number(m[1]), month: fye };
      const start = addMonths(endMonth.year, endMonth.month, -11);
      return { start: isoDate(start.year, start.month, 1), end: lastDayOfMonth(endMonth.year, endMonth.month) };
    }
  } else {
    const m = QUARTER.exec(value) ?? FISCAL_QUARTER.exec(value);
    if (m) {
      const endMonth = quarterEnd(Number(m[1]), Number(m[2]));
      const start = addMonths(endMonth.year, endMonth.month, -2);
      return { start: isoDate(start.year, start.month, 1), end: lastDayOfMonth(endMonth.year, endMonth.month) };
    }
  }
  return { problem: `${rule.formCode} is filed ${rule.frequency.replace(/_/g, ' ')}: give the period as ${expect} (got ${JSON.stringify(text)})` };
}
