import { odooHealth } from '@mcpgw/worker-odoo/tools';
import { supabaseHealth } from '@mcpgw/worker-supabase/tools';
import { z } from 'zod';
import { monitorTool, section, type Section } from '../deps.js';

type Status = 'ok' | 'degraded' | 'down' | 'unconfigured';
const RANK: Record<Status, number> = { unconfigured: 0, ok: 1, degraded: 2, down: 3 };

/** A component check cut off after this long counts as down. */
const CHECK_TIMEOUT_MS = 10_000;

export const getSystemHealth = monitorTool({
  name: 'get_system_health',
  title: 'System health across Odoo, Supabase and the compliance data',
  description:
    'Checks every monitored system now, in parallel: Odoo (version probe and authentication), Supabase (Data API read and database round trip) and the compliance data (the BIR tables). Each component has status ok, degraded, down or unconfigured, its latency in ms and a reason; the overall status is the worst configured one.',
  input: z.object({}),
  tokenCost: 300,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (_args, ctx) => {
    const { deps } = ctx;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(CHECK_TIMEOUT_MS)]);
    const [odoo, supabase, compliance] = await Promise.all([
      timed(deps.odoo, deps.missing.odoo, (d) => odooHealth.handler({}, { ...ctx, signal, deps: d })),
      timed(deps.supabase, deps.missing.supabase, (d) => supabaseHealth.handler({}, { ...ctx, signal, deps: d })),
      timed(deps.bir, deps.missing.bir, (d) => d.store.health(signal)),
    ]);
    const components = [component('odoo', odoo), component('supabase', supabase), component('compliance', compliance)];
    const configured = components.filter((c) => c.status !== 'unconfigured');
    const overall: Status = configured.length === 0 ? 'unconfigured' : configured.reduce<Status>((worst, c) => (RANK[c.status] > RANK[worst] ? c.status : worst), 'ok');
    return { status: overall, checkedAt: new Date().toISOString(), components };
  },
});

async function timed<D, T>(deps: D | undefined, missing: string[], run: (deps: D) => Promise<T>) {
  const started = performance.now();
  const result = await section(deps, missing, run);
  return { result, latencyMs: Math.round(performance.now() - started) };
}

function component(
  name: string,
  checked: { result: Section<unknown>; latencyMs: number },
): { name: string; status: Status; latencyMs: number | null; reason: string | null; details?: unknown; missing?: string[] } {
  const { result, latencyMs } = checked;
  if (result.status === 'unconfigured') return { name, status: 'unconfigured', latencyMs: null, reason: `set ${result.missing.join(', ')}`, missing: result.missing };
  if (result.status === 'error') return { name, status: 'down', latencyMs, reason: result.error };
  const reported = (result.result ?? {}) as { status?: unknown; reason?: unknown };
  const status: Status = reported.status === 'ok' || reported.status === 'degraded' || reported.status === 'down' ? reported.status : 'ok';
  return { name, status, latencyMs, reason: typeof reported.reason === 'string' ? reported.reason : null, details: reported };
}
