import { DEFAULT_RETRY_POLICY, ToolError, backoffDelayMs, parseRetryAfter, sleep, type Logger, type RetryPolicy } from '@mcpgw/worker-kit';

/** How to reach one n8n instance. */
export interface N8nClientOptions {
  /** The instance's base URL, e.g. `https://n8n.example.com` (`/api/v1` is appended). */
  baseUrl: string;
  /** Base of production webhook URLs; default `baseUrl`. */
  webhookUrl?: string;
  /** Sent as `X-N8N-API-KEY`; never logged or returned. */
  apiKey: string;
  /** Per-request timeout; default 15 000 ms. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** A value of a query parameter; undefined parameters are left out. */
export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** What the request does, for messages: `list workflows`, `activate workflow abc`. */
  what: string;
  /** May the request be repeated after a timeout or a 5xx (reads, activate/deactivate)? A 429 is always retried. */
  idempotent: boolean;
  /** The API-key scope the request needs (named when n8n answers 403). */
  scope?: string;
  /** The message of a 404, e.g. `n8n has no workflow "abc"`. */
  notFound?: string;
  /** Attempts in all (default the client's retry policy); 1 for an honest single answer (health probes). */
  attempts?: number;
}

/** One page of a cursor-paginated list. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface CollectOptions {
  signal?: AbortSignal | undefined;
  /** Stop after this many items. */
  max: number;
  /** Items asked for per request (at most 250). */
  pageSize: number;
  /** Continue a listing from a `nextCursor` given earlier. */
  cursor?: string | undefined;
  what: string;
  scope?: string;
  /** Stops paging at the first item for which this is true (the item is not returned), e.g. older than `since`. */
  until?: (item: unknown) => boolean;
}

/** Items from one or more pages, and where to continue. */
export interface Collected<T> {
  items: T[];
  /** Pass back as `cursor` for the next items; null when the list is exhausted. */
  nextCursor: string | null;
  pages: number;
}

/** What a production (or test) webhook answered. */
export interface WebhookAnswer {
  status: number;
  /** The parsed JSON body, or the text (cut at 8000 characters) when it is not JSON. */
  body: unknown;
  contentType: string | null;
}

/** n8n's page size cap (integrations.md §6.3). */
export const MAX_PAGE_SIZE = 250;
const MAX_TEXT = 8_000;

type Attempt =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string };

/**
 * A client of n8n's public REST API (`<base>/api/v1`, `X-N8N-API-KEY`) and its production webhooks.
 * Follows `nextCursor` pages up to a caller's bound, retries idempotent requests on timeouts and 5xx
 * with jittered back-off, waits out a 429's `Retry-After` when it is short (any request: a 429 was
 * not processed), and turns every failure into a ToolError whose message names what to fix and never
 * holds the key.
 */
