import type { HealthCheck } from '@mcpgw/worker-kit';
import { ToolError } from '@mcpgw/worker-kit';
import type { SupabaseDeps } from './deps.js';

/** The table the Data API check reads one row of: cheap, and proves the schema is served. */
export const HEALTH_TABLE = 'month_end_tasks';

/** One upstream surface's state. */
export type SurfaceHealth =
  | { configured: false; missing: string[] }
  | { configured: true; status: 'ok' | 'down'; latencyMs: number; reason?: string; serverVersion?: string | null };

/** Both surfaces and the overall verdict: down when every configured surface is down. */
export interface SupabaseHealth {
  status: 'ok' | 'degraded' | 'down';
  rest: SurfaceHealth;
  database: SurfaceHealth;
}

async function timed(check: () => Promise<{ serverVersion?: string | null } | void>): Promise<SurfaceHealth> {
  const started = performance.now();
  try {
    const extra = (await check()) ?? {};
    return { configured: true, status: 'ok', latencyMs: ms(started), ...extra };
  } catch (error) {
    const reason = error instanceof ToolError ? error.message : 'unexpected failure (see the worker log)';
    return { configured: true, status: 'down', latencyMs: ms(started), reason };
  }
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/**
 * Checks the Data API (one row of month_end_tasks) and, when SUPABASE_DB_URL is set, the database
 * (a round trip with its version), side by side.
 */
export async function checkSupabaseHealth(deps: SupabaseDeps, signal: AbortSignal): Promise<SupabaseHealth> {
  const [rest, database] = await Promise.all([
    deps.rest ? timed(() => deps.rest!.ping(HEALTH_TABLE, signal)) : Promise.resolve<SurfaceHealth>({ configured: false, missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] }),
    deps.database ? timed(() => deps.database!.ping(signal)) : Promise.resolve<SurfaceHealth>({ configured: false, missing: ['SUPABASE_DB_URL'] }),
  ]);
  const configured = [rest, database].filter((s): s is Extract<SurfaceHealth, { configured: true }> => s.configured);
  const down = configured.filter((s) => s.status === 'down').length;
  const status = down === 0 ? 'ok' : down === configured.length ? 'down' : 'degraded';
  return { status, rest, database };
}

/** The worker-kit view of the same check (gateway health polling). */
export async function workerHealth(deps: SupabaseDeps, signal: AbortSignal): Promise<HealthCheck> {
  const health = await checkSupabaseHealth(deps, signal);
  const reasons: string[] = [];
  if (health.rest.configured && health.rest.status === 'down') reasons.push(`Data API: ${health.rest.reason ?? 'down'}`);
  if (health.database.configured && health.database.status === 'down') reasons.push(`database: ${health.database.reason ?? 'down'}`);
  return {
    status: health.status,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
    ...(deps.database ? { pools: [deps.database.stats()] } : {}),
  };
}
