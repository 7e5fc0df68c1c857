import { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfter, sleep, type Logger, type RetryPolicy } from '@mcpgw/worker-kit';
import { OdooAuthFailure, OdooFault, TransportFailure, toToolError, type OdooErrorEnvelope } from './odoo-errors.js';

/** How to reach one Odoo database as one user. */
export interface OdooClientOptions {
  /** Base URL of the server, e.g. `https://erp.example.com` (`/jsonrpc` is appended). */
  url: string;
  db: string;
  username: string;
  /** API key (or password): sent on every call, never logged or returned. */
  apiKey: string;
  /** Per-request timeout; default 15 000 ms. */
  timeoutMs?: number;
  /** Retries of reads; default 3 attempts, 250 ms doubling back-off, Retry-After honoured up to 30 s. */
  retry?: Partial<RetryPolicy>;
  log?: Logger;
}

/** `common.version()`: needs no authentication. */
export interface OdooVersion {
  serverVersion: string;
  /** e.g. `[17, 0, 0, 'final', 0, '']`. */
  serverVersionInfo: unknown[];
  serverSerie: string;
  protocolVersion: number | null;
  /** The major version (17 for `17.0`, `saas~17.2`); null when unreadable. */
  major: number | null;
}

/** An Odoo domain: triples and prefix operators, already validated by the caller. */
export type OdooDomain = unknown[];

/** One record as Odoo returns it: many2one `[id, name]` or `false`, empty values `false`. */
export type OdooRecord = Record<string, unknown> & { id: number };

export interface CallOptions {
  signal?: AbortSignal;
}

export interface SearchOptions extends CallOptions {
  fields?: string[];
  offset?: number;
  limit?: number;
  order?: string;
  context?: Record<string, unknown>;
}

/** A page of records and how many match in all. */
export interface SearchPage {
  records: OdooRecord[];
  total: number;
}

/** Field metadata from `fields_get`, reduced to what the worker uses. */
export interface OdooField {
  type: string;
  string?: string;
}

/** ORM methods that never write: only these are retried. */
const READ_METHODS = new Set([
  'search',
  'search_read',
  'search_count',
  'search_fetch',
  'read',
  'read_group',
  'formatted_read_group',
  'fields_get',
  'name_search',
  'default_get',
  'check_access_rights',
  'has_access',
]);

/**
 * A client of Odoo's external JSON-RPC API (`POST /jsonrpc`, integrations.md §1.3): authenticates
 * with the API key in place of the password, caches the uid, authenticates again once when Odoo says
 * the session expired (or refuses a cached uid), retries reads on 429 / 5xx / timeouts / serialization
 * conflicts and never retries writes. Every failure leaves as a ToolError whose message carries
 * Odoo's reason but never its traceback or the key.
 */
export class OdooClient {
  readonly db: string;
  readonly username: string;
  /** Scheme, host and port of the server: safe to show (no path, no credentials). */
  readonly origin: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly #endpoint: string;
  readonly #apiKey: string;
  readonly #log: Logger | undefined;
  #uid: Promise<number> | undefined;
  #nextId = 1;
  readonly #fields = new Map<string, Promise<Record<string, OdooField>>>();

  constructor(options: OdooClientOptions) {
    const base = options.url.replace(/\/+$/, '');
    const parsed = new URL(base);
    this.origin = parsed.origin;
    this.#endpoint = `${base}/jsonrpc`;
    this.db = options.db;
    this.username = options.username;
    this.#apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#log = options.log;
  }

  /** `common.version()`, no authentication: the cheapest probe that Odoo (not a proxy) is answering. */
  async version(options: CallOptions = {}): Promise<OdooVersion> {
    const result = await this.#guard('version', options, () => this.#call('common', 'version', [], 'version', true, options.signal));
    const v = (result ?? {}) as Record<string, unknown>;
    const info = Array.isArray(v['server_version_info']) ? (v['server_version_info'] as unknown[]) : [];
    const serverVersion = typeof v['server_version'] === 'string' ? v['server_version'] : String(info[0] ?? 'unknown');
    const serie = typeof v['server_serie'] === 'string' ? v['server_serie'] : serverVersion;
    const majorFromInfo = typeof info[0] === 'number' ? info[0] : Number.NaN;
    const majorFromText = Number(/(\d+)\./.exec(serverVersion)?.[1] ?? Number.NaN);
    const major = Number.isFinite(majorFromInfo) ? majorFromInfo : Number.isFinite(majorFromText) ? majorFromText : null;
    return {
      serverVersion,
      serverVersionInfo: info,
      serverSerie: serie,
      protocolVersion: typeof v['protocol_version'] === 'number' ? v['protocol_version'] : null,
      major,
    };
  }

