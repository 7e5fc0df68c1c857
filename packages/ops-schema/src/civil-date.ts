/**
 * Calendar dates of the reference deployment, in Philippine time (UTC+8, no daylight saving).
 * A civil date is kept as a Date at 00:00 UTC of that day, so arithmetic never crosses a zone.
 */
export const MANILA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Philippine calendar date of an instant. */
export function manilaDate(instant: Date): Date {
  const shifted = new Date(instant.getTime() + MANILA_OFFSET_MS);
  return new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()));
}

/** The instant of `hour:minute` Philippine time on a civil date. */
export function manilaInstant(day: Date, hour: number, minute = 0): Date {
  return new Date(day.getTime() + hour * 3_600_000 + minute * 60_000 - MANILA_OFFSET_MS);
}

/** A civil date plus n days. */
export function addDays(day: Date, n: number): Date {
  return new Date(day.getTime() + n * DAY_MS);
}

/** The first day of the month `n` months after the month of `day`. */
export function monthStart(day: Date, n = 0): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + n, 1));
}

/** The last day of the month `n` months after the month of `day`. */
export function monthEnd(day: Date, n = 0): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + n + 1, 0));
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: Date, b: Date): number {
  return Math.round((b.getTime() - a.getTime()) / DAY_MS);
}

/** `YYYY-MM-DD`. */
export function isoDate(day: Date): string {
  return day.toISOString().slice(0, 10);
}
