import { ToolError } from '@mcpgw/worker-kit';
import type { OdooClient, OdooDomain } from './odoo-client.js';
import { OdooFault } from './odoo-errors.js';

/** Count and sum of one group. */
export interface GroupTotal {
  /** The group's values, one per groupby field (many2one as its id, selection as its key, empty as null). */
  keys: (string | number | null)[];
  /** Display names of many2one keys (null for other keys). */
  names: (string | null)[];
  count: number;
  sum: number;
}

/** How totals were computed: `read_group` on the server, or summed here from paged `search_read` rows. */
export type GroupMethod = 'read_group' | 'search_read';

/** Rows summed by the fallback at most; beyond this the totals say `truncated`. */
const FALLBACK_MAX_ROWS = 20_000;

/**
 * Counts and sums `sumField` per group. Uses `read_group` (one request; served up to Odoo 19), and
 * falls back to paging `search_read` when the server refuses it (a version without the method or
 * that aggregate), so the answer does not depend on the Odoo version.
 */
export async function groupTotals(
  client: OdooClient,
  model: string,
  domain: OdooDomain,
  sumField: string,
  groupby: string[],
  signal: AbortSignal,
): Promise<{ groups: GroupTotal[]; method: GroupMethod; truncated: boolean }> {
  try {
    const rows = await client.readGroup(model, domain, [`${sumField}:sum`], groupby, { signal, lazy: false });
    return {
      groups: rows.map((row) => ({
        keys: groupby.map((g) => keyOf(row[g])),
        names: groupby.map((g) => nameOf(row[g])),
        count: numberOf(row['__count'] ?? row[`${groupby[0]}_count`]),
        sum: numberOf(row[sumField]),
      })),
      method: 'read_group',
      truncated: false,
    };
  } catch (error) {
    if (!isMethodProblem(error)) throw error;
  }
  const { records, truncated } = await client.searchAll(model, domain, { fields: [...groupby, sumField], maxRows: FALLBACK_MAX_ROWS, pageSize: 500, signal });
  const byKey = new Map<string, GroupTotal>();
  for (const record of records) {
    const keys = groupby.map((g) => keyOf(record[g]));
    const id = JSON.stringify(keys);
    let group = byKey.get(id);
    if (!group) {
      group = { keys, names: groupby.map((g) => nameOf(record[g])), count: 0, sum: 0 };
      byKey.set(id, group);
    }
    group.count += 1;
    group.sum += numberOf(record[sumField]);
  }
  return { groups: [...byKey.values()], method: 'search_read', truncated };
}

/** A fault that says "this server does not do read_group like that", as opposed to access or transport failures. */
function isMethodProblem(error: unknown): boolean {
  if (!(error instanceof ToolError) || !(error.cause instanceof OdooFault)) return false;
  const name = error.cause.shortName;
  return name !== 'AccessDenied' && name !== 'AccessError' && !error.cause.isSessionExpired && !error.cause.isRetryable;
}

function keyOf(value: unknown): string | number | null {
  if (Array.isArray(value)) return typeof value[0] === 'number' ? value[0] : null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  return null;
}

function nameOf(value: unknown): string | null {
  return Array.isArray(value) && value.length > 1 ? String(value[1]) : null;
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