  /** Authenticates now (replacing any cached uid) and returns the uid. */
  async authenticate(options: CallOptions = {}): Promise<number> {
    const fresh = this.#authenticate();
    this.#uid = fresh;
    fresh.catch(() => {
      if (this.#uid === fresh) this.#uid = undefined;
    });
    return this.#guard('authenticate', options, () => abortable(fresh, options.signal));
  }

  /** Forgets the cached uid: the next call authenticates again. */
  resetSession(): void {
    this.#uid = undefined;
  }

  /**
   * `object.execute_kw(db, uid, key, model, method, args, kwargs)`. Reads (search, read, *_count,
   * read_group, fields_get, ...) are retried; anything else is sent exactly once.
   */
  async executeKw<T = unknown>(model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    const what = `${model}.${method}`;
    const retry = READ_METHODS.has(method);
    return this.#guard(what, options, () =>
      this.#withSession(options.signal, (uid) =>
        this.#call('object', 'execute_kw', [this.db, uid, this.#apiKey, model, method, args, kwargs], what, retry, options.signal),
      ),
    ) as Promise<T>;
  }

  /** `search_read` with the given domain, fields and paging. */
  searchRead(model: string, domain: OdooDomain, options: SearchOptions = {}): Promise<OdooRecord[]> {
    return this.executeKw<OdooRecord[]>(model, 'search_read', [domain], searchKwargs(options), options);
  }

  /** `search_count`: how many records match (for totals next to a page). */
  searchCount(model: string, domain: OdooDomain, options: CallOptions & { context?: Record<string, unknown> } = {}): Promise<number> {
    return this.executeKw<number>(model, 'search_count', [domain], options.context ? { context: options.context } : {}, options);
  }

  /**
   * One page plus the total: `search_count` and `search_read` with a stable order (`id` is appended
   * as a tie-breaker unless the order already sorts by it), as integrations.md §1.9 recommends.
   */
  async searchPage(model: string, domain: OdooDomain, options: SearchOptions = {}): Promise<SearchPage> {
    const order = stableOrder(options.order);
    const [total, records] = await Promise.all([
      this.searchCount(model, domain, options),
      this.searchRead(model, domain, { ...options, order }),
    ]);
    return { records, total };
  }

  /**
   * Reads every matching record, page by page (`offset`/`limit`, stable order), up to `maxRows`.
   * Records seen on an earlier page are skipped, so rows inserted meanwhile cannot appear twice.
   */
  async searchAll(
    model: string,
    domain: OdooDomain,
    options: SearchOptions & { pageSize?: number; maxRows: number },
  ): Promise<SearchPage & { truncated: boolean }> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 200, options.maxRows));
    const order = stableOrder(options.order);
    const total = await this.searchCount(model, domain, options);
    const seen = new Set<number>();
    const records: OdooRecord[] = [];
    let offset = options.offset ?? 0;
    while (records.length < options.maxRows) {
      const limit = Math.min(pageSize, options.maxRows - records.length);
      const page = await this.searchRead(model, domain, { ...options, order, offset, limit });
      for (const record of page) {
        if (seen.has(record.id)) continue;
        seen.add(record.id);
        records.push(record);
      }
      if (page.length < limit) break;
      offset += page.length;
    }
    return { records, total, truncated: records.length < total - (options.offset ?? 0) };
  }

  /** `read_group` (Odoo ≤ 18; still served by 19): aggregates such as `amount_total:sum` per group. */
  readGroup(
    model: string,
    domain: OdooDomain,
    fields: string[],
    groupby: string[],
    options: CallOptions & { lazy?: boolean; context?: Record<string, unknown> } = {},
  ): Promise<Record<string, unknown>[]> {
    const kwargs: Record<string, unknown> = { lazy: options.lazy ?? false };
    if (options.context) kwargs['context'] = options.context;
    return this.executeKw(model, 'read_group', [domain, fields, groupby], kwargs, options);
  }

  /** The model's fields (name → type), cached: lets tools adapt to the server version (e.g. ir.cron.failure_count ≥ 18). */
  async fields(model: string, options: CallOptions = {}): Promise<Record<string, OdooField>> {
    let cached = this.#fields.get(model);
    if (!cached) {
      cached = this.executeKw<Record<string, OdooField>>(model, 'fields_get', [], { attributes: ['type', 'string'] }, {});
      this.#fields.set(model, cached);
      cached.catch(() => this.#fields.delete(model));
    }
    return abortable(cached, options.signal);
  }

  /** Runs `fn` with a uid; on session expiry, or AccessDenied on a uid cached earlier, authenticates once more and retries. */
  async #withSession<T>(signal: AbortSignal | undefined, fn: (uid: number) => Promise<T>): Promise<T> {
    const wasCached = this.#uid !== undefined;
    const current = (this.#uid ??= this.#sharedAuthentication());
    const uid = await abortable(current, signal);
    try {
      return await fn(uid);
    } catch (error) {
      if (!(error instanceof OdooFault)) throw error;
      if (error.isAccessDenied && !wasCached) throw new OdooAuthFailure(this.db, 'AccessDenied right after authenticate');
      if (!error.isSessionExpired && !error.isAccessDenied) throw error;
      this.#log?.info({ fault: error.faultName }, 'odoo: session expired or cached uid refused; authenticating again');
      if (this.#uid === current) this.#uid = this.#sharedAuthentication();
      const fresh = await abortable(this.#uid, signal);
      try {
        return await fn(fresh);
      } catch (retryError) {
        if (retryError instanceof OdooFault && retryError.isAccessDenied) throw new OdooAuthFailure(this.db, 'AccessDenied after authenticating again');
        throw retryError;
      }
    }
  }

  /** An authentication several calls can wait on; forgotten if it fails, so the next call tries again. */
  #sharedAuthentication(): Promise<number> {
    const promise = this.#authenticate();
    promise.catch(() => {
      if (this.#uid === promise) this.#uid = undefined;
    });
    return promise;
  }

  async #authenticate(): Promise<number> {
    // No caller signal: several calls may share this authentication; the per-request timeout bounds it.
    const result = await this.#call('common', 'authenticate', [this.db, this.username, this.#apiKey, {}], 'authenticate', true, undefined);
    if (typeof result === 'number' && Number.isInteger(result) && result > 0) return result;
    if (result === false || result === null) throw new OdooAuthFailure(this.db, 'authenticate returned false');
    throw new TransportFailure('bad_response', 'authenticate returned neither a uid nor false');
  }

  /** One JSON-RPC call, with retries when `retry` is set. Throws OdooFault or TransportFailure. */
  async #call(service: string, method: string, args: unknown[], what: string, retry: boolean, signal: AbortSignal | undefined): Promise<unknown> {
    const maxAttempts = retry ? Math.max(1, this.retry.maxAttempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#post(service, method, args, signal);
      } catch (error) {
        const retryable = (error instanceof TransportFailure || error instanceof OdooFault) && error.isRetryable;
        if (!retryable || attempt >= maxAttempts || signal?.aborted) throw withAttempts(error, what, attempt);
        const retryAfter = error instanceof TransportFailure ? error.retryAfterMs : undefined;
        if (retryAfter !== undefined && retryAfter > this.retry.maxRetryAfterMs) throw withAttempts(error, what, attempt);
        const delay = retryAfter ?? backoffDelayMs(attempt, this.retry);
        this.#log?.debug({ what, attempt, delayMs: delay, reason: describeFailure(error) }, 'odoo: retrying a read');
        try {
          await sleep(delay, signal);
        } catch {
          throw withAttempts(new TransportFailure('aborted', `${what} was cancelled while waiting to retry`), what, attempt);
        }
      }
    }
  }

  async #post(service: string, method: string, args: unknown[], callerSignal: AbortSignal | undefined): Promise<unknown> {
    const id = this.#nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', id, params: { service, method, args } });
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const failed = (error: unknown): TransportFailure => {
      if (callerSignal?.aborted) return new TransportFailure('aborted', 'cancelled by the caller');
      if (timeout.aborted) return new TransportFailure('timeout', `no answer within ${this.timeoutMs} ms`);
      const errno = networkCode(error);
      return new TransportFailure('network', 'request failed', { ...(errno ? { errno } : {}), cause: error });
    };
    let response: Response;
    try {
      response = await fetch(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal,
      });
    } catch (error) {
      throw failed(error);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw failed(error);
    }
    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new TransportFailure('rate_limited', 'HTTP 429', { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    if (!response.ok) throw new TransportFailure('http', `HTTP ${response.status}`, { status: response.status });
    let payload: { result?: unknown; error?: OdooErrorEnvelope; id?: unknown };
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      throw new TransportFailure('bad_response', 'the body is not JSON', { status: response.status });
    }
    if (payload === null || typeof payload !== 'object') throw new TransportFailure('bad_response', 'the body is not a JSON-RPC response');
    if (payload.error) throw OdooFault.fromEnvelope(payload.error);
    if (!('result' in payload)) throw new TransportFailure('bad_response', 'the response has neither result nor error');
    return payload.result;
  }

  /** Converts whatever `fn` throws into a caller-safe ToolError. */
  async #guard<T>(what: string, options: CallOptions, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      // Name the request that failed: a call can fail in the authenticate that precedes it.
      const step = stepOf(error) ?? { what, attempts: 1 };
      if (options.signal?.aborted && !(error instanceof OdooFault)) {
        throw toToolError(new TransportFailure('aborted', 'cancelled'), this.#failureContext(what, 1));
      }
      if (!(error instanceof TransportFailure) && !(error instanceof OdooFault) && !(error instanceof OdooAuthFailure)) {
        this.#log?.warn({ err: error, what }, 'odoo: unexpected failure');
      }
      throw toToolError(error, this.#failureContext(step.what, step.attempts));
    }
  }

  #failureContext(what: string, attempts: number) {
    return { what, attempts, timeoutMs: this.timeoutMs, origin: this.origin, db: this.db, secret: this.#apiKey };
  }
}

