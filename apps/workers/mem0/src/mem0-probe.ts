import { ToolError } from '@mcpgw/worker-kit';
import type { Mem0Client } from './mem0-client.js';

export interface Mem0Probe {
  status: 'ok' | 'degraded' | 'down';
  reason?: string;
  latencyMs: number;
}

/** A probe slower than this makes the status `degraded`. */
export const SLOW_PROBE_MS = 2_000;

/** One authenticated read, timed: down when it fails, degraded when rate-limited or slow. */
export async function probeMem0(client: Mem0Client, signal: AbortSignal): Promise<Mem0Probe> {
  const started = performance.now();
  try {
    await client.ping(signal);
  } catch (error) {
    const latencyMs = elapsed(started);
    if (!(error instanceof ToolError)) return { status: 'down', reason: 'unexpected failure (see the worker log)', latencyMs };
    return { status: error.details.retryAfter !== undefined ? 'degraded' : 'down', reason: error.message, latencyMs };
  }
  const latencyMs = elapsed(started);
  if (latencyMs > SLOW_PROBE_MS) return { status: 'degraded', reason: `Mem0 is slow: ${Math.round(latencyMs)} ms for one read`, latencyMs };
  return { status: 'ok', latencyMs };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
