import { readFileSync } from 'node:fs';
import { parseHolidayList, type HolidayInput } from '@mcpgw/bir-calendar';

/**
 * Reads `BIR_HOLIDAYS_FILE` once at start-up (JSON, or CSV when the name ends in .csv or the text
 * is not JSON). A missing file or a bad row makes the worker unconfigured with the reason: a
 * silently ignored holiday would move deadlines.
 */
export function loadHolidaysFile(path: string): { ok: true; holidays: HolidayInput[] } | { ok: false; reason: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, reason: `BIR_HOLIDAYS_FILE ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const result = parseHolidayList(text, /\.csv$/i.test(path) ? 'csv' : undefined);
  if (result.problems.length > 0) {
    const shown = result.problems.slice(0, 5).join('; ');
    const more = result.problems.length > 5 ? ` (and ${result.problems.length - 5} more)` : '';
    return { ok: false, reason: `BIR_HOLIDAYS_FILE ${path}: ${shown}${more}` };
  }
  return { ok: true, holidays: result.holidays };
}
