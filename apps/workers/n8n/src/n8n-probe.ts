import { ToolError } from '@mcpgw/worker-kit';
import type { N8nClient } from './n8n-client.js';

/** What a probe of n8n found. */
export interface N8nProbe {
  status: 'ok' | 'degraded' | 'down';
  reason?: string;
  latencyMs: number;
}

/** A probe slower than this makes the status `degraded`. */
export const SLOW_PROBE_MS = 2_000;

/**
 * The cheapest authenticated request, `GET /workflows?limit=1`: proves n8n answers, the public API is
 * enabled and N8N_API_KEY is accepted. A 429 is `degraded` (n8n is up); anything else failing is `down`.
 */
export async function probeN8n(client: N8nClient, signal: AbortSignal): Promise<N8nProbe> {
  const started = performance.now();
  try {
    await client.api('GET', '/workflows', { query: { limit: 1 }, signal, what: 'the health probe (GET /workflows?limit=1)', idempotent: true, attempts: 1 });
  } catch (error) {
    const latencyMs = elapsed(started);
    if (!(error instanceof ToolError)) return { status: 'down', reason: 'unexpected failure (see the worker log)', latencyMs };
    return { status: error.details.retryAfter !== undefined ? 'degraded' : 'down', reason: error.message, latencyMs };
  }
  const latencyMs = elapsed(started);
  if (latencyMs > SLOW_PROBE_MS) return { status: 'degraded', reason: `n8n is slow: ${Math.round(latencyMs)} ms for one request`, latencyMs };
  return { status: 'ok', latencyMs };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
