import { toolDefiner, type Logger } from '@mcpgw/worker-kit';
import type { BirDeps } from '@mcpgw/worker-bir/tools';
import type { OdooDeps } from '@mcpgw/worker-odoo/tools';
import type { SupabaseDeps } from '@mcpgw/worker-supabase/tools';

/**
 * What the monitor's tools receive: the clients of each domain it can reach (undefined where that
 * domain's variables are not set). The domains' own tools run with these deps, so the figures are
 * the same as those of the odoo, supabase and bir workers.
 */
export interface MonitorDeps {
  odoo: OdooDeps | undefined;
  supabase: SupabaseDeps | undefined;
  bir: BirDeps | undefined;
  /** Names of the variables each missing domain needs. */
  missing: { odoo: string[]; supabase: string[]; bir: string[] };
  log: Logger;
}

export const monitorTool = toolDefiner<MonitorDeps>();

export type Domain = 'odoo' | 'supabase' | 'bir';

/** One domain's part of a cross-domain answer: its result, or why it is missing. */
export type Section<T> = { status: 'ok'; result: T } | { status: 'unconfigured'; missing: string[] } | { status: 'error'; error: string };

/**
 * Runs one domain's part; a failing or unconfigured domain becomes a section saying so instead of
 * failing the whole answer (an agent asking "what failed" still hears from the other systems).
 */
export async function section<D, T>(deps: D | undefined, missing: string[], run: (deps: D) => Promise<T>): Promise<Section<T>> {
  if (!deps) return { status: 'unconfigured', missing };
  try {
    return { status: 'ok', result: await run(deps) };
  } catch (error) {
    return { status: 'error', error: error instanceof Error ? error.message.slice(0, 500) : String(error) };
  }
}

/** Odoo's `YYYY-MM-DD HH:MM:SS` (UTC) as ISO 8601. */
export function odooTimeToIso(value: string | null | undefined): string | null {
  if (!value) return null;
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
}

/**
 * A `since` as one instant for every system: a bare date is midnight in Manila (where the business
 * runs), as the supabase and bir tools read it; Odoo on its own would read it as midnight UTC.
 */
export function sinceInstant(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00+08:00` : since;
}
