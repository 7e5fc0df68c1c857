import type { IsoDate } from './dates.js';

/** eFPS filing group (RR 26-2002): groups file on staggered days. */
export type EfpsGroup = 'A' | 'B' | 'C' | 'D' | 'E';

/** Taxpayer size class under the Ease of Paying Taxes Act (RA 11976). */
export type TaxpayerClass = 'micro' | 'small' | 'medium' | 'large';

/**
 * How often a form is due:
 * `monthly`; `monthly_first2` (first two months of each calendar quarter, the third being covered
 * by the quarterly return); `quarterly`; `quarterly_q1_q3` (the year-end quarter being covered by
 * the annual return); `annual`.
 */
export type Frequency = 'monthly' | 'monthly_first2' | 'quarterly' | 'quarterly_q1_q3' | 'annual';

/** Who must file: every entity, or only those with a trait. */
export type Applicability = 'always' | 'vat_registered' | 'non_vat' | 'has_employees' | 'final_withholding';

/**
 * When a return for a period is due, before eFPS staggering, overrides and roll-forward:
 * - `days_after_period_end`: period end + N days (10th of the next month for N = 10);
 * - `last_day_of_month_after`: the last day of the Nth month after the period ends;
 * - `day_of_month_after`: day D of the Nth month after the period ends (1702-RT: 4th month, 15th);
 * - `fixed`: a month-day in the year the period ends plus `yearOffset`.
 */
export type DueRule =
  | { kind: 'days_after_period_end'; days: number }
  | { kind: 'last_day_of_month_after'; months: number }
  | { kind: 'day_of_month_after'; months: number; day: number }
  | { kind: 'fixed'; month: number; day: number; yearOffset: number };

/** One row of the filing calendar. Editable data: the BIR moves deadlines by RR/RMC. */
export interface BirRule {
  formCode: string;
  description: string;
  frequency: Frequency;
  /** Quarters and years follow the calendar, or the entity's fiscal year (income tax, VAT). */
  periodBasis: 'calendar' | 'fiscal';
  appliesIf: Applicability;
  dueRule: DueRule;
  /** The rule in words, as the BIR states it. */
  dueRuleText: string;
  /** eFPS filers: filing deadline = period end + offset days, by group. */
  efpsOffsets?: Readonly<Record<EfpsGroup, number>>;
  /** The December return is due on this month-day of the next year instead (1601-C: 15 January). */
  decemberOverride?: { month: number; day: number };
  /** Schedules filed with the return (QAP, SAWT, alphalist, AFS). */
  attachments: readonly string[];
  legalBasis: string;
  /** How filings of this form are recorded in `compliance_tracking.kind`. */
  trackingKind: 'filing' | 'certificate';
  /** What a late filing costs: additions to a tax due (§248–249), or a fixed §250 penalty. */
  penaltyBasis: 'tax' | 'information';
  /** The rule covers periods starting on or after this date; absent: since always. */
  effectiveFrom?: IsoDate;
  /** The rule covers periods starting on or before this date; absent: still in force. */
  effectiveTo?: IsoDate;
  notes?: string;
}

/** eFPS staggered filing days after month end (RR 26-2002). */
export const EFPS_OFFSETS: Readonly<Record<EfpsGroup, number>> = { A: 15, B: 14, C: 13, D: 12, E: 11 };

/**
 * The filing calendar of a corporate taxpayer (integrations.md §3.2). Cites marked "unverified"
 * there stay marked here.
 */