/** For a failure leaving #call: which request failed (authenticate, or the ORM call) and after how many attempts. */
const failureSteps = new WeakMap<object, { what: string; attempts: number }>();

function withAttempts(error: unknown, what: string, attempts: number): unknown {
  if (typeof error === 'object' && error !== null) failureSteps.set(error, { what, attempts });
  return error;
}

function stepOf(error: unknown): { what: string; attempts: number } | undefined {
  return typeof error === 'object' && error !== null ? failureSteps.get(error) : undefined;
}

function describeFailure(error: unknown): string {
  if (error instanceof TransportFailure) return error.status === undefined ? error.reason : `${error.reason} ${error.status}`;
  if (error instanceof OdooFault) return error.faultName;
  return 'unknown';
}

/** The error code of a failed fetch (undici puts it on `cause`). */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function searchKwargs(options: SearchOptions): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  if (options.fields !== undefined) kwargs['fields'] = options.fields;
  if (options.offset !== undefined && options.offset > 0) kwargs['offset'] = options.offset;
  if (options.limit !== undefined) kwargs['limit'] = options.limit;
  if (options.order !== undefined) kwargs['order'] = options.order;
  if (options.context !== undefined) kwargs['context'] = options.context;
  return kwargs;
}

/** Appends `id asc` as a tie-breaker so offset paging never skips or repeats rows with equal sort keys. */
export function stableOrder(order: string | undefined): string {
  if (order === undefined || order.trim() === '') return 'id asc';
  const sortsById = order.split(',').some((term) => term.trim().split(/\s+/)[0] === 'id');
  return sortsById ? order : `${order}, id asc`;
}

/** Waits for a shared promise, but lets this caller stop waiting when its own signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new TransportFailure('aborted', 'cancelled by the caller'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TransportFailure('aborted', 'cancelled by the caller'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
