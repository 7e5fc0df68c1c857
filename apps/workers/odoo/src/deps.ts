import { toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { OdooConfig } from './config.js';
import type { OdooClient } from './odoo-client.js';

/** What every odoo tool receives. */
export interface OdooDeps {
  config: OdooConfig;
  client: OdooClient;
}

export const odooTool = toolDefiner<OdooDeps>();

/** `since` arguments: a date or an ISO date-time; Odoo compares datetimes in UTC. */
export const sinceArg = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'expected YYYY-MM-DD or an ISO date-time')
  .refine((value) => !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)), 'not a real date')
  .describe('Only records from this moment on: YYYY-MM-DD (midnight UTC) or an ISO date-time such as 2026-03-01T08:00:00Z');

/** Turns a validated `since` into Odoo's datetime literal, `YYYY-MM-DD HH:MM:SS` in UTC. */
export function toOdooDatetime(value: string): string {
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : /[Zz]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Reads a many2one value (`[id, "Name"]` or `false`) as `{ id, name }` or null. */
export function many2one(value: unknown): { id: number; name: string } | null {
  if (Array.isArray(value) && typeof value[0] === 'number') return { id: value[0], name: String(value[1] ?? '') };
  return null;
}

/** Odoo's `false` for empty values becomes null; other values pass through. */
export function orNull<T>(value: T | false | undefined): T | null {
  return value === false || value === undefined ? null : value;
}

/** Caps long texts (tracebacks, log messages) so one record cannot flood an answer. */
export function truncate(value: unknown, max: number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
