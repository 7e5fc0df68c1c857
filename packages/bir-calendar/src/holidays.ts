import { addDays, dateParts, dayOfWeek, isIsoDate, isWeekend, isoDate, lastDayOfMonth, type IsoDate } from './dates.js';

/**
 * What a listed day is:
 * - `regular`: a regular holiday (computed ones, or Eid'l Fitr/Adha once proclaimed);
 * - `special_non_working`: a special non-working day declared by proclamation;
 * - `bir_extension`: a BIR extension (RMC) — a non-working day for deadlines, or, with
 *   `extendedTo`, a deadline falling on `date` moves to `extendedTo`;
 * - `working_day`: cancels a computed holiday on that date (a holiday moved by proclamation).
 */
export type HolidayKind = 'regular' | 'special_non_working' | 'bir_extension' | 'working_day';

/** One non-working day (or override), as computed or as supplied by the operator. */
export interface Holiday {
  date: IsoDate;
  name: string;
  kind: HolidayKind;
  /** Only deadlines of these forms are affected (extensions); absent: every form. */
  forms?: string[];
  /** For `bir_extension`: the new deadline of returns due on `date`. */
  extendedTo?: IsoDate;
  /** `computed` for the statutory regular holidays, `operator` for supplied ones. */
  source: 'computed' | 'operator';
}

/** Operator-supplied entry before validation (the `BIR_HOLIDAYS_FILE` row shape). */
export type HolidayInput = Omit<Holiday, 'source'>;

export const HOLIDAY_KINDS: readonly HolidayKind[] = ['regular', 'special_non_working', 'bir_extension', 'working_day'];

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm: Meeus/Jones/Butcher). */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(year, month, day);
}

/** The last Monday of August (National Heroes Day). */
function lastMondayOfAugust(year: number): IsoDate {
  const last = lastDayOfMonth(year, 8);
  return addDays(last, -((dayOfWeek(last) + 6) % 7));
}

/**
 * The regular holidays fixed by law (RA 9492 as amended; Maundy Thursday and Good Friday from
 * Easter). Eid'l Fitr and Eid'l Adha are regular holidays too, but their dates come by
 * proclamation each year: supply them in `BIR_HOLIDAYS_FILE`.
 */
