/**
 * Calendar dates of the reference deployment: Philippine time (UTC+8, no daylight saving), the
 * calendar its due dates and periods are written in. A civil date is `YYYY-MM-DD`.
 */
const MANILA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Today's date in Manila. */
export function manilaToday(now: Date = new Date()): string {
  return new Date(now.getTime() + MANILA_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` plus n days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The `YYYY-MM` of a date. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** A `since` argument as an instant: a bare date means 00:00 Manila time of that day. */
export function sinceInstant(since: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(since)) return new Date(Date.parse(`${since}T00:00:00Z`) - MANILA_OFFSET_MS).toISOString();
  return new Date(Date.parse(since.replace(' ', 'T'))).toISOString();
}

/** PostgREST sends dates as `YYYY-MM-DD`; anything longer (a timestamp) is cut to the date. */
export function civilDate(value: unknown): string {
  return String(value).slice(0, 10);
}
