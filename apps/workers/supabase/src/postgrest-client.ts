import { ToolError, backoffDelayMs, parseRetryAfter, sleep, type Logger } from '@mcpgw/worker-kit';

/** A value PostgREST can compare a column with. */
export type FilterValue = string | number | boolean;

/** One typed PostgREST filter (`column=op.value`); filters are ANDed. */
export type Filter =
  | { column: string; op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'; value: FilterValue }
  | { column: string; op: 'ilike'; value: string }
  | { column: string; op: 'in'; value: readonly FilterValue[] }
  | { column: string; op: 'is'; value: null | boolean };

export interface Order {
  column: string;
  ascending?: boolean;
  nulls?: 'first' | 'last';
}

export interface SelectOptions {
  /** Columns to return; all when omitted. */
  columns?: readonly string[];
  filters?: readonly Filter[];
  /** Include a unique column (e.g. `id`) last, so pages never overlap or skip rows. */
  order?: readonly Order[];
  /** Rows `from`..`to` (inclusive, 0-based), sent as a `Range` header. */
  range?: { from: number; to: number };
  /** Ask for the total (`Prefer: count=...`); default exact. */
  count?: 'exact' | 'planned' | 'estimated' | 'none';
  signal?: AbortSignal;
  /** Retry failed attempts (default true); health checks want one honest answer instead. */
  retry?: boolean;
}

/** One response: its rows and what `Content-Range` said. */
export interface SelectPage<T> {
  rows: T[];
  /** Total matching rows, when a count was asked for and given. */
  total: number | null;
  /** First and last row index of this page, null when it is empty. */
  from: number | null;
  to: number | null;
}

export interface SelectAllOptions extends Omit<SelectOptions, 'range'> {
  /** Stop after this many rows (default: the client's maxRows). */
  limit?: number;
  /** Rows asked for per request (default: the client's pageSize, at most `limit`). */
  pageSize?: number;
}

/** Every row up to a limit, read page by page. */
export interface SelectAllResult<T> {
  rows: T[];
  total: number | null;
  /** More rows matched than were read. */
  truncated: boolean;
  pages: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt, for reads only. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking to wait longer than this is reported at once instead of waited out. */
  maxRetryAfterMs: number;
}

export interface PostgrestClientOptions {
  /** Project URL (`https://<ref>.supabase.co`); `/rest/v1` is appended. */
  url: string;
  /** Secret (`sb_secret_...`) or legacy service_role JWT. Never logged, never put in an error. */
  key: string;
  /** Schema to read (`Accept-Profile`) and write (`Content-Profile`); default public. */
  schema?: string;
  /** Per-request timeout (SUPABASE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Default row cap of selectAll (SUPABASE_MAX_ROWS). */
  maxRows?: number;
  /** Default rows per Range request of selectAll (SUPABASE_PAGE_SIZE); default 1000. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Which variable holds the key: named in every authentication error. */
export const KEY_VARIABLE = 'SUPABASE_SERVICE_ROLE_KEY';

const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 };
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LEGACY_JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;
const RETRYABLE_STATUS = new Set([500, 502, 503, 504, 520, 522, 524]);

interface PostgrestErrorBody {
  code?: string;
  message?: string;
  details?: string | null;
  hint?: string | null;
}

/** Why one attempt failed, and whether another may succeed. */
type AttemptFailure =
  | { kind: 'status'; status: number; body: PostgrestErrorBody; retryAfterMs: number | undefined }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string };

/**
 * A small client of Supabase's Data API (PostgREST, `/rest/v1`): typed filters, `Range` paging with
 * `Prefer: count=exact`, and the failure handling a real upstream needs — reads are retried on 5xx,
 * timeouts and network errors with jittered back-off, 429s wait out `Retry-After` when it is short,
 * all bounded by the caller's signal; writes are never retried. Failures become ToolErrors whose
 * messages never contain the key.
 */
export class PostgrestClient {
  readonly restUrl: string;
  readonly schema: string;
  readonly timeoutMs: number;
  readonly maxRows: number;
  readonly pageSize: number;
  private readonly key: string;
  private readonly retry: RetryPolicy;
  private readonly log: Logger | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly origin: string;

