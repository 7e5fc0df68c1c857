import { ToolError, backoffDelayMs, sleep, type Logger, type RetryPolicy as KitRetryPolicy } from '@mcpgw/worker-kit';
import type { GithubAuthConfig } from './config.js';
import { InstallationTokenCache, signAppJwt, type InstallationToken } from './github-app-auth.js';
import {
  credentialsRefused,
  parseErrorBody,
  rateLimitError,
  rateLimitSignal,
  readRateLimit,
  statusError,
  type GithubErrorBody,
  type RateLimitInfo,
  type RateLimitSignal,
} from './github-errors.js';
import { parseLinkHeader } from './link-header.js';

/** The worker kit's retry policy; the longest rate-limit wait is `maxRetryWaitMs` (GITHUB_MAX_RETRY_WAIT_MS) instead. */
export type RetryPolicy = Omit<KitRetryPolicy, 'maxRetryAfterMs'>;

export interface GithubClientOptions {
  /** REST base URL (`https://api.github.com`, or `https://<host>/api/v3`). */
  apiUrl: string;
  auth: GithubAuthConfig;
  /** `X-GitHub-Api-Version`; default 2022-11-28. */
  apiVersion?: string;
  timeoutMs?: number;
  /** `per_page` of paginated reads (≤ 100). */
  pageSize?: number;
  /** Default cap of items read across pages. */
  maxItems?: number;
  /** Longest rate-limit wait honoured before failing (retry-after or x-ratelimit-reset). */
  maxRetryWaitMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Refresh an installation token this long before it expires; default 5 minutes. */
  tokenRefreshMarginMs?: number;
  log?: Logger;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** What the request does, for messages: `list issues of acme/platform`. */
  what: string;
}

export interface GithubResponse<T> {
  data: T;
  status: number;
  headers: Headers;
}

export interface PageOptions<T = unknown> {
  query?: Query;
  signal?: AbortSignal | undefined;
  what: string;
  /** Stop after this many items (default: the client's maxItems, never more). */
  max?: number;
  /** For enveloped lists (`{total_count, workflow_runs: [...]}`): the member holding the items. */
  itemsKey?: string;
  /**
   * Keeps only matching items (e.g. issues without the pull requests GitHub mixes in); `max` counts
   * kept items, and no more than the client's maxItems items are read in all.
   */
  filter?: (item: T) => boolean;
}

export interface PageResult<T> {
  items: T[];
  /** Requests made. */
  pages: number;
  /** More items existed than were read. */
  truncated: boolean;
  /** `total_count` of enveloped lists, else null. */
  totalCount: number | null;
  /** Items read but dropped by the filter. */
  skipped: number;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };
const USER_AGENT = 'mcp-gateway-github-worker';
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

type Attempt = { kind: 'response'; response: Response; text: string } | { kind: 'timeout' } | { kind: 'network'; code: string };

/**
 * A client of GitHub's REST API: bearer auth with a token or a GitHub App installation token (minted
 * from an RS256 app JWT, refreshed before it expires and once more when GitHub refuses it), the
 * version header, Link-header pagination with a bound, and rate limits honoured — `retry-after` and
 * `x-ratelimit-reset` waited out when short, reported with the reset time when long. Reads are retried
 * on 5xx, timeouts and network errors; writes only on rate limits (GitHub refused them unprocessed).
 * Failures become ToolErrors that never contain a credential.
 */
export class GithubClient {
  readonly apiUrl: string;
  readonly origin: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly pageSize: number;
  readonly maxItems: number;
  readonly maxRetryWaitMs: number;
  readonly auth: GithubAuthConfig;
  readonly #retry: RetryPolicy;
  readonly #log: Logger | undefined;
  readonly #tokens: InstallationTokenCache | undefined;
  #rate: RateLimitInfo | undefined;
  /** Secrets seen (tokens), removed from any message GitHub echoes. */
  readonly #secrets = new Set<string>();

