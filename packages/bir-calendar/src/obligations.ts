import { addDays, addMonths, dateParts, isoDate, lastDayOfMonth, type IsoDate } from './dates.js';
import { HolidayCalendar, type NonWorkingReason } from './holidays.js';
import { periodEndingIn, periodForRule, type DateRange } from './periods.js';
import { BIR_RULES, findRule, type BirRule, type EfpsGroup, type Frequency, type TaxpayerClass } from './rules.js';

/** The facts about a taxpayer that decide which returns it files and when. */
export interface TaxEntity {
  vatRegistered: boolean;
  hasEmployees: boolean;
  /** eFPS group, or null/absent for eBIRForms and manual filers. */
  efpsGroup?: EfpsGroup | null;
  taxpayerClass?: TaxpayerClass;
  /** 12 (default) for a calendar year; otherwise the month the fiscal year ends. */
  fiscalYearEndMonth?: number;
  /** Pays income subject to final withholding (0619-F, 1601-FQ, 1604-F); default false. */
  finalWithholding?: boolean;
}

/** One return (or certificate) due from an entity for one period. */
export interface Obligation {
  formCode: string;
  description: string;
  frequency: Frequency;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** `2026-03`, `2026-Q1`, `2026`, `FY2026-Q2`, `FY2026`. */
  periodLabel: string;
  /** The deadline after eFPS staggering, overrides, extensions and weekend/holiday roll-forward. */
  dueDate: IsoDate;
  /** The deadline by the rule (eFPS staggering and the December override applied), before roll-forward. */
  rawDueDate: IsoDate;
  /** Set when the deadline moved off a weekend or holiday: the date it moved from. */
  rolledForwardFrom?: IsoDate;
  /** The non-working days skipped by the roll-forward. */
  skipped?: NonWorkingReason[];
  /** The eFPS group whose staggered day was used. */
  efpsApplied?: EfpsGroup;
  /** The December return's own deadline (1601-C: 15 January) was used. */
  decemberOverride?: true;
  /** A BIR extension moved the deadline: its name and the deadline it replaced. */
  extension?: { name: string; from: IsoDate };
  attachments: readonly string[];
  legalBasis: string;
  trackingKind: BirRule['trackingKind'];
  penaltyBasis: BirRule['penaltyBasis'];
}

/** Which obligations to list. */
export interface ObligationQuery extends DateRange {
  /** Window over due dates (default) or over period ends. */
  by?: 'due' | 'period';
  /** Only these form codes. */
  forms?: readonly string[];
  /** The rules table; default BIR_RULES. */
  rules?: readonly BirRule[];
  /** Non-working days; default: the computed regular holidays only. */
  calendar?: HolidayCalendar;
}

const DEFAULT_CALENDAR = new HolidayCalendar();

/** Whether a rule applies to an entity, and if not, why. */
export function ruleApplies(rule: BirRule, entity: TaxEntity): { applies: true } | { applies: false; reason: string } {
  switch (rule.appliesIf) {
    case 'always':
      return { applies: true };
    case 'vat_registered':
      return entity.vatRegistered ? { applies: true } : { applies: false, reason: `${rule.formCode} is filed by VAT-registered taxpayers only` };
    case 'non_vat':
      return entity.vatRegistered ? { applies: false, reason: `${rule.formCode} is filed by non-VAT taxpayers only` } : { applies: true };
    case 'has_employees':
      return entity.hasEmployees ? { applies: true } : { applies: false, reason: `${rule.formCode} is filed by employers only, and this entity has no employees` };
    case 'final_withholding':
      return entity.finalWithholding ? { applies: true } : { applies: false, reason: `${rule.formCode} is filed only by payors of income subject to final withholding` };
  }
}

/** Whether a period falls within the rule's effective dates, and if not, why. */
export function ruleInEffect(rule: BirRule, periodStart: IsoDate): { inEffect: true } | { inEffect: false; reason: string } {
  if (rule.effectiveFrom && periodStart < rule.effectiveFrom) {
    return { inEffect: false, reason: `${rule.formCode} covers periods from ${rule.effectiveFrom}${rule.notes ? `. ${rule.notes}` : ''}` };
  }
  if (rule.effectiveTo && periodStart > rule.effectiveTo) {
    return { inEffect: false, reason: `${rule.formCode} covers periods until ${rule.effectiveTo}${rule.notes ? `. ${rule.notes}` : ''}` };
  }
  return { inEffect: true };
}