  constructor(options: PostgrestClientOptions) {
    this.restUrl = `${options.url.replace(/\/+$/, '').replace(/\/rest\/v1$/, '')}/rest/v1`;
    this.origin = new URL(this.restUrl).host;
    this.key = options.key;
    this.schema = options.schema ?? 'public';
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxRows = options.maxRows ?? 1_000;
    this.pageSize = options.pageSize ?? 1_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.log;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Whether the key is a legacy JWT (sent as `Authorization: Bearer` as well as `apikey`). */
  get legacyKey(): boolean {
    return LEGACY_JWT.test(this.key);
  }

  /** One request: the rows of `table` in the asked range, and the total when counted. */
  async select<T = Record<string, unknown>>(table: string, options: SelectOptions = {}): Promise<SelectPage<T>> {
    const url = this.tableUrl(table);
    url.searchParams.set('select', options.columns && options.columns.length > 0 ? options.columns.map(identifier).join(',') : '*');
    for (const filter of options.filters ?? []) url.searchParams.append(identifier(filter.column), encodeFilter(filter));
    if (options.order && options.order.length > 0) url.searchParams.set('order', options.order.map(encodeOrder).join(','));
    const headers = this.headers({ Accept: 'application/json' });
    if (this.schema !== 'public') headers['Accept-Profile'] = this.schema;
    const count = options.count ?? 'exact';
    if (count !== 'none') headers['Prefer'] = `count=${count}`;
    if (options.range) {
      const { from, to } = options.range;
      if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) throw new Error(`bad range ${from}-${to}`);
      headers['Range-Unit'] = 'items';
      headers['Range'] = `${from}-${to}`;
    }
    const response = await this.send(table, 'GET', url, headers, undefined, options.signal, options.retry ?? true);
    const contentRange = parseContentRange(response.headers.get('content-range'));
    if (response.status === 416) {
      await response.body?.cancel();
      return { rows: [], total: contentRange.total, from: null, to: null };
    }
    const rows = (await this.readJson(response, table)) as T[];
    if (!Array.isArray(rows)) throw new ToolError('upstream', `Supabase answered ${table} with something that is not a list of rows`);
    return { rows, total: contentRange.total, from: contentRange.from, to: contentRange.to };
  }

  /**
   * Reads every matching row up to `limit`, one `Range` page after another, following what the
   * server actually returned (Supabase caps a response at db-max-rows, often below what was asked).
   */
  async selectAll<T = Record<string, unknown>>(table: string, options: SelectAllOptions = {}): Promise<SelectAllResult<T>> {
    const limit = Math.max(1, Math.min(options.limit ?? this.maxRows, this.maxRows));
    const pageSize = Math.max(1, Math.min(options.pageSize ?? this.pageSize, limit));
    const rows: T[] = [];
    let total: number | null = null;
    let pages = 0;
    let from = 0;
    for (;;) {
      const to = Math.min(from + pageSize, limit) - 1;
      const page = await this.select<T>(table, { ...options, range: { from, to }, count: pages === 0 ? (options.count ?? 'exact') : 'none' });
      pages += 1;
      if (pages === 1) total = page.total;
      rows.push(...page.rows);
      const asked = to - from + 1;
      from += page.rows.length;
      // Without a total, a short page is taken as the last one.
      const exhausted = page.rows.length === 0 || (total !== null ? from >= total : page.rows.length < asked);
      if (exhausted || from >= limit) break;
    }
    const truncated = total !== null ? total > rows.length : rows.length >= limit;
    return { rows: rows.slice(0, limit), total, truncated, pages };
  }

  /** Inserts rows and returns them as stored. Never retried: a timed-out insert may have landed. */
  async insert<T = Record<string, unknown>>(table: string, rows: readonly Record<string, unknown>[], options: { signal?: AbortSignal } = {}): Promise<T[]> {
    const url = this.tableUrl(table);
    const headers = this.headers({ Accept: 'application/json', 'Content-Type': 'application/json', Prefer: 'return=representation' });
    if (this.schema !== 'public') headers['Content-Profile'] = this.schema;
    const response = await this.send(table, 'POST', url, headers, JSON.stringify(rows), options.signal, false);
    return (await this.readJson(response, table)) as T[];
  }

