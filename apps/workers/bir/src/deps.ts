import { addDays, isIsoDate, manilaDate, type HolidayCalendar } from '@mcpgw/bir-calendar';
import { ToolError, toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { BirConfig } from './config.js';
import type { AgencyRow, OpsStore } from './ops-store.js';

/** What every bir tool receives. */
export interface BirDeps {
  config: BirConfig;
  store: OpsStore;
  calendar: HolidayCalendar;
  /** The clock (tests pin it). */
  now: () => Date;
}

export const birTool = toolDefiner<BirDeps>();

/** A `YYYY-MM-DD` calendar date. */
export const isoDateArg = z.string().refine(isIsoDate, 'must be a date written YYYY-MM-DD');

/** The optional `agency` argument: one agency code, or every agency when omitted. */
export const agencyArg = z.string().min(1).max(64).describe('Agency (business unit) code, e.g. ACME-MNL; omit for every agency');

/** The optional `as_of` argument. */
export const asOfArg = isoDateArg.optional().describe('Evaluate as of this Manila date (YYYY-MM-DD); default today in Asia/Manila');

/** Today in Manila, or the caller's `as_of`. */
export function today(deps: BirDeps, asOf: string | undefined): string {
  return asOf ?? manilaDate(deps.now());
}

/** The agencies a call is about: one by code (not_found naming the known ones), or all. */
export async function selectAgencies(deps: BirDeps, signal: AbortSignal, code: string | undefined): Promise<AgencyRow[]> {
  const agencies = await deps.store.agencies(signal);
  if (code === undefined) return agencies;
  const wanted = code.trim().toUpperCase();
  const agency = agencies.find((a) => a.code.toUpperCase() === wanted);
  if (agency) return [agency];
  const known = agencies.map((a) => a.code).join(', ');
  throw new ToolError('not_found', known ? `no agency "${code}"; agencies: ${known}` : `no agency "${code}": the agencies table is empty`);
}

/** `[from, to]` as dates, `to` inclusive: `days` days from `start`. */
export function windowFrom(start: string, days: number): { from: string; to: string } {
  return { from: start, to: addDays(start, days) };
}