export const BIR_RULES: readonly BirRule[] = [
  {
    formCode: '1601-C',
    description: 'Monthly remittance return of income taxes withheld on compensation',
    frequency: 'monthly',
    periodBasis: 'calendar',
    appliesIf: 'has_employees',
    dueRule: { kind: 'days_after_period_end', days: 10 },
    dueRuleText: '10th day after month end; December return by 15 January; eFPS filers by group: A 15th, B 14th, C 13th, D 12th, E 11th (payment by the 15th)',
    efpsOffsets: EFPS_OFFSETS,
    decemberOverride: { month: 1, day: 15 },
    attachments: [],
    legalBasis: 'NIRC §58(A), §81; RR 2-98 as amended; RR 26-2002 (eFPS groups)',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '0619-E',
    description: 'Monthly remittance form of creditable (expanded) income taxes withheld',
    frequency: 'monthly_first2',
    periodBasis: 'calendar',
    appliesIf: 'always',
    dueRule: { kind: 'days_after_period_end', days: 10 },
    dueRuleText: '10th day after month end, first two months of each quarter only; eFPS filers staggered by group (payment by the 15th)',
    efpsOffsets: EFPS_OFFSETS,
    attachments: [],
    legalBasis: 'RR 1-2018 (unverified cite); RR 26-2002',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '0619-F',
    description: 'Monthly remittance form of final income taxes withheld',
    frequency: 'monthly_first2',
    periodBasis: 'calendar',
    appliesIf: 'final_withholding',
    dueRule: { kind: 'days_after_period_end', days: 10 },
    dueRuleText: '10th day after month end, first two months of each quarter only; eFPS filers staggered by group (payment by the 15th)',
    efpsOffsets: EFPS_OFFSETS,
    attachments: [],
    legalBasis: 'RR 1-2018 (unverified cite); RR 26-2002',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '1601-EQ',
    description: 'Quarterly remittance return of creditable (expanded) income taxes withheld',
    frequency: 'quarterly',
    periodBasis: 'calendar',
    appliesIf: 'always',
    dueRule: { kind: 'last_day_of_month_after', months: 1 },
    dueRuleText: 'Last day of the month after the quarter (Apr 30, Jul 31, Oct 31, Jan 31)',
    attachments: ['QAP'],
    legalBasis: 'RR 1-2018; RR 11-2018 (QAP)',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '1601-FQ',
    description: 'Quarterly remittance return of final income taxes withheld',
    frequency: 'quarterly',
    periodBasis: 'calendar',
    appliesIf: 'final_withholding',
    dueRule: { kind: 'last_day_of_month_after', months: 1 },
    dueRuleText: 'Last day of the month after the quarter',
    attachments: ['QAP'],
    legalBasis: 'RR 1-2018; RR 11-2018 (QAP)',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '2550M',
    description: 'Monthly value-added tax declaration',
    frequency: 'monthly',
    periodBasis: 'calendar',
    appliesIf: 'vat_registered',
    dueRule: { kind: 'days_after_period_end', days: 20 },
    dueRuleText: '20th day after month end (until December 2022)',
    attachments: [],
    legalBasis: 'NIRC §114(A) as amended by RA 10963; RMC 5-2023; RMC 52-2023',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
    effectiveTo: '2022-12-31',
    notes: 'Optional from 1 January 2023 (RMC 52-2023): no prescribed deadline and no penalty, so no obligation is tracked after 2022.',
  },
  {
    formCode: '2550Q',
    description: 'Quarterly value-added tax return',
    frequency: 'quarterly',
    periodBasis: 'fiscal',
    appliesIf: 'vat_registered',
    dueRule: { kind: 'days_after_period_end', days: 25 },
    dueRuleText: 'Within 25 days after the close of the taxable quarter (calendar or fiscal)',
    attachments: ['SAWT'],
    legalBasis: 'NIRC §114(A); RR 13-2018',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: 'SLSP',
    description: 'Summary list of sales, purchases and importations',
    frequency: 'quarterly',
    periodBasis: 'calendar',
    appliesIf: 'vat_registered',
    dueRule: { kind: 'day_of_month_after', months: 1, day: 25 },
    dueRuleText: '25th day of the month after the quarter (manual filers; eFPS about 30 days after quarter end, unverified)',
    attachments: [],
    legalBasis: 'RR 16-2005 as amended (unverified)',
    trackingKind: 'filing',
    penaltyBasis: 'information',
  },
  {
    formCode: '2551Q',
    description: 'Quarterly percentage tax return (non-VAT)',
    frequency: 'quarterly',
    periodBasis: 'fiscal',
    appliesIf: 'non_vat',
    dueRule: { kind: 'days_after_period_end', days: 25 },
    dueRuleText: 'Within 25 days after the close of the quarter',
    attachments: ['SAWT'],
    legalBasis: 'NIRC §128',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '1702Q',
    description: 'Quarterly corporate income tax return',
    frequency: 'quarterly_q1_q3',
    periodBasis: 'fiscal',
    appliesIf: 'always',
    dueRule: { kind: 'days_after_period_end', days: 60 },
    dueRuleText: 'Within 60 days after the close of each of the first three quarters (May 30, Aug 29, Nov 29 for a calendar year)',
    attachments: ['SAWT'],
    legalBasis: 'NIRC §75, §77(B)',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '1702-RT',
    description: 'Annual corporate income tax return (regular rate; -EX exempt and -MX mixed variants share the deadline)',
    frequency: 'annual',
    periodBasis: 'fiscal',
    appliesIf: 'always',
    dueRule: { kind: 'day_of_month_after', months: 4, day: 15 },
    dueRuleText: '15th day of the 4th month after the taxable year ends (15 April for a calendar year)',
    attachments: ['AFS', 'SAWT'],
    legalBasis: 'NIRC §77(B)',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
  },
  {
    formCode: '1604-C',
    description: 'Annual information return of income taxes withheld on compensation',
    frequency: 'annual',
    periodBasis: 'calendar',
    appliesIf: 'has_employees',
    dueRule: { kind: 'fixed', month: 1, day: 31, yearOffset: 1 },
    dueRuleText: '31 January of the following year',
    attachments: ['Alphalist of employees'],
    legalBasis: 'RR 2-98 as amended; RMC 62-2023',
    trackingKind: 'filing',
    penaltyBasis: 'information',
  },
  {
    formCode: '1604-E',
    description: 'Annual information return of creditable income taxes withheld (expanded) and exempt payments',
    frequency: 'annual',
    periodBasis: 'calendar',
    appliesIf: 'always',
    dueRule: { kind: 'fixed', month: 3, day: 1, yearOffset: 1 },
    dueRuleText: '1 March of the following year',
    attachments: ['Alphalist of payees'],
    legalBasis: 'RR 2-98 as amended; RMC 62-2023',
    trackingKind: 'filing',
    penaltyBasis: 'information',
  },
  {
    formCode: '1604-F',
    description: 'Annual information return of income payments subjected to final withholding taxes',
    frequency: 'annual',
    periodBasis: 'calendar',
    appliesIf: 'final_withholding',
    dueRule: { kind: 'fixed', month: 1, day: 31, yearOffset: 1 },
    dueRuleText: '31 January of the following year',
    attachments: ['Alphalist of payees'],
    legalBasis: 'RR 2-98 as amended; RMC 62-2023',
    trackingKind: 'filing',
    penaltyBasis: 'information',
  },
  {
    formCode: '2307',
    description: 'Certificate of creditable tax withheld at source (issued to payees)',
    frequency: 'quarterly',
    periodBasis: 'calendar',
    appliesIf: 'always',
    dueRule: { kind: 'days_after_period_end', days: 20 },
    dueRuleText: 'Issue by the 20th day after the close of the quarter (or on payment/request)',
    attachments: [],
    legalBasis: 'RR 2-98 §2.58 (unverified cite)',
    trackingKind: 'certificate',
    penaltyBasis: 'information',
  },
  {
    formCode: '2316',
    description: 'Certificate of compensation payment and tax withheld (issued to employees)',
    frequency: 'annual',
    periodBasis: 'calendar',
    appliesIf: 'has_employees',
    dueRule: { kind: 'fixed', month: 1, day: 31, yearOffset: 1 },
    dueRuleText: 'Issue to employees by 31 January of the following year (or on separation)',
    attachments: [],
    legalBasis: 'RR 2-2015; RR 11-2018',
    trackingKind: 'certificate',
    penaltyBasis: 'information',
    notes: 'Signed copies of employees qualified for substituted filing go to the BIR by 28 February.',
  },
  {
    formCode: '0605',
    description: 'Annual registration fee (₱500)',
    frequency: 'annual',
    periodBasis: 'calendar',
    appliesIf: 'always',
    dueRule: { kind: 'fixed', month: 1, day: 31, yearOffset: 0 },
    dueRuleText: '31 January of the year registered for',
    attachments: [],
    legalBasis: 'NIRC §236(B), abolished by RA 11976 (Ease of Paying Taxes Act)',
    trackingKind: 'filing',
    penaltyBasis: 'tax',
    effectiveTo: '2023-12-31',
    notes: 'Abolished from 2024 by the Ease of Paying Taxes Act (RA 11976).',
  },
];

/** Looks a rule up by form code, case-insensitively (`1601c` and `1601-C` both match). */
export function findRule(formCode: string, rules: readonly BirRule[] = BIR_RULES): BirRule | undefined {
  const wanted = normaliseFormCode(formCode);
  return rules.find((r) => normaliseFormCode(r.formCode) === wanted);
}

/** A form code without case or separators, for matching user input. */
export function normaliseFormCode(formCode: string): string {
  return formCode.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
