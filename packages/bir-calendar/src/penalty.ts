import { daysBetween, maxDate, minDate, type IsoDate } from './dates.js';
import type { BirRule, TaxpayerClass } from './rules.js';

/** One line of the compromise schedule: tax unpaid above `over` and up to `upTo` (null: no cap). */
export interface CompromiseBracket {
  over: number;
  upTo: number | null;
  amount: number;
}

/**
 * Suggested compromise penalties for failure to file/pay by amount of tax unpaid (RMO 19-2007
 * Annex A, carried into RMO 7-2015). Suggested only: compromise is consensual and cannot be
 * forcibly collected (RMC 54-2018). Verify against the schedule in force.
 */
export const COMPROMISE_BRACKETS: readonly CompromiseBracket[] = [
  { over: 0, upTo: 500, amount: 200 },
  { over: 500, upTo: 1_000, amount: 400 },
  { over: 1_000, upTo: 2_000, amount: 700 },
  { over: 2_000, upTo: 5_000, amount: 1_000 },
  { over: 5_000, upTo: 7_500, amount: 1_500 },
  { over: 7_500, upTo: 10_000, amount: 2_000 },
  { over: 10_000, upTo: 15_000, amount: 3_000 },
  { over: 15_000, upTo: 20_000, amount: 4_000 },
  { over: 20_000, upTo: 30_000, amount: 6_000 },
  { over: 30_000, upTo: 50_000, amount: 8_500 },
  { over: 50_000, upTo: 100_000, amount: 12_000 },
  { over: 100_000, upTo: 500_000, amount: 16_000 },
  { over: 500_000, upTo: 1_000_000, amount: 20_000 },
  { over: 1_000_000, upTo: 5_000_000, amount: 25_000 },
  { over: 5_000_000, upTo: null, amount: 50_000 },
];

/** The Ease of Paying Taxes Act took effect on this date (reduced rates for micro/small taxpayers). */
export const EOPT_EFFECTIVE = '2024-01-22';
/** TRAIN (RA 10963) replaced 20% interest with 12% (twice the legal rate) from this date. */
export const TRAIN_EFFECTIVE = '2018-01-01';

/** What to estimate: a late or unfiled return. */
export interface PenaltyInput {
  dueDate: IsoDate;
  /** The filing/payment date, or today for an obligation still open. */
  asOf: IsoDate;
  /** The tax due on the return; null/absent when unknown (amounts are then null, rates still given). */
  taxDue?: number | null;
  taxpayerClass?: TaxpayerClass;
  /** `tax` (surcharge, interest, compromise) or `information` (§250 fixed penalty). */
  penaltyBasis?: BirRule['penaltyBasis'];
}

/** One stretch of interest at one rate. */
export interface InterestSegment {
  from: IsoDate;
  to: IsoDate;
  days: number;
  annualRate: number;
  amount: number | null;
}