/** The deadline of one return by its rule, before roll-forward. */
export function ruleDueDate(rule: BirRule, entity: TaxEntity, periodEnd: IsoDate): { date: IsoDate; efpsApplied?: EfpsGroup; decemberOverride?: true } {
  const end = dateParts(periodEnd);
  if (rule.decemberOverride && end.month === 12 && (rule.frequency === 'monthly' || rule.frequency === 'monthly_first2')) {
    return { date: isoDate(end.year + 1, rule.decemberOverride.month, rule.decemberOverride.day), decemberOverride: true };
  }
  const group = entity.efpsGroup ?? undefined;
  if (rule.efpsOffsets && group) return { date: addDays(periodEnd, rule.efpsOffsets[group]), efpsApplied: group };
  const due = rule.dueRule;
  switch (due.kind) {
    case 'days_after_period_end':
      return { date: addDays(periodEnd, due.days) };
    case 'last_day_of_month_after': {
      const m = addMonths(end.year, end.month, due.months);
      return { date: lastDayOfMonth(m.year, m.month) };
    }
    case 'day_of_month_after': {
      const m = addMonths(end.year, end.month, due.months);
      const last = lastDayOfMonth(m.year, m.month);
      const wanted = isoDate(m.year, m.month, due.day);
      return { date: wanted > last ? last : wanted };
    }
    case 'fixed':
      return { date: isoDate(end.year + due.yearOffset, due.month, due.day) };
  }
}

/** Builds the obligation of `rule` for one period: deadline, extension and roll-forward. */
function buildObligation(rule: BirRule, entity: TaxEntity, period: { start: IsoDate; end: IsoDate; label: string }, calendar: HolidayCalendar): Obligation {
  const raw = ruleDueDate(rule, entity, period.end);
  let rolled = calendar.rollForward(raw.date, rule.formCode);
  const extension = calendar.extensionFor(rolled.date, rule.formCode) ?? calendar.extensionFor(raw.date, rule.formCode);
  let extended: Obligation['extension'];
  if (extension?.extendedTo) {
    extended = { name: extension.name, from: rolled.date };
    rolled = calendar.rollForward(extension.extendedTo, rule.formCode);
  }
  const moved = !extended && rolled.date !== raw.date;
  return {
    formCode: rule.formCode,
    description: rule.description,
    frequency: rule.frequency,
    periodStart: period.start,
    periodEnd: period.end,
    periodLabel: period.label,
    dueDate: rolled.date,
    rawDueDate: raw.date,
    ...(moved ? { rolledForwardFrom: raw.date, skipped: rolled.skipped } : {}),
    ...(raw.efpsApplied ? { efpsApplied: raw.efpsApplied } : {}),
    ...(raw.decemberOverride ? { decemberOverride: true as const } : {}),
    ...(extended ? { extension: extended } : {}),
    attachments: rule.attachments,
    legalBasis: rule.legalBasis,
    trackingKind: rule.trackingKind,
    penaltyBasis: rule.penaltyBasis,
  };
}

/**
 * Every obligation of an entity whose due date (or, with `by: 'period'`, whose period end) falls
 * in `[from, to]`, sorted by due date then form. Rules not applying to the entity, or not in
 * effect for a period, produce nothing.
 */