export function regularHolidays(year: number): Holiday[] {
  const easter = easterSunday(year);
  const regular = (date: IsoDate, name: string): Holiday => ({ date, name, kind: 'regular', source: 'computed' });
  return [
    regular(isoDate(year, 1, 1), "New Year's Day"),
    regular(addDays(easter, -3), 'Maundy Thursday'),
    regular(addDays(easter, -2), 'Good Friday'),
    regular(isoDate(year, 4, 9), 'Araw ng Kagitingan'),
    regular(isoDate(year, 5, 1), 'Labor Day'),
    regular(isoDate(year, 6, 12), 'Independence Day'),
    regular(lastMondayOfAugust(year), 'National Heroes Day'),
    regular(isoDate(year, 11, 30), 'Bonifacio Day'),
    regular(isoDate(year, 12, 25), 'Christmas Day'),
    regular(isoDate(year, 12, 30), 'Rizal Day'),
  ].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

/** Why a day is not a business day for a form: the weekend or the holidays on it. */
export interface NonWorkingReason {
  date: IsoDate;
  reason: 'saturday' | 'sunday' | 'holiday';
  holidays?: string[];
}

/**
 * The non-working days that move BIR deadlines: weekends, the computed regular holidays, and the
 * operator's extra days. Built once at start-up; lookups are per-year cached.
 */
export class HolidayCalendar {
  private readonly byYear = new Map<number, Holiday[]>();
  private readonly extras: Holiday[];

  constructor(extra: readonly HolidayInput[] = []) {
    this.extras = extra.map((h) => ({ ...h, source: 'operator' as const }));
  }

  /** The operator-supplied entries, as given. */
  get operatorEntries(): readonly Holiday[] {
    return this.extras;
  }

  /**
   * Every holiday and operator entry of a year, by date: computed regular holidays (minus those a
   * `working_day` entry cancels) and the operator's entries (the `working_day` ones included).
   */
  holidaysIn(year: number): Holiday[] {
    const cached = this.byYear.get(year);
    if (cached) return cached;
    const extras = this.extras.filter((h) => dateParts(h.date).year === year);
    const cancelled = new Set(extras.filter((h) => h.kind === 'working_day').map((h) => h.date));
    const list = [...regularHolidays(year).filter((h) => !cancelled.has(h.date)), ...extras].sort((a, b) =>
      a.date < b.date ? -1 : a.date > b.date ? 1 : 0,
    );
    this.byYear.set(year, list);
    return list;
  }

  /** Holidays on a date that stop work for deadlines of `formCode` (all forms when omitted). */
  holidaysOn(date: IsoDate, formCode?: string): Holiday[] {
    return this.holidaysIn(dateParts(date).year).filter(
      (h) => h.date === date && h.kind !== 'working_day' && h.extendedTo === undefined && appliesToForm(h, formCode),
    );
  }

  /** Why `date` is not a business day for `formCode`, or undefined when it is one. */
  nonWorkingReason(date: IsoDate, formCode?: string): NonWorkingReason | undefined {
    const day = dayOfWeek(date);
    if (day === 6) return { date, reason: 'saturday' };
    if (day === 0) return { date, reason: 'sunday' };
    const holidays = this.holidaysOn(date, formCode);
    return holidays.length > 0 ? { date, reason: 'holiday', holidays: holidays.map((h) => h.name) } : undefined;
  }

  /** True on weekends and on holidays that apply to `formCode`. */
  isNonWorkingDay(date: IsoDate, formCode?: string): boolean {
    return isWeekend(date) || this.holidaysOn(date, formCode).length > 0;
  }

  /** `date` itself when it is a business day, else the next business day, with the days skipped. */
  rollForward(date: IsoDate, formCode?: string): { date: IsoDate; skipped: NonWorkingReason[] } {
    const skipped: NonWorkingReason[] = [];
    let current = date;
    // A year never has more than a handful of consecutive non-working days; the bound guards bad data.
    for (let i = 0; i < 366; i += 1) {
      const reason = this.nonWorkingReason(current, formCode);
      if (!reason) return { date: current, skipped };
      skipped.push(reason);
      current = addDays(current, 1);
    }
    throw new RangeError(`no business day within a year of ${date}`);
  }

  /** A BIR extension that moves deadlines of `formCode` falling on `date`, if any. */
  extensionFor(date: IsoDate, formCode: string): Holiday | undefined {
    return this.holidaysIn(dateParts(date).year).find(
      (h) => h.date === date && h.kind === 'bir_extension' && h.extendedTo !== undefined && appliesToForm(h, formCode),
    );
  }
}

function appliesToForm(holiday: Holiday, formCode: string | undefined): boolean {
  if (!holiday.forms || holiday.forms.length === 0) return true;
  return formCode !== undefined && holiday.forms.some((f) => f.toUpperCase() === formCode.toUpperCase());
}

const KIND_ALIASES: Record<string, HolidayKind> = {
  regular: 'regular',
  special: 'special_non_working',
  special_non_working: 'special_non_working',
  'special non-working': 'special_non_working',
  special_nonworking: 'special_non_working',
  extension: 'bir_extension',
  bir_extension: 'bir_extension',
  working_day: 'working_day',
  working: 'working_day',
};

/** The result of reading an operator's holiday list: entries, and one problem per bad row. */
export interface HolidayListResult {
  holidays: HolidayInput[];
  problems: string[];
}

/**
 * Reads the operator's extra non-working days (`BIR_HOLIDAYS_FILE`): a JSON array (or
 * `{ "holidays": [...] }`) of `{ date, name, kind, forms?, extendedTo? }`, or CSV with a header
 * `date,name,kind[,forms,extended_to]` (forms separated by `;` or spaces). `kind` defaults to
 * `special_non_working`. Never throws: bad rows come back as problems.
 */
export function parseHolidayList(text: string, format?: 'json' | 'csv'): HolidayListResult {
  const trimmed = text.trim();
  if (trimmed === '') return { holidays: [], problems: [] };
  const kind = format ?? (trimmed.startsWith('[') || trimmed.startsWith('{') ? 'json' : 'csv');
  return kind === 'json' ? parseJsonList(trimmed) : parseCsvList(trimmed);
}

function parseJsonList(text: string): HolidayListResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { holidays: [], problems: [`not valid JSON: ${(error as Error).message}`] };
  }
  const rows = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { holidays?: unknown }).holidays) ? (data as { holidays: unknown[] }).holidays : undefined;
  if (!rows) return { holidays: [], problems: ['expected a JSON array of {date, name, kind} (or {"holidays": [...]})'] };
  const result: HolidayListResult = { holidays: [], problems: [] };
  rows.forEach((row, index) => {
    if (!row || typeof row !== 'object') {
      result.problems.push(`entry ${index + 1}: expected an object {date, name, kind}`);
      return;
    }
    const r = row as Record<string, unknown>;
    const forms = Array.isArray(r['forms']) ? r['forms'].map(String) : typeof r['forms'] === 'string' ? splitForms(r['forms']) : undefined;
    const extendedTo = r['extendedTo'] ?? r['extended_to'];
    addRow(result, `entry ${index + 1}`, {
      date: typeof r['date'] === 'string' ? r['date'] : '',
      name: typeof r['name'] === 'string' ? r['name'] : '',
      kind: typeof r['kind'] === 'string' ? r['kind'] : '',
      forms,
      extendedTo: typeof extendedTo === 'string' ? extendedTo : undefined,
    });
  });
  return result;
}