/** An estimate of what a late return costs — never an assessment. */
export interface PenaltyEstimate {
  estimate: true;
  label: string;
  penaltyBasis: BirRule['penaltyBasis'];
  daysLate: number;
  asOf: IsoDate;
  taxDue: number | null;
  surcharge: { rate: number; amount: number | null } | null;
  interest: { days: number; amount: number | null; segments: InterestSegment[] } | null;
  compromise: { amount: number | null; bracket: string | null; suggested: true } | null;
  /** §250 penalty per failure to file an information return or issue a certificate. */
  informationReturnPenalty: { amount: number; annualCap: number } | null;
  /** Sum of the amounts known (the compromise included); null when the tax due is unknown. */
  total: number | null;
  basis: string[];
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The suggested compromise for an amount of tax unpaid, or undefined for none due. */
export function compromiseFor(taxDue: number): CompromiseBracket | undefined {
  if (taxDue <= 0) return undefined;
  return COMPROMISE_BRACKETS.find((b) => taxDue > b.over && (b.upTo === null || taxDue <= b.upTo));
}

/**
 * Estimates the penalties for a return filed or paid `asOf` after `dueDate`: surcharge 25% (10%
 * for micro/small taxpayers under EOPT), interest 12% a year (6% micro/small under EOPT; 20%
 * before 2018) pro-rated by day on a 365-day year, and the suggested compromise by bracket. For
 * information returns and certificates, the §250 penalty (₱1,000 per failure, ₱500 micro/small
 * under EOPT). Labelled as an estimate with the basis of each figure.
 */
export function estimatePenalty(input: PenaltyInput): PenaltyEstimate {
  const daysLate = Math.max(0, daysBetween(input.dueDate, input.asOf));
  const microOrSmall = input.taxpayerClass === 'micro' || input.taxpayerClass === 'small';
  // EOPT's lower surcharge and §250 penalty apply to deadlines from its effectivity; its lower
  // interest rate runs from that date for any open balance.
  const reduced = microOrSmall && input.dueDate >= EOPT_EFFECTIVE;
  const basisKind = input.penaltyBasis ?? 'tax';
  const taxDue = input.taxDue ?? null;
  const label = 'Estimate only, not an assessment: figures follow the rates in the basis lines; the BIR computes the actual amounts.';
  if (daysLate === 0) {
    return { estimate: true, label, penaltyBasis: basisKind, daysLate, asOf: input.asOf, taxDue, surcharge: null, interest: null, compromise: null, informationReturnPenalty: null, total: 0, basis: ['Not late: no penalty.'] };
  }
  if (basisKind === 'information') {
    const amount = reduced ? 500 : 1_000;
    return {
      estimate: true,
      label,
      penaltyBasis: basisKind,
      daysLate,
      asOf: input.asOf,
      taxDue,
      surcharge: null,
      interest: null,
      compromise: null,
      informationReturnPenalty: { amount, annualCap: 25_000 },
      total: amount,
      basis: [
        `NIRC §250: ₱${amount.toLocaleString('en-PH')} per failure to file an information return or issue a certificate${reduced ? ' (₱500 for micro/small taxpayers under RA 11976)' : ''}, at most ₱25,000 a year.`,
      ],
    };
  }
  const surchargeRate = reduced ? 0.1 : 0.25;
  const segments = interestSegments(input.dueDate, input.asOf, microOrSmall).map((s) => ({
    ...s,
    amount: taxDue === null ? null : round2((taxDue * s.annualRate * s.days) / 365),
  }));
  const interestAmount = taxDue === null ? null : round2(segments.reduce((sum, s) => sum + (s.amount ?? 0), 0));
  const surchargeAmount = taxDue === null ? null : round2(taxDue * surchargeRate);
  const bracket = taxDue === null ? undefined : compromiseFor(taxDue);
  const compromiseAmount = taxDue === null ? null : (bracket?.amount ?? 0);
  const basis = [
    `Surcharge ${surchargeRate * 100}% of the tax due (NIRC §248${reduced ? '; 10% for micro/small taxpayers under RA 11976' : ''}); 50% applies instead for willful neglect or a fraudulent return.`,
    `Interest ${segments.map((s) => `${s.annualRate * 100}% a year for ${s.days} day${s.days === 1 ? '' : 's'}`).join(', ')} on the unpaid tax, pro-rated on a 365-day year (NIRC §249 as amended by RA 10963; RR 21-2018${microOrSmall && input.asOf > EOPT_EFFECTIVE ? '; 6% for micro/small taxpayers from 22 January 2024 under RA 11976' : ''}).`,
    'Compromise penalty: suggested amount by bracket of tax unpaid (RMO 19-2007 Annex A, as carried into RMO 7-2015); consensual, not collectible by force (RMC 54-2018).',
  ];
  if (taxDue === null) basis.push('Tax due unknown: amounts are null; apply the rates above to the tax due.');
  return {
    estimate: true,
    label,
    penaltyBasis: basisKind,
    daysLate,
    asOf: input.asOf,
    taxDue,
    surcharge: { rate: surchargeRate, amount: surchargeAmount },
    interest: { days: daysLate, amount: interestAmount, segments },
    compromise: {
      amount: compromiseAmount,
      bracket: bracket ? `over ₱${bracket.over.toLocaleString('en-PH')}${bracket.upTo === null ? '' : ` up to ₱${bracket.upTo.toLocaleString('en-PH')}`}` : null,
      suggested: true,
    },
    informationReturnPenalty: null,
    total: taxDue === null ? null : round2((surchargeAmount ?? 0) + (interestAmount ?? 0) + (compromiseAmount ?? 0)),
    basis,
  };
}

/** Splits [dueDate, asOf) at the dates the interest rate changed. */
function interestSegments(dueDate: IsoDate, asOf: IsoDate, microOrSmall: boolean): Omit<InterestSegment, 'amount'>[] {
  const changes: { from: IsoDate; rate: number }[] = [
    { from: '0000-01-01', rate: 0.2 },
    { from: TRAIN_EFFECTIVE, rate: 0.12 },
    { from: EOPT_EFFECTIVE, rate: microOrSmall ? 0.06 : 0.12 },
  ];
  const segments: Omit<InterestSegment, 'amount'>[] = [];
  changes.forEach((change, i) => {
    const next = changes[i + 1]?.from;
    const from = maxDate(dueDate, change.from);
    const to = next ? minDate(asOf, next) : asOf;
    const days = daysBetween(from, to);
    if (days <= 0) return;
    const last = segments[segments.length - 1];
    if (last && last.annualRate === change.rate) {
      last.to = to;
      last.days += days;
    } else segments.push({ from, to, days, annualRate: change.rate });
  });
  return segments;
}