  /** The cheapest real request: one row (or none) of `table`, with no count. */
  async ping(table: string, signal?: AbortSignal): Promise<void> {
    await this.select(table, { range: { from: 0, to: 0 }, count: 'none', retry: false, ...(signal ? { signal } : {}) });
  }

  private tableUrl(table: string): URL {
    return new URL(`${this.restUrl}/${identifier(table)}`);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    // Secret keys are refused with a browser-like User-Agent; say plainly what we are.
    const headers: Record<string, string> = { apikey: this.key, 'User-Agent': 'mcp-gateway-supabase-worker', ...extra };
    if (this.legacyKey) headers['Authorization'] = `Bearer ${this.key}`;
    return headers;
  }

  private async send(
    table: string,
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
    retryable: boolean,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw cancelled();
      const failure = await this.attempt(method, url, headers, body, signal);
      if (failure instanceof Response) return failure;
      const canRetry = retryable && attempt < this.retry.maxRetries && isRetryable(failure);
      let delayMs = this.backoff(attempt);
      if (failure.kind === 'status' && failure.status === 429 && failure.retryAfterMs !== undefined) {
        delayMs = failure.retryAfterMs;
      }
      if (!canRetry || delayMs > this.retry.maxRetryAfterMs) throw this.toError(table, failure);
      this.log?.warn(
        { table, method, attempt: attempt + 1, delayMs: Math.round(delayMs), failure: failure.kind === 'status' ? failure.status : failure.kind },
        'supabase request failed; retrying',
      );
      try {
        await sleep(delayMs, signal);
      } catch {
        throw cancelled();
      }
    }
  }

  /** One HTTP exchange: the response when it succeeded (2xx or 416), the reason otherwise. */
  private async attempt(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response | AttemptFailure> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      // Never follow a redirect: the apikey header would go wherever it points.
      response = await this.fetchImpl(url, { method, headers, ...(body === undefined ? {} : { body }), signal: combined, redirect: 'manual' });
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      if (timeout.aborted) return { kind: 'timeout' };
      return { kind: 'network', code: networkCode(error) };
    }
    if ((response.status >= 200 && response.status < 300) || response.status === 416) return response;
    let text = '';
    try {
      text = await response.text();
    } catch {
      if (signal?.aborted) throw cancelled();
      if (timeout.aborted) return { kind: 'timeout' };
    }
    return { kind: 'status', status: response.status, body: parseErrorBody(text), retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
  }

  /** `attempt` counts from 0 here: the back-off before retry `attempt + 1`. */
  private backoff(attempt: number): number {
    return backoffDelayMs(attempt + 1, this.retry);
  }

  private async readJson(response: Response, table: string): Promise<unknown> {
    const text = await response.text();
    if (text === '') return [];
    try {
      return JSON.parse(text);
    } catch {
      throw new ToolError('upstream', `Supabase answered ${table} with a body that is not JSON (HTTP ${response.status})`);
    }
  }

  /** A caller-safe error: what failed, the upstream's own reason (key removed), and what to do. */
  private toError(table: string, failure: AttemptFailure): ToolError {
    if (failure.kind === 'timeout') {
      return new ToolError('upstream_timeout', `Supabase did not answer ${table} within ${this.timeoutMs} ms (SUPABASE_TIMEOUT_MS)`);
    }
    if (failure.kind === 'network') return new ToolError('upstream', `cannot reach Supabase at ${this.origin} (${failure.code})`);
    const { status, body } = failure;
    const reason = this.redact(describeBody(body));
    const code = body.code ?? '';
    if (status === 401 || status === 403) return unauthorizedError(status, reason);
    if (status === 404 || code === 'PGRST205' || code === '42P01') {
      return new ToolError('not_found', `table ${this.schema}.${table} is not served by the Data API${reason ? ` (${reason})` : ''}; apply the operational schema migrations`);
    }
    if (code === '42703') return new ToolError('not_found', `${table}: ${reason}`);
    if (status === 429) {
      const retryAfter = failure.retryAfterMs === undefined ? undefined : Math.ceil(failure.retryAfterMs / 1_000);
      return new ToolError(
        'upstream',
        `Supabase is rate limiting requests (HTTP 429)${retryAfter === undefined ? '' : `; retry after ${retryAfter} s`}`,
        retryAfter === undefined ? {} : { retryAfter },
      );
    }
    if (code === '57014') return new ToolError('upstream_timeout', `Supabase cancelled the query on ${table} (statement timeout)`);
    if (code === 'PGRST106') return new ToolError('failed', `schema ${this.schema} is not exposed by the Data API (${reason}); check SUPABASE_SCHEMA`);
    if (status === 409) return new ToolError('rejected', `Supabase refused the write to ${table}: ${reason}`);
    if (status >= 500) return new ToolError('upstream', `Supabase failed (HTTP ${status})${reason ? `: ${reason}` : ''}`);
    return new ToolError('failed', `Supabase refused the request on ${table} (HTTP ${status})${reason ? `: ${reason}` : ''}`);
  }

  private redact(text: string): string {
    return text.split(this.key).join('[redacted]').slice(0, 300);
  }
}