export class N8nClient {
  /** Scheme, host and port of the instance: safe to show. */
  readonly origin: string;
  readonly apiUrl: string;
  readonly webhookUrl: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly #apiKey: string;
  readonly #log: Logger | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: N8nClientOptions) {
    const base = options.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.origin = new URL(base).origin;
    this.apiUrl = `${base}/api/v1`;
    this.webhookUrl = (options.webhookUrl ?? base).replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#log = options.log;
    this.#fetch = options.fetch ?? fetch;
  }

  /** One API request; the parsed JSON answer. */
  async api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions): Promise<T> {
    const url = new URL(`${this.apiUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json', 'X-N8N-API-KEY': this.#apiKey };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const answer = await this.#send(method, url, headers, body, options);
    if (answer.text.trim() === '') return {} as T;
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw new ToolError('upstream', `n8n at ${this.origin} answered ${options.what} with something that is not JSON: check N8N_API_URL points at the n8n instance`);
    }
  }

  /** One page of a list (`limit`, `cursor`); n8n answers `{data, nextCursor}`. */
  async page<T>(path: string, query: Record<string, QueryValue>, options: { limit: number; cursor?: string | undefined; signal?: AbortSignal | undefined; what: string; scope?: string }): Promise<Page<T>> {
    const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(options.limit)));
    const answer = await this.api<{ data?: unknown; nextCursor?: unknown }>('GET', path, {
      query: { ...query, limit, ...(options.cursor ? { cursor: options.cursor } : {}) },
      signal: options.signal,
      what: options.what,
      idempotent: true,
      ...(options.scope ? { scope: options.scope } : {}),
    });
    if (!Array.isArray(answer.data)) throw new ToolError('upstream', `n8n answered ${options.what} without a data list: check N8N_API_URL`);
    return { data: answer.data as T[], nextCursor: typeof answer.nextCursor === 'string' && answer.nextCursor !== '' ? answer.nextCursor : null };
  }

  /**
   * Follows `nextCursor` until `max` items (or the end, or `until`). n8n's cursor fixes the page size
   * of every later page, so a listing keeps one page size and, when it stops inside a page, returns a
   * cursor of its own (`mcpgw:…`: the cursor of that page and how many of its items were returned) so
   * the next call resumes exactly after the last item. An id seen twice (the list changed between
   * pages) is kept once.
   */
  async collect<T extends { id?: unknown }>(path: string, query: Record<string, QueryValue>, options: CollectOptions): Promise<Collected<T>> {
    const items: T[] = [];
    const seen = new Set<unknown>();
    let { cursor, limit, skip } = resumePoint(options.cursor, Math.min(options.pageSize, options.max, MAX_PAGE_SIZE));
    let pages = 0;
    for (;;) {
      const page = await this.page<T>(path, query, { limit, cursor, signal: options.signal, what: options.what, ...(options.scope ? { scope: options.scope } : {}) });
      pages++;
      for (let i = skip; i < page.data.length; i++) {
        const item = page.data[i]!;
        if (options.until?.(item)) return { items, nextCursor: null, pages };
        if (items.length >= options.max) return { items, nextCursor: encodeResume(cursor, limit, i), pages };
        if (item.id !== undefined && seen.has(item.id)) continue;
        seen.add(item.id);
        items.push(item);
      }
      skip = 0;
      if (page.nextCursor === null || page.data.length === 0) return { items, nextCursor: null, pages };
      cursor = page.nextCursor;
      if (items.length >= options.max) return { items, nextCursor: cursor, pages };
    }
  }

  /**
   * Calls a workflow's webhook: `<webhookUrl>/webhook/<path>` (or `/webhook-test/<path>`). The payload
   * is the JSON body, or the query string for GET/HEAD/DELETE webhooks. Only a 429 is retried: after
   * a timeout or a 5xx the workflow may have run.
   */
  async webhook(method: string, path: string, payload: Record<string, unknown>, options: { test?: boolean; signal?: AbortSignal | undefined; what: string }): Promise<WebhookAnswer> {
    const url = new URL(`${this.webhookUrl}/${options.test ? 'webhook-test' : 'webhook'}/${path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/')}`);
    const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.5' };
    let body: string | undefined;
    if (['GET', 'HEAD', 'DELETE'].includes(method)) {
      for (const [name, value] of Object.entries(payload)) url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload);
    }
    const answer = await this.#send(method, url, headers, body, { what: options.what, idempotent: false, signal: options.signal, webhook: true });
    const contentType = answer.headers.get('content-type');
    let parsed: unknown = answer.text.length > MAX_TEXT ? `${answer.text.slice(0, MAX_TEXT)}…` : answer.text;
    if (answer.text.trim() !== '') {
      try {
        parsed = JSON.parse(answer.text);
      } catch {
        // Not JSON: the Webhook node may answer text or HTML; kept as (cut) text.
      }
    } else parsed = null;
    return { status: answer.status, body: parsed, contentType };
  }

  /** Sends with retries; resolves with a 2xx response (or, for webhooks, any answer n8n gave), rejects with a ToolError. */
  async #send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    options: Omit<RequestOptions, 'query' | 'body'> & { webhook?: boolean },
  ): Promise<{ status: number; headers: Headers; text: string }> {
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw this.#cancelled(options.what);
      const result = await this.#attempt(method, url, headers, body, options.signal, options.what);
      if (result.kind === 'response' && result.status >= 200 && result.status < 300) return result;
      if (result.kind === 'response' && options.webhook && result.status !== 429 && result.status < 500) return result;
      if (result.kind === 'response' && options.webhook && result.status >= 500 && isN8nJson(result)) return result;
      const retryAfterMs = result.kind === 'response' && result.status === 429 ? parseRetryAfter(result.headers.get('retry-after')) : undefined;
      const retryable =
        result.kind === 'response' ? result.status === 429 || (options.idempotent && result.status >= 500) : options.idempotent;
      const tooLong = retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs;
      if (!retryable || tooLong || attempt >= (options.attempts ?? this.retry.maxAttempts)) throw this.#toError(result, options, attempt);
      const delayMs = retryAfterMs ?? backoffDelayMs(attempt, this.retry);
      this.#log?.warn({ what: options.what, attempt, delayMs, failure: result.kind === 'response' ? result.status : result.kind }, 'n8n request failed; retrying');
      try {
        await sleep(delayMs, options.signal);
      } catch {
        throw this.#cancelled(options.what);
      }
    }
  }

  async #attempt(method: string, url: URL, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined, what: string): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      // Never follow a redirect: the key header would go wherever it points.
      const response = await this.#fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: combined, redirect: 'manual' });
      const text = await response.text();
      return { kind: 'response', status: response.status, headers: response.headers, text };
    } catch (error) {
      if (signal?.aborted) throw this.#cancelled(what);
      if (timeout.aborted) return { kind: 'timeout' };
      return { kind: 'network', code: networkCode(error) };
    }
  }

  #cancelled(what: string): ToolError {
    return new ToolError('upstream_timeout', `${what} was cancelled before n8n answered`);
  }

  /** A caller-safe error: what failed, n8n's own reason (without the key), and what to do. */
  #toError(result: Attempt, options: Omit<RequestOptions, 'query' | 'body'> & { webhook?: boolean }, attempts: number): ToolError {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    if (result.kind === 'timeout') {
      return new ToolError('upstream_timeout', `n8n did not answer ${options.what} within ${this.timeoutMs} ms (N8N_TIMEOUT_MS)${tries}`);
    }
    if (result.kind === 'network') {
      const variable = options.webhook ? 'N8N_WEBHOOK_URL (or N8N_API_URL)' : 'N8N_API_URL';
      return new ToolError('upstream', `cannot reach n8n at ${options.webhook ? new URL(this.webhookUrl).origin : this.origin} (${result.code})${tries}: check ${variable} and that n8n is up`);
    }
    const reason = this.#reason(result.text);
    const said = reason ? `: ${reason}` : '';
    switch (result.status) {
      case 401:
        return new ToolError(
          'unconfigured',
          `n8n refused the API key (HTTP 401${said}) on ${options.what}: N8N_API_KEY is missing, wrong, revoked or expired; create a key under Settings > n8n API and set N8N_API_KEY`,
          { missing: ['N8N_API_KEY'] },
        );
      case 403:
        return new ToolError(
          'rejected',
          `n8n refused ${options.what} (HTTP 403${said}): the API key lacks the permission${options.scope ? ` (scope ${options.scope})` : ''}; give the key that scope under Settings > n8n API, or use an owner's key`,
        );
      case 404:
        return new ToolError('not_found', options.notFound ?? `n8n has nothing at ${options.what} (HTTP 404${said})`);
      case 409:
        return new ToolError('rejected', `n8n refused ${options.what} (HTTP 409 conflict)${said}`);
      case 400:
      case 422:
        return new ToolError('invalid_arguments', `n8n rejected the arguments of ${options.what} (HTTP ${result.status})${said}`);
      case 429: {
        const retryAfterMs = parseRetryAfter(result.headers.get('retry-after'));
        const retryAfter = retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1_000));
        return new ToolError(
          'upstream',
          `n8n is rate-limiting requests (HTTP 429) to ${options.what}${tries}${retryAfter === undefined ? '' : `; it asks to retry after ${retryAfter} s`}`,
          retryAfter === undefined ? {} : { retryAfter },
        );
      }
    }
    if (result.status >= 300 && result.status < 400) {
      return new ToolError('upstream', `n8n answered ${options.what} with a redirect (HTTP ${result.status}), which is not followed: check ${options.webhook ? 'N8N_WEBHOOK_URL' : 'N8N_API_URL'} (https, exact host)`);
    }
    if (result.status >= 500) return new ToolError('upstream', `n8n failed on ${options.what} (HTTP ${result.status})${said}${tries}`);
    return new ToolError('failed', `n8n refused ${options.what} (HTTP ${result.status})${said}`);
  }

  /** n8n's `message` (and `hint`/`description`) from an error body, one line, bounded, without the key. */
  #reason(text: string): string {
    let reason = '';
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      reason = [body['message'], body['description'], body['hint']].filter((p): p is string => typeof p === 'string' && p !== '').join(' — ');
    } catch {
      // An HTML page from a proxy: no reason worth quoting.
    }
    if (this.#apiKey.length >= 4) reason = reason.split(this.#apiKey).join('[redacted]');
    reason = reason.replace(/\s+/g, ' ').trim();
    return reason.length > 400 ? `${reason.slice(0, 400)}…` : reason;
  }
}