export function obligationsFor(entity: TaxEntity, query: ObligationQuery): Obligation[] {
  const rules = selectRules(query.rules ?? BIR_RULES, query.forms);
  const calendar = query.calendar ?? DEFAULT_CALENDAR;
  const by = query.by ?? 'due';
  const fiscalYearEndMonth = entity.fiscalYearEndMonth ?? 12;
  const from = dateParts(query.from);
  const to = dateParts(query.to);
  // Deadlines run up to ~4.5 months after a period ends, and 0605 fell due before its period ended.
  const first = by === 'period' ? { year: from.year, month: from.month } : addMonths(from.year, from.month, -6);
  const last = by === 'period' ? { year: to.year, month: to.month } : addMonths(to.year, to.month, 12);
  const result: Obligation[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, entity).applies) continue;
    for (let ym = first; ym.year * 12 + ym.month <= last.year * 12 + last.month; ym = addMonths(ym.year, ym.month, 1)) {
      const period = periodEndingIn(rule, fiscalYearEndMonth, ym.year, ym.month);
      if (!period || !ruleInEffect(rule, period.start).inEffect) continue;
      if (by === 'period' && (period.end < query.from || period.end > query.to)) continue;
      const obligation = buildObligation(rule, entity, period, calendar);
      if (by === 'due' && (obligation.dueDate < query.from || obligation.dueDate > query.to)) continue;
      result.push(obligation);
    }
  }
  return result.sort(
    (a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.formCode, b.formCode) || cmp(a.periodStart, b.periodStart),
  );
}

/**
 * The obligation of one form for one period as a user names it (`1601-C`, `2026-03`), or why
 * there is none: unknown form, not filed by this entity, not in effect, or not a period of that
 * form (0619-E for the third month of a quarter, 1702Q for the year-end quarter).
 */
export function resolveObligation(
  entity: TaxEntity,
  formCode: string,
  periodText: string,
  options: { rules?: readonly BirRule[]; calendar?: HolidayCalendar } = {},
): { ok: true; rule: BirRule; obligation: Obligation } | { ok: false; reason: 'unknown_form' | 'not_applicable' | 'bad_period'; message: string } {
  const rules = options.rules ?? BIR_RULES;
  const rule = findRule(formCode, rules);
  if (!rule) {
    return { ok: false, reason: 'unknown_form', message: `unknown form ${JSON.stringify(formCode)}; forms: ${rules.map((r) => r.formCode).join(', ')}` };
  }
  const applies = ruleApplies(rule, entity);
  if (!applies.applies) return { ok: false, reason: 'not_applicable', message: applies.reason };
  const fiscalYearEndMonth = entity.fiscalYearEndMonth ?? 12;
  const period = periodForRule(rule, fiscalYearEndMonth, periodText);
  if ('problem' in period) return { ok: false, reason: 'bad_period', message: period.problem };
  const end = dateParts(period.end);
  const expected = period.end === lastDayOfMonth(end.year, end.month) ? periodEndingIn(rule, fiscalYearEndMonth, end.year, end.month) : undefined;
  if (!expected || expected.start !== period.start) {
    return { ok: false, reason: 'bad_period', message: periodMismatch(rule, fiscalYearEndMonth, period) };
  }
  const effect = ruleInEffect(rule, expected.start);
  if (!effect.inEffect) return { ok: false, reason: 'not_applicable', message: effect.reason };
  return { ok: true, rule, obligation: buildObligation(rule, entity, expected, options.calendar ?? DEFAULT_CALENDAR) };
}

function periodMismatch(rule: BirRule, fiscalYearEndMonth: number, period: { start: IsoDate; end: IsoDate }): string {
  const span = `${period.start}..${period.end}`;
  if (rule.frequency === 'monthly_first2') {
    return `${rule.formCode} covers only the first two months of each quarter; the third month (${span}) is reported on the quarterly return`;
  }
  if (rule.frequency === 'quarterly_q1_q3') {
    return `${rule.formCode} covers the first three quarters only; the last quarter of the ${rule.periodBasis === 'fiscal' && fiscalYearEndMonth !== 12 ? 'fiscal ' : ''}year (${span}) is reported on the annual return`;
  }
  return `${span} is not a ${rule.frequency.replace(/_/g, ' ')} period of ${rule.formCode}${rule.periodBasis === 'fiscal' && fiscalYearEndMonth !== 12 ? ` (fiscal year ending in month ${fiscalYearEndMonth})` : ''}`;
}

function selectRules(rules: readonly BirRule[], forms: readonly string[] | undefined): readonly BirRule[] {
  if (!forms || forms.length === 0) return rules;
  const wanted = new Set(forms.map((f) => findRule(f, rules)?.formCode).filter((f): f is string => f !== undefined));
  return rules.filter((r) => wanted.has(r.formCode));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
