import { ToolError, parseRetryAfter } from '@mcpgw/worker-kit';
import type { GithubAuthConfig } from './config.js';

/** GitHub's error body: `{message, documentation_url, status, errors?}` (integrations.md §4.5). */
export interface GithubErrorBody {
  message?: string;
  errors?: { resource?: string; field?: string; code?: string; message?: string; value?: unknown }[];
}

/** The `x-ratelimit-*` headers of one response. */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  used: number;
  /** When the window resets, ms since the epoch. */
  resetAt: number;
  resource: string;
}

/** Reads the `x-ratelimit-*` headers; undefined when GitHub sent none. */
export function readRateLimit(headers: Headers): RateLimitInfo | undefined {
  const limit = numberHeader(headers, 'x-ratelimit-limit');
  const remaining = numberHeader(headers, 'x-ratelimit-remaining');
  const reset = numberHeader(headers, 'x-ratelimit-reset');
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return {
    limit,
    remaining,
    used: numberHeader(headers, 'x-ratelimit-used') ?? Math.max(0, limit - remaining),
    resetAt: reset * 1000,
    resource: headers.get('x-ratelimit-resource') ?? 'core',
  };
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/** How GitHub signalled a rate limit on a 403/429, and how long it asks to wait. */
export type RateLimitSignal =
  | { kind: 'primary'; waitMs: number; rate: RateLimitInfo }
  | { kind: 'secondary'; waitMs: number; explicit: boolean }
  | { kind: 'unspecified' };

/** GitHub waits at least a minute after a secondary limit without `retry-after` (integrations.md §4.4). */
export const SECONDARY_DEFAULT_WAIT_MS = 60_000;

/**
 * Tells a rate-limited 403/429 from a plain refusal: `retry-after` (secondary), `x-ratelimit-remaining: 0`
 * (primary, wait until `x-ratelimit-reset`), a "secondary rate limit" message without a header (wait
 * ≥ 60 s); a bare 429 is still a rate limit. Null: a 403 that is a permission refusal.
 */
export function rateLimitSignal(status: number, headers: Headers, body: GithubErrorBody, now = Date.now()): RateLimitSignal | null {
  if (status !== 403 && status !== 429) return null;
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return { kind: 'secondary', waitMs: retryAfter, explicit: true };
  const rate = readRateLimit(headers);
  if (rate && rate.remaining === 0) return { kind: 'primary', waitMs: Math.max(0, rate.resetAt - now) + 1_000, rate };
  if (/secondary rate limit|abuse/i.test(body.message ?? '')) return { kind: 'secondary', waitMs: SECONDARY_DEFAULT_WAIT_MS, explicit: false };
  if (/rate limit/i.test(body.message ?? '') || status === 429) return { kind: 'unspecified' };
  return null;
}

/** The variables that hold the worker's credentials, for "fix this" messages. */
export function credentialVariables(auth: GithubAuthConfig): string[] {
  return auth.kind === 'token' ? ['GITHUB_TOKEN'] : ['GITHUB_APP_ID', 'GITHUB_PRIVATE_KEY', 'GITHUB_INSTALLATION_ID'];
}

/**
 * A refused credential. The protocol has no `unauthorized` kind, so it is a configuration problem
 * naming the variables to fix (SERVICE_UNCONFIGURED at the gateway), never the secret.
 */
export function credentialsRefused(auth: GithubAuthConfig, reason: string): ToolError {
  const variables = credentialVariables(auth);
  const fix =
    auth.kind === 'token'
      ? 'GITHUB_TOKEN is invalid, expired or revoked: set a valid personal access token'
      : 'the GitHub App credentials were refused even with a freshly minted installation token: check GITHUB_APP_ID, GITHUB_PRIVATE_KEY and GITHUB_INSTALLATION_ID';
  return new ToolError('unconfigured', `GitHub refused the credentials (HTTP 401${reason ? `: ${reason}` : ''}); ${fix}`, { missing: variables });
}

/** A rate limit that outlasted the retries or asks to wait longer than GITHUB_MAX_RETRY_WAIT_MS. */
export function rateLimitError(what: string, signal: RateLimitSignal, status: number, attempts: number, now = Date.now()): ToolError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (signal.kind === 'primary') {
    const seconds = Math.max(1, Math.ceil((signal.rate.resetAt - now) / 1000));
    return new ToolError(
      'upstream',
      `GitHub's primary rate limit is exhausted (${signal.rate.resource}: 0 of ${signal.rate.limit} requests left, HTTP ${status}) for ${what}${tries}; it resets at ${new Date(signal.rate.resetAt).toISOString()} (in ${seconds} s)`,
      { retryAfter: seconds },
    );
  }
  if (signal.kind === 'secondary') {
    const seconds = Math.max(1, Math.ceil(signal.waitMs / 1000));
    return new ToolError(
      'upstream',
      `GitHub's secondary rate limit stopped ${what} (HTTP ${status})${tries}; GitHub asks to wait ${seconds} s${signal.explicit ? ' (retry-after)' : ''} before trying again`,
      { retryAfter: seconds },
    );
  }
  return new ToolError('upstream', `GitHub is rate limiting ${what} (HTTP ${status})${tries}; try again later`);
}