const RESUME_PREFIX = 'mcpgw:';

/** A cursor that resumes inside a page: the cursor of that page (none for the first), its size, and the items to skip. */
function encodeResume(cursor: string | undefined, limit: number, skip: number): string {
  return `${RESUME_PREFIX}${Buffer.from(JSON.stringify({ c: cursor ?? null, l: limit, s: skip })).toString('base64url')}`;
}

/** Where a listing starts: from scratch, from a cursor of n8n, or from one of `encodeResume`. */
function resumePoint(cursor: string | undefined, pageSize: number): { cursor: string | undefined; limit: number; skip: number } {
  if (cursor === undefined || cursor === '') return { cursor: undefined, limit: pageSize, skip: 0 };
  if (!cursor.startsWith(RESUME_PREFIX)) return { cursor, limit: pageSize, skip: 0 };
  try {
    const value = JSON.parse(Buffer.from(cursor.slice(RESUME_PREFIX.length), 'base64url').toString('utf8')) as { c?: unknown; l?: unknown; s?: unknown };
    const valid =
      (value.c === null || (typeof value.c === 'string' && value.c !== '')) &&
      Number.isInteger(value.l) && (value.l as number) >= 1 && (value.l as number) <= MAX_PAGE_SIZE &&
      Number.isInteger(value.s) && (value.s as number) >= 0 && (value.s as number) < (value.l as number);
    if (valid) return { cursor: (value.c as string | null) ?? undefined, limit: value.l as number, skip: value.s as number };
  } catch {
    // fall through
  }
  throw new ToolError('invalid_arguments', 'cursor is not one this worker returned: pass the nextCursor of the previous answer unchanged');
}

/** A JSON body from n8n itself (a workflow that failed answers 500 `{"message":"Error in workflow"}`), not a proxy's page. */
function isN8nJson(result: { text: string; headers: Headers }): boolean {
  if (!(result.headers.get('content-type') ?? '').includes('json')) return false;
  try {
    const body = JSON.parse(result.text) as unknown;
    return typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' && (body as { message: string }).message === 'Error in workflow';
  } catch {
    return false;
  }
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : 'network error';
}