  constructor(options: GithubClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.origin = new URL(this.apiUrl).origin;
    this.auth = options.auth;
    this.apiVersion = options.apiVersion ?? '2022-11-28';
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.pageSize = Math.max(1, Math.min(100, options.pageSize ?? 100));
    this.maxItems = options.maxItems ?? 500;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 20_000;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#log = options.log;
    if (options.auth.kind === 'token') this.#secrets.add(options.auth.token);
    this.#tokens =
      options.auth.kind === 'app' ? new InstallationTokenCache(() => this.#mintInstallationToken(), options.tokenRefreshMarginMs ?? 5 * 60_000) : undefined;
  }

  /** The rate-limit headers of the latest response, if any. */
  get rateLimit(): RateLimitInfo | undefined {
    return this.#rate;
  }

  /** When the current installation token expires (App auth, after the first request). */
  get installationTokenExpiresAt(): number | undefined {
    return this.#tokens?.expiresAt;
  }

  /** One request. GETs are retried on 5xx/timeouts; every method on rate limits. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions): Promise<GithubResponse<T>> {
    const url = this.#url(path, options.query);
    const response = await this.#send(method, url, options.body, options.signal, options.what, method === 'GET');
    return { data: response.data as T, status: response.status, headers: response.headers };
  }

  /** Follows `rel="next"` Links from `path` until `max` items (or the end); items are deduplicated by `id`. */
  async paginate<T>(path: string, options: PageOptions<T>): Promise<PageResult<T>> {
    const max = Math.max(1, Math.min(options.max ?? this.maxItems, this.maxItems));
    const perPage = options.filter ? this.pageSize : Math.min(this.pageSize, max);
    let url: string | undefined = this.#url(path, { ...options.query, per_page: perPage });
    const items: T[] = [];
    const seen = new Set<unknown>();
    let pages = 0;
    let read = 0;
    let skipped = 0;
    let truncated = false;
    let totalCount: number | null = null;
    while (url !== undefined) {
      const response = await this.#send('GET', url, undefined, options.signal, options.what, true);
      pages += 1;
      const body = response.data as Record<string, unknown> | unknown[];
      const list = options.itemsKey === undefined ? body : (body as Record<string, unknown>)?.[options.itemsKey];
      if (!Array.isArray(list)) throw new ToolError('upstream', `GitHub answered ${options.what} with something that is not a list`);
      if (options.itemsKey !== undefined && typeof (body as Record<string, unknown>)['total_count'] === 'number') {
        totalCount ??= (body as Record<string, unknown>)['total_count'] as number;
      }
      let consumed = 0;
      for (const item of list as T[]) {
        if (items.length >= max || read >= this.maxItems) break;
        consumed += 1;
        read += 1;
        const id = (item as { id?: unknown } | null)?.id;
        // Items inserted between pages shift later ones back: skip what an earlier page gave.
        if (id !== undefined && seen.has(id)) continue;
        if (id !== undefined) seen.add(id);
        if (options.filter && !options.filter(item)) {
          skipped += 1;
          continue;
        }
        items.push(item);
      }
      const next = parseLinkHeader(response.headers.get('link'))['next'];
      if (items.length >= max || read >= this.maxItems) {
        truncated = next !== undefined || consumed < list.length;
        break;
      }
      url = next === undefined ? undefined : this.#checkNext(next, options.what);
    }
    return { items, pages, truncated, totalCount, skipped };
  }

  /** A next-page URL must stay on the configured API: the token must never go anywhere else. */
  #checkNext(next: string, what: string): string {
    let parsed: URL;
    try {
      parsed = new URL(next, this.apiUrl);
    } catch {
      throw new ToolError('upstream', `GitHub's Link header for ${what} is not a URL`);
    }
    if (parsed.origin !== this.origin) throw new ToolError('upstream', `GitHub's Link header for ${what} points outside GITHUB_API_URL (${parsed.origin}); not followed`);
    return parsed.toString();
  }

