import { ToolError } from '@mcpgw/worker-kit';
import type { OdooClient } from './odoo-client.js';

/** What a probe of Odoo found: reachable (version), credentials accepted (authenticate), and how fast. */
export interface OdooProbe {
  status: 'ok' | 'degraded' | 'down';
  reason?: string;
  serverVersion: string | null;
  serverSerie: string | null;
  versionLatencyMs: number | null;
  authLatencyMs: number | null;
  uid: number | null;
}

/** A probe step slower than this makes the status `degraded`. */
export const SLOW_PROBE_MS = 2_000;

/**
 * Probes Odoo the way a health check should: `common.version` (no credentials: is Odoo answering?),
 * then `common.authenticate` (are ODOO_USERNAME / ODOO_API_KEY accepted?), timing both. A fresh
 * authentication also refreshes the client's cached uid.
 */
export async function probeOdoo(client: OdooClient, signal: AbortSignal): Promise<OdooProbe> {
  const probe: OdooProbe = { status: 'ok', serverVersion: null, serverSerie: null, versionLatencyMs: null, authLatencyMs: null, uid: null };
  let started = performance.now();
  try {
    const version = await client.version({ signal });
    probe.versionLatencyMs = elapsed(started);
    probe.serverVersion = version.serverVersion;
    probe.serverSerie = version.serverSerie;
  } catch (error) {
    return { ...probe, status: 'down', reason: `version probe failed: ${messageOf(error)}` };
  }
  started = performance.now();
  try {
    probe.uid = await client.authenticate({ signal });
    probe.authLatencyMs = elapsed(started);
  } catch (error) {
    const rateLimited = error instanceof ToolError && error.details.retryAfter !== undefined;
    return { ...probe, status: rateLimited ? 'degraded' : 'down', reason: `authenticate failed: ${messageOf(error)}` };
  }
  const slowest = Math.max(probe.versionLatencyMs ?? 0, probe.authLatencyMs ?? 0);
  if (slowest > SLOW_PROBE_MS) return { ...probe, status: 'degraded', reason: `Odoo is slow: ${Math.round(slowest)} ms for one call` };
  return probe;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function messageOf(error: unknown): string {
  return error instanceof ToolError ? error.message : 'unexpected failure (see the worker log)';
}