/**
 * The answer to a refused key. The protocol has no `unauthorized` kind, so it is reported as a
 * configuration problem that names the variable to fix (SERVICE_UNCONFIGURED at the gateway, not retried).
 */
export function unauthorizedError(status: number, reason: string): ToolError {
  return new ToolError(
    'unconfigured',
    `Supabase refused the key (HTTP ${status}${reason ? `: ${reason}` : ''}); check ${KEY_VARIABLE} holds the project's secret (sb_secret_...) or service_role key`,
    { missing: [KEY_VARIABLE] },
  );
}

function cancelled(): ToolError {
  return new ToolError('upstream_timeout', 'the call was cancelled before Supabase answered');
}

function isRetryable(failure: AttemptFailure): boolean {
  if (failure.kind !== 'status') return true;
  return failure.status === 429 || RETRYABLE_STATUS.has(failure.status);
}

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain column or table name`);
  return name;
}

/** `in.(...)` items are quoted when they hold PostgREST's reserved characters. */
function listItem(value: FilterValue): string {
  const text = String(value);
  return /[,()"\\\s.:]/.test(text) ? `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"` : text;
}

function encodeFilter(filter: Filter): string {
  switch (filter.op) {
    case 'in':
      return `in.(${filter.value.map(listItem).join(',')})`;
    case 'is':
      return `is.${filter.value === null ? 'null' : String(filter.value)}`;
    default:
      return `${filter.op}.${String(filter.value)}`;
  }
}

function encodeOrder(order: Order): string {
  return `${identifier(order.column)}.${order.ascending === false ? 'desc' : 'asc'}${order.nulls ? `.nulls${order.nulls}` : ''}`;
}

/** `0-24/3573458`, `0-24/*`, `*\/0` (empty). */
export function parseContentRange(header: string | null): { from: number | null; to: number | null; total: number | null } {
  const match = /^\s*(?:(\d+)-(\d+)|\*)\s*\/\s*(\d+|\*)\s*$/.exec(header ?? '');
  if (!match) return { from: null, to: null, total: null };
  const [, from, to, total] = match;
  return {
    from: from === undefined ? null : Number(from),
    to: to === undefined ? null : Number(to),
    total: total === undefined || total === '*' ? null : Number(total),
  };
}

function parseErrorBody(text: string): PostgrestErrorBody {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
      return {
        ...(str(v['code']) !== undefined ? { code: str(v['code'])! } : {}),
        ...(str(v['message']) !== undefined ? { message: str(v['message'])! } : str(v['msg']) !== undefined ? { message: str(v['msg'])! } : {}),
        details: str(v['details']) ?? null,
        hint: str(v['hint']) ?? null,
      };
    }
  } catch {
    // Not JSON (an HTML error page from a proxy): keep only its status.
  }
  return {};
}

function describeBody(body: PostgrestErrorBody): string {
  const parts = [body.message, body.details, body.hint ? `hint: ${body.hint}` : undefined].filter((p): p is string => Boolean(p));
  const text = parts.join('; ');
  return body.code ? `${text}${text ? ' ' : ''}[${body.code}]` : text;
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause && typeof cause.code === 'string' ? cause.code : undefined;
  return code ?? 'network error';
}
