/**
 * The BIR filing calendar as data: rules, Philippine holidays, obligations with their deadlines,
 * statuses and penalty estimates. Pure functions, no I/O; dates are `YYYY-MM-DD` Manila dates.
 */
export {
  addDays,
  addMonths,
  dateParts,
  dayOfWeek,
  daysBetween,
  isIsoDate,
  isWeekend,
  isoDate,
  lastDayOfMonth,
  manilaDate,
  type IsoDate,
} from './dates.js';
export {
  HOLIDAY_KINDS,
  HolidayCalendar,
  easterSunday,
  parseHolidayList,
  regularHolidays,
  type Holiday,
  type HolidayInput,
  type HolidayKind,
  type HolidayListResult,
  type NonWorkingReason,
} from './holidays.js';
export {
  BIR_RULES,
  EFPS_OFFSETS,
  findRule,
  normaliseFormCode,
  type Applicability,
  type BirRule,
  type DueRule,
  type EfpsGroup,
  type Frequency,
  type TaxpayerClass,
} from './rules.js';
export { looksLikePeriod, parseCalendarPeriod, periodEndingIn, periodForRule, type DateRange, type ReturnPeriod } from './periods.js';
export {
  obligationsFor,
  resolveObligation,
  ruleApplies,
  ruleDueDate,
  ruleInEffect,
  type Obligation,
  type ObligationQuery,
  type TaxEntity,
} from './obligations.js';
export { OBLIGATION_STATUSES, obligationStatus, type FilingRecord, type ObligationStatus, type StatusResult } from './status.js';
export {
  COMPROMISE_BRACKETS,
  EOPT_EFFECTIVE,
  TRAIN_EFFECTIVE,
  compromiseFor,
  estimatePenalty,
  type CompromiseBracket,
  type InterestSegment,
  type PenaltyEstimate,
  type PenaltyInput,
} from './penalty.js';
