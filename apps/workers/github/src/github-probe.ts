import { ToolError } from '@mcpgw/worker-kit';
import type { GithubDeps } from './deps.js';

/** A probe step slower than this makes the status `degraded`. */
export const SLOW_PROBE_MS = 2_000;

/**
 * GET /rate_limit: the cheapest authenticated request (it does not count against the primary limit),
 * so it tells whether GitHub answers, whether it accepts the credentials, and how much quota is left.
 */
export async function probeGithub(deps: GithubDeps, signal: AbortSignal) {
  const { client, config } = deps;
  const started = performance.now();
  const base = { apiUrl: client.origin, auth: client.auth.kind === 'token' ? 'token' : 'github_app', apiVersion: client.apiVersion, defaultRepo: config.defaultRepo ? `${config.defaultRepo.owner}/${config.defaultRepo.name}` : null };
  try {
    const { data, headers } = await client.request<{ resources?: Record<string, { limit: number; remaining: number; reset: number; used?: number }> }>('GET', '/rate_limit', { signal, what: 'read the rate limit' });
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const core = data?.resources?.['core'];
    const rate = core ? { limit: core.limit, remaining: core.remaining, used: core.used ?? core.limit - core.remaining, resetAt: new Date(core.reset * 1000).toISOString() } : null;
    let status: 'ok' | 'degraded' = 'ok';
    let reason: string | undefined;
    if (rate && rate.limit > 0 && rate.remaining / rate.limit < 0.1) {
      status = 'degraded';
      reason = `only ${rate.remaining} of ${rate.limit} requests left until ${rate.resetAt}`;
    } else if (latencyMs > SLOW_PROBE_MS) {
      status = 'degraded';
      reason = `GitHub answered in ${Math.round(latencyMs)} ms`;
    }
    const expiresAt = client.installationTokenExpiresAt;
    return {
      ...base,
      status,
      ...(reason === undefined ? {} : { reason }),
      latencyMs,
      apiVersionSelected: headers.get('x-github-api-version-selected'),
      rateLimit: rate,
      ...(expiresAt === undefined ? {} : { installationTokenExpiresAt: new Date(expiresAt).toISOString() }),
    };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const degraded = error.kind === 'upstream' && /rate limit/.test(error.message);
    return { ...base, status: degraded ? ('degraded' as const) : ('down' as const), reason: error.message, latencyMs: Math.round((performance.now() - started) * 100) / 100, apiVersionSelected: null, rateLimit: null };
  }
}