/** The failure of a request GitHub answered with a non-rate-limit error status. */
export function statusError(what: string, status: number, body: GithubErrorBody, attempts: number): ToolError {
  const message = body.message ?? '';
  const details = describeErrors(body);
  const reason = [message, details].filter(Boolean).join(': ');
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (status >= 300 && status < 400) {
    return new ToolError('upstream', `GitHub redirected ${what} (HTTP ${status}): the repository may have been renamed or transferred; use its current owner/name`);
  }
  switch (status) {
    case 400:
      return new ToolError('failed', `GitHub could not process ${what} (HTTP 400${reason ? `: ${reason}` : ''})`);
    case 403:
      return new ToolError('rejected', `GitHub refused ${what} (HTTP 403${reason ? `: ${reason}` : ''}); the credentials may lack the permission this needs`);
    case 404:
      return new ToolError('not_found', `${what}: not found (HTTP 404). GitHub also answers 404 for private resources the configured credentials cannot see`);
    case 405:
    case 409:
      return new ToolError('rejected', `GitHub refused ${what} (HTTP ${status}${reason ? `: ${reason}` : ''})`);
    case 422:
      return new ToolError('rejected', `GitHub rejected ${what} (HTTP 422${reason ? `: ${reason}` : ''})`);
  }
  if (status >= 500) return new ToolError('upstream', `GitHub failed ${what} (HTTP ${status})${tries}${message ? `: ${message}` : ''}`);
  return new ToolError('failed', `GitHub answered ${what} with HTTP ${status}${reason ? `: ${reason}` : ''}`);
}

/** `Validation Failed` details: each error's message, or `resource.field code`. */
function describeErrors(body: GithubErrorBody): string {
  if (!Array.isArray(body.errors)) return '';
  return body.errors
    .slice(0, 5)
    .map((e) => e.message ?? [[e.resource, e.field].filter(Boolean).join('.'), e.code, e.value === undefined ? undefined : JSON.stringify(e.value)].filter(Boolean).join(' '))
    .filter(Boolean)
    .join('; ');
}

/** Reads GitHub's JSON error body; an HTML page (a proxy's 502) gives an empty one. */
export function parseErrorBody(text: string): GithubErrorBody {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      return {
        ...(typeof v['message'] === 'string' ? { message: v['message'].slice(0, 500) } : {}),
        ...(Array.isArray(v['errors']) ? { errors: (v['errors'] as unknown[]).filter((e): e is NonNullable<GithubErrorBody['errors']>[number] => typeof e === 'object' && e !== null) } : {}),
      };
    }
  } catch {
    // not JSON
  }
  return {};
}