  #url(path: string, query: Query | undefined): string {
    const url = new URL(`${this.apiUrl}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    return url.toString();
  }

  async #authorization(): Promise<string> {
    if (this.auth.kind === 'token') return this.auth.token;
    const token = await this.#tokens!.get();
    this.#remember(token);
    return token;
  }

  /** Remembers a token to redact; only the latest few (one is minted an hour). */
  #remember(token: string): void {
    this.#secrets.delete(token);
    this.#secrets.add(token);
    if (this.#secrets.size > 8) this.#secrets.delete(this.#secrets.values().next().value!);
  }

  async #send(method: string, url: string, body: unknown, signal: AbortSignal | undefined, what: string, idempotent: boolean): Promise<{ data: unknown; status: number; headers: Headers }> {
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelled(what);
      const token = await this.#authorization();
      const outcome = await this.#attempt(method, url, { authorization: `Bearer ${token}` }, body, signal);
      let retryIn: number | undefined;
      let failure: ToolError;
      if (outcome.kind === 'response') {
        const { response, text } = outcome;
        const rate = readRateLimit(response.headers);
        if (rate) this.#rate = rate;
        if ((response.status >= 200 && response.status < 300) || response.status === 304) {
          if (rate && rate.limit > 0 && rate.remaining / rate.limit < 0.1 && rate.remaining > 0 && rate.remaining % 50 === 0) {
            this.#log?.warn({ remaining: rate.remaining, limit: rate.limit, resource: rate.resource }, 'github: primary rate limit running low');
          }
          return { data: parseJson(text, what), status: response.status, headers: response.headers };
        }
        const errorBody = this.#redactBody(parseErrorBody(text));
        if (response.status === 401) {
          // An installation token may have been revoked or expired early: mint a new one once.
          if (this.#tokens && !refreshedToken) {
            refreshedToken = true;
            this.#tokens.invalidate(token);
            this.#log?.info('github: installation token refused; minting a new one');
            attempt -= 1;
            continue;
          }
          throw credentialsRefused(this.auth, errorBody.message ?? '');
        }
        const limited = rateLimitSignal(response.status, response.headers, errorBody);
        if (limited) {
          retryIn = this.#rateLimitWait(limited, attempt);
          failure = rateLimitError(what, limited, response.status, attempt);
          if (retryIn === undefined || retryIn > this.maxRetryWaitMs || attempt >= this.#retry.maxAttempts) throw failure;
        } else {
          failure = statusError(what, response.status, errorBody, attempt);
          if (!(idempotent && RETRYABLE_STATUS.has(response.status)) || attempt >= this.#retry.maxAttempts) throw failure;
          retryIn = this.#backoff(attempt);
        }
        this.#log?.warn({ what, status: response.status, attempt, delayMs: Math.round(retryIn), limit: limited?.kind }, 'github: request failed; retrying');
      } else {
        failure =
          outcome.kind === 'timeout'
            ? new ToolError('upstream_timeout', `GitHub did not answer ${what} within ${this.timeoutMs} ms (GITHUB_TIMEOUT_MS)${attempt > 1 ? ` after ${attempt} attempts` : ''}`)
            : new ToolError('upstream', `cannot reach GitHub at ${this.origin} (${outcome.code})${attempt > 1 ? ` after ${attempt} attempts` : ''}: check GITHUB_API_URL and the network`);
        if (!idempotent || attempt >= this.#retry.maxAttempts) throw failure;
        retryIn = this.#backoff(attempt);
        this.#log?.warn({ what, failure: outcome.kind, attempt, delayMs: Math.round(retryIn) }, 'github: request failed; retrying');
      }
      try {
        await sleep(retryIn, signal);
      } catch {
        throw cancelled(what);
      }
    }
  }

  /** How long to wait before retrying a rate-limited request; exponential back-off when GitHub did not say. */
  #rateLimitWait(signal: RateLimitSignal, attempt: number): number | undefined {
    if (signal.kind === 'unspecified') return this.#backoff(attempt);
    return signal.waitMs;
  }

  #backoff(attempt: number): number {
    return backoffDelayMs(attempt, this.#retry);
  }

  async #attempt(method: string, url: string, auth: Record<string, string>, body: unknown, signal: AbortSignal | undefined): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': this.apiVersion,
      'user-agent': USER_AGENT,
      ...auth,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      // Never follow a redirect: the Authorization header would go wherever it points.
      const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: combined, redirect: 'manual' });
      const text = await response.text();
      return { kind: 'response', response, text };
    } catch (error) {
      if (signal?.aborted) throw cancelled('the request');
      if (timeout.aborted) return { kind: 'timeout' };
      return { kind: 'network', code: networkCode(error) };
    }
  }

  /** POST /app/installations/{id}/access_tokens with a fresh app JWT. */
  async #mintInstallationToken(): Promise<InstallationToken> {
    if (this.auth.kind !== 'app') throw new Error('not a GitHub App');
    const { appId, installationId, privateKey } = this.auth;
    const what = `minting an installation token for GITHUB_INSTALLATION_ID=${installationId}`;
    const url = this.#url(`/app/installations/${installationId}/access_tokens`, undefined);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt('POST', url, { authorization: `Bearer ${signAppJwt(appId, privateKey)}` }, undefined, undefined);
      if (outcome.kind !== 'response') {
        if (attempt < this.#retry.maxAttempts) {
          await sleep(this.#backoff(attempt));
          continue;
        }
        throw outcome.kind === 'timeout'
          ? new ToolError('upstream_timeout', `GitHub did not answer ${what} within ${this.timeoutMs} ms (GITHUB_TIMEOUT_MS)`)
          : new ToolError('upstream', `cannot reach GitHub at ${this.origin} (${outcome.code}) for ${what}: check GITHUB_API_URL`);
      }
      const { response, text } = outcome;
      if (response.status === 201 || response.status === 200) {
        const data = parseJson(text, what) as { token?: unknown; expires_at?: unknown };
        const expiresAt = typeof data.expires_at === 'string' ? Date.parse(data.expires_at) : Number.NaN;
        if (typeof data.token !== 'string' || Number.isNaN(expiresAt)) throw new ToolError('upstream', `GitHub answered ${what} without a token and expiry`);
        this.#remember(data.token);
        this.#log?.info({ expiresAt: new Date(expiresAt).toISOString() }, 'github: installation token minted');
        return { token: data.token, expiresAt };
      }
      const errorBody = this.#redactBody(parseErrorBody(text));
      if (response.status === 401) {
        throw new ToolError(
          'unconfigured',
          `GitHub refused the App's JWT (HTTP 401${errorBody.message ? `: ${errorBody.message}` : ''}); check GITHUB_APP_ID and GITHUB_PRIVATE_KEY (the App's key, not a revoked one) and that this machine's clock is right`,
          { missing: ['GITHUB_APP_ID', 'GITHUB_PRIVATE_KEY'] },
        );
      }
      if (response.status === 404) {
        throw new ToolError('unconfigured', `GitHub knows no installation ${installationId} of App ${appId} (HTTP 404); check GITHUB_INSTALLATION_ID`, { missing: ['GITHUB_INSTALLATION_ID'] });
      }
      const limited = rateLimitSignal(response.status, response.headers, errorBody);
      const retryable = limited ? limited.kind !== 'unspecified' && limited.waitMs <= this.maxRetryWaitMs : RETRYABLE_STATUS.has(response.status);
      if (!retryable || attempt >= this.#retry.maxAttempts) throw limited ? rateLimitError(what, limited, response.status, attempt) : statusError(what, response.status, errorBody, attempt);
      await sleep(limited && limited.kind !== 'unspecified' ? limited.waitMs : this.#backoff(attempt));
    }
  }

  #redactBody(body: GithubErrorBody): GithubErrorBody {
    if (body.message === undefined) return body;
    let message = body.message;
    for (const secret of this.#secrets) if (secret.length >= 8) message = message.split(secret).join('[redacted]');
    return { ...body, message };
  }
}

function parseJson(text: string, what: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ToolError('upstream', `GitHub answered ${what} with a body that is not JSON: check GITHUB_API_URL points at the REST API`);
  }
}

function cancelled(what: string): ToolError {
  return new ToolError('upstream_timeout', `${what} was cancelled before GitHub answered`);
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause && typeof cause.code === 'string' ? cause.code : 'network error';
}