function parseCsvList(text: string): HolidayListResult {
  const lines = text.split(/\r?\n/);
  const result: HolidayListResult = { holidays: [], problems: [] };
  let columns = ['date', 'name', 'kind', 'forms', 'extended_to'];
  let first = true;
  lines.forEach((line, index) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const cells = splitCsvLine(line).map((c) => c.trim());
    const isHeader = first && cells[0]?.toLowerCase() === 'date';
    first = false;
    if (isHeader) {
      columns = cells.map((c) => c.toLowerCase().replace(/[\s-]+/g, '_').replace(/^extendedto$/, 'extended_to'));
      return;
    }
    const get = (name: string): string | undefined => {
      const at = columns.indexOf(name);
      return at >= 0 ? cells[at] : undefined;
    };
    const forms = get('forms');
    addRow(result, `line ${index + 1}`, {
      date: get('date') ?? '',
      name: get('name') ?? '',
      kind: get('kind') ?? '',
      forms: forms ? splitForms(forms) : undefined,
      extendedTo: get('extended_to') || undefined,
    });
  });
  return result;
}

function addRow(
  result: HolidayListResult,
  where: string,
  row: { date: string; name: string; kind: string; forms: string[] | undefined; extendedTo: string | undefined },
): void {
  if (!isIsoDate(row.date)) {
    result.problems.push(`${where}: date must be YYYY-MM-DD, got ${JSON.stringify(row.date)}`);
    return;
  }
  if (row.name.trim() === '') {
    result.problems.push(`${where}: name is required`);
    return;
  }
  const kind = row.kind.trim() === '' ? 'special_non_working' : KIND_ALIASES[row.kind.trim().toLowerCase()];
  if (!kind) {
    result.problems.push(`${where}: kind must be one of ${HOLIDAY_KINDS.join(', ')}, got ${JSON.stringify(row.kind)}`);
    return;
  }
  if (row.extendedTo !== undefined) {
    if (kind !== 'bir_extension') {
      result.problems.push(`${where}: extendedTo is only meaningful for kind bir_extension`);
      return;
    }
    if (!isIsoDate(row.extendedTo) || row.extendedTo <= row.date) {
      result.problems.push(`${where}: extendedTo must be a YYYY-MM-DD date after ${row.date}`);
      return;
    }
  }
  const forms = row.forms?.map((f) => f.trim().toUpperCase()).filter(Boolean);
  result.holidays.push({
    date: row.date,
    name: row.name.trim(),
    kind,
    ...(forms && forms.length > 0 ? { forms } : {}),
    ...(row.extendedTo !== undefined ? { extendedTo: row.extendedTo } : {}),
  });
}

function splitForms(value: string): string[] {
  return value.split(/[;\s|]+/).filter(Boolean);
}

/** Splits one CSV line; double-quoted cells may hold commas and "" escapes. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
