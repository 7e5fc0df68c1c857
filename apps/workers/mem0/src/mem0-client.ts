import { DEFAULT_RETRY_POLICY, ToolError, backoffDelayMs, parseRetryAfter, sleep, type Logger, type RetryPolicy } from '@mcpgw/worker-kit';
import type { Mem0ApiKind } from './config.js';

/** Who memories belong to. At least one id is needed by every Mem0 call that reads or writes memories. */
export interface Mem0Scope {
  userId?: string | undefined;
  agentId?: string | undefined;
  runId?: string | undefined;
}

/** One memory, the same shape from both APIs. */
export interface Mem0Memory {
  id: string;
  memory: string;
  userId: string | null;
  agentId: string | null;
  runId: string | null;
  metadata: Record<string, unknown> | null;
  categories: string[];
  createdAt: string | null;
  updatedAt: string | null;
  /** Search only: relevance in 0..1 (platform); the server's own score otherwise. */
  score?: number;
}

/** What an add did to one memory. */
export interface Mem0Event {
  id: string;
  /** `ADD`, `UPDATE`, `DELETE` or `NONE`. */
  event: string;
  memory: string | null;
}

export interface Mem0ClientOptions {
  kind: Mem0ApiKind;
  /** Base URL, e.g. `https://api.mem0.ai` or `http://mem0.internal:8888`. */
  url: string;
  /** Secret: `Authorization: Token` (platform) or `X-API-Key` (server). Never logged or returned. */
  apiKey?: string | undefined;
  orgId?: string | undefined;
  projectId?: string | undefined;
  /** Per-request timeout; default 15 000 ms. */
  timeoutMs?: number;
  /** Page size of platform listing; default 100. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** A list of memories and how it was read. */
export interface Mem0List {
  memories: Mem0Memory[];
  /** How many match in all, when Mem0 says so. */
  total: number | null;
  /** Requests made (platform pages). */
  pages: number;
  /** More memories match than were returned. */
  truncated: boolean;
}

type Method = 'GET' | 'POST' | 'DELETE';

/** How a request may be retried: reads on any transient failure, writes only when Mem0 refused them (429). */
type RetryMode = 'transient' | 'rate_limit_only';

interface RequestSpec {
  what: string;
  method: Method;
  path: string;
  query?: Record<string, string | undefined>;
  body?: Record<string, unknown>;
  retry: RetryMode;
  /** The message of a 404 (a missing memory); without it a 404 means the endpoint is missing. */
  notFound?: string;
  signal: AbortSignal | undefined;
}

type Failure =
  | { kind: 'timeout' }
  | { kind: 'network'; code: string }
  | { kind: 'status'; status: number; reason: string; retryAfterMs: number | undefined };

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const MAX_REASON = 300;
const SERVER_DEFAULT_PORTS = 'http://localhost:8888 (docker compose) or :8000';

/**
 * A client of Mem0 (integrations.md §7): the hosted platform API (`Authorization: Token`, paths with a
 * trailing slash, v3 search with entity ids inside `filters`, v2 listing with `page`/`page_size`) or
 * the open-source REST server (`/memories`, `/search`, `X-API-Key` when it has auth). Reads are
 * retried on 429, 5xx, timeouts and network errors; writes only on 429. Retry-After is honoured up
 * to a bound. Every failure leaves as a ToolError without the key.
 */
export class Mem0Client {
  readonly kind: Mem0ApiKind;
  /** Scheme, host and port: safe to show. */
  readonly origin: string;
  readonly timeoutMs: number;
  readonly pageSize: number;
  readonly #base: string;
  readonly #apiKey: string | undefined;
  readonly #orgId: string | undefined;
  readonly #projectId: string | undefined;
  readonly #retry: RetryPolicy;
  readonly #log: Logger | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: Mem0ClientOptions) {
    this.kind = options.kind;
    this.#base = options.url.replace(/\/+$/, '');
    this.origin = new URL(this.#base).origin;
    this.#apiKey = options.apiKey;
    this.#orgId = options.orgId;
    this.#projectId = options.projectId;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.pageSize = Math.max(1, options.pageSize ?? 100);
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#log = options.log;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Stores what `text` says as memories of `scope` (Mem0 extracts facts from it unless `infer` is
   * false). Returns the events: which memories were added, updated or left alone.
   */
  async add(
    text: string,
    scope: Mem0Scope,
    options: CallOptions & { role?: 'user' | 'assistant'; metadata?: Record<string, unknown> | undefined; infer?: boolean } = {},
  ): Promise<{ events: Mem0Event[]; queued: boolean; message: string | null }> {
    requireScope(scope);
    const body: Record<string, unknown> = {
      messages: [{ role: options.role ?? 'user', content: text }],
      ...scopeFields(scope),
      ...(options.metadata ? { metadata: options.metadata } : {}),
      infer: options.infer ?? true,
    };
    if (this.kind === 'platform') {
      // Synchronous processing, so the answer says what was stored.
      body['async_mode'] = false;
      Object.assign(body, this.#tenant());
    }
    const answer = await this.#request({
      what: 'add memories',
      method: 'POST',
      path: this.kind === 'platform' ? '/v1/memories/' : '/memories',
      body,
      retry: 'rate_limit_only',
      signal: options.signal,
    });
    const list = Array.isArray(answer) ? answer : asRecord(answer)['results'];
    if (!Array.isArray(list)) {
      // Queued for background processing (async mode): nothing to report yet.
      const message = stringOr(asRecord(answer)['message'], null);
      return { events: [], queued: true, message };
    }
    return { events: list.map(toEvent).filter((e): e is Mem0Event => e !== null), queued: false, message: null };
  }

  /** The memories of `scope` most relevant to `query`, best first. */
  async search(query: string, scope: Mem0Scope, options: CallOptions & { topK?: number; threshold?: number } = {}): Promise<Mem0Memory[]> {
    requireScope(scope);
    const topK = options.topK ?? 10;
    if (this.kind === 'platform') {
      const answer = await this.#request({
        what: 'search memories',
        method: 'POST',
        path: '/v3/memories/search/',
        // v3: entity ids only inside `filters` (a top-level user_id is a 400).
        body: { query, filters: platformFilters(scope), top_k: topK, ...(options.threshold === undefined ? {} : { threshold: options.threshold }), ...this.#tenant() },
        retry: 'transient',
        signal: options.signal,
      });
      return resultsOf(answer).map(toMemory).filter(isMemory);
    }
    const answer = await this.#request({
      what: 'search memories',
      method: 'POST',
      path: '/search',
      body: { query, ...scopeFields(scope) },
      retry: 'transient',
      signal: options.signal,
    });
    // The server has no top_k or threshold in its request: both are applied here.
    return resultsOf(answer)
      .map(toMemory)
      .filter(isMemory)
      .filter((m) => options.threshold === undefined || m.score === undefined || m.score >= options.threshold)
      .slice(0, topK);
  }

  /**
   * Every memory of `scope`, newest first as Mem0 orders them, up to `limit`: the platform is read
   * page by page (`page`, `page_size`) until `total` is reached, a page comes back short, or the
   * limit is met; the server answers in one response, cut at the limit here.
   */
  async list(scope: Mem0Scope, options: CallOptions & { limit: number; pageSize?: number }): Promise<Mem0List> {
    requireScope(scope);
    const limit = Math.max(1, options.limit);
    if (this.kind === 'server') {
      const answer = await this.#request({
        what: 'list memories',
        method: 'GET',
        path: '/memories',
        query: scopeFields(scope),
        retry: 'transient',
        signal: options.signal,
      });
      const all = resultsOf(answer).map(toMemory).filter(isMemory);
      return { memories: all.slice(0, limit), total: all.length, pages: 1, truncated: all.length > limit };
    }
    const pageSize = Math.max(1, Math.min(options.pageSize ?? this.pageSize, limit));
    const maxPages = Math.ceil(limit / pageSize) + 1;
    const seen = new Set<string>();
    const memories: Mem0Memory[] = [];
    let total: number | null = null;
    let pages = 0;
    for (let page = 1; page <= maxPages && memories.length < limit; page++) {
      const answer = await this.#request({
        what: 'list memories',
        method: 'POST',
        path: '/v2/memories/',
        body: { filters: platformFilters(scope), page, page_size: pageSize, ...this.#tenant() },
        retry: 'transient',
        signal: options.signal,
      });
      pages += 1;
      const record = asRecord(answer);
      const reported = typeof record['total'] === 'number' ? record['total'] : typeof record['count'] === 'number' ? record['count'] : null;
      if (reported !== null) total = reported;
      const batch = resultsOf(answer).map(toMemory).filter(isMemory);
      for (const memory of batch) {
        if (seen.has(memory.id) || memories.length >= limit) continue;
        seen.add(memory.id);
        memories.push(memory);
      }
      const exhausted = batch.length < pageSize || (total !== null && page * pageSize >= total) || (record['next'] === null && !('total' in record));
      if (exhausted) break;
    }
    const truncated = total !== null ? total > memories.length : memories.length >= limit;
    return { memories, total, pages, truncated };
  }

  /** One memory by id; `not_found` when Mem0 has none. */
  async get(id: string, options: CallOptions = {}): Promise<Mem0Memory> {
    const answer = await this.#request({
      what: `read memory ${id}`,
      method: 'GET',
      path: this.kind === 'platform' ? `/v1/memories/${encodeURIComponent(id)}/` : `/memories/${encodeURIComponent(id)}`,
      query: this.kind === 'platform' ? this.#tenant() : {},
      retry: 'transient',
      notFound: `Mem0 has no memory ${id}`,
      signal: options.signal,
    });
    // The server answers 200 with null for an unknown id.
    const memory = toMemory(answer);
    if (memory === null) throw new ToolError('not_found', `Mem0 has no memory ${id}`);
    return memory;
  }

  /** Deletes one memory. Never retried except when Mem0 refused it outright (429). */
  async delete(id: string, options: CallOptions = {}): Promise<{ message: string | null }> {
    const answer = await this.#request({
      what: `delete memory ${id}`,
      method: 'DELETE',
      path: this.kind === 'platform' ? `/v1/memories/${encodeURIComponent(id)}/` : `/memories/${encodeURIComponent(id)}`,
      query: this.kind === 'platform' ? this.#tenant() : {},
      retry: 'rate_limit_only',
      notFound: `Mem0 has no memory ${id}`,
      signal: options.signal,
    });
    return { message: stringOr(asRecord(answer)['message'], null) };
  }

  /** The cheapest authenticated read: one page of one memory for a scope nobody uses. */
  async ping(signal?: AbortSignal): Promise<void> {
    const scope = { agentId: 'mcpgw-health-probe' };
    if (this.kind === 'platform') {
      await this.#request({ what: 'health probe', method: 'POST', path: '/v2/memories/', body: { filters: platformFilters(scope), page: 1, page_size: 1, ...this.#tenant() }, retry: 'rate_limit_only', signal });
    } else {
      await this.#request({ what: 'health probe', method: 'GET', path: '/memories', query: scopeFields(scope), retry: 'rate_limit_only', signal });
    }
  }

  #tenant(): Record<string, string> {
    return { ...(this.#orgId ? { org_id: this.#orgId } : {}), ...(this.#projectId ? { project_id: this.#projectId } : {}) };
  }

  #headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'mcp-gateway-mem0-worker' };
    if (hasBody) headers['Content-Type'] = 'application/json';
    if (this.#apiKey !== undefined) {
      if (this.kind === 'platform') headers['Authorization'] = `Token ${this.#apiKey}`;
      else headers['X-API-Key'] = this.#apiKey;
    }
    return headers;
  }

  async #request(spec: RequestSpec): Promise<unknown> {
    const url = new URL(`${this.#base}${spec.path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers = this.#headers(body !== undefined);
    const maxAttempts = Math.max(1, this.#retry.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      if (spec.signal?.aborted) throw cancelled(spec.what);
      const outcome = await this.#attempt(spec, url, headers, body);
      if (!isFailure(outcome)) return outcome.value;
      const rateLimited = outcome.kind === 'status' && outcome.status === 429;
      const retryable = rateLimited || (spec.retry === 'transient' && (outcome.kind !== 'status' || TRANSIENT_STATUS.has(outcome.status)));
      const retryAfterMs = outcome.kind === 'status' ? outcome.retryAfterMs : undefined;
      if (!retryable || attempt >= maxAttempts || (retryAfterMs !== undefined && retryAfterMs > this.#retry.maxRetryAfterMs)) {
        throw this.#toError(spec, outcome, attempt);
      }
      const delayMs = retryAfterMs ?? backoffDelayMs(attempt, this.#retry);
      this.#log?.warn({ what: spec.what, attempt, delayMs, failure: outcome.kind === 'status' ? outcome.status : outcome.kind }, 'mem0 request failed; retrying');
      try {
        await sleep(delayMs, spec.signal);
      } catch {
        throw cancelled(spec.what);
      }
    }
  }

  /** One HTTP exchange: the parsed JSON of a 2xx answer, or why it failed. */
  async #attempt(spec: RequestSpec, url: URL, headers: Record<string, string>, body: string | undefined): Promise<{ value: unknown } | Failure> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      // Never follow a redirect: the key would go wherever it points.
      response = await this.#fetch(url, { method: spec.method, headers, ...(body === undefined ? {} : { body }), signal, redirect: 'manual' });
      text = await response.text();
    } catch (error) {
      if (spec.signal?.aborted) throw cancelled(spec.what);
      if (timeout.aborted) return { kind: 'timeout' };
      return { kind: 'network', code: networkCode(error) };
    }
    if (response.status >= 200 && response.status < 300) {
      if (text.trim() === '') return { value: null };
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        throw new ToolError('upstream', `Mem0 at ${this.origin} answered ${spec.what} with something that is not JSON (HTTP ${response.status}): check MEM0_API_URL`);
      }
    }
    return { kind: 'status', status: response.status, reason: this.#redact(describeError(text)), retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
  }

  /** A caller-safe error: what failed, Mem0's reason (key removed), and what to do. */
  #toError(spec: RequestSpec, failure: Failure, attempts: number): ToolError {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    if (failure.kind === 'timeout') {
      return new ToolError('upstream_timeout', `Mem0 did not answer ${spec.what} within ${this.timeoutMs} ms (MEM0_TIMEOUT_MS)${tries}`);
    }
    if (failure.kind === 'network') {
      const hint = this.kind === 'server' ? ` (a self-hosted server listens on ${SERVER_DEFAULT_PORTS})` : '';
      return new ToolError('upstream', `cannot reach Mem0 at ${this.origin} (${failure.code})${tries}: check MEM0_API_URL${hint}`);
    }
    const { status, reason } = failure;
    const because = reason ? `: ${reason}` : '';
    if (status === 401 || status === 403) return this.#authError(status, reason);
    if (status === 429) {
      const retryAfter = failure.retryAfterMs === undefined ? undefined : Math.ceil(failure.retryAfterMs / 1_000);
      const wait = retryAfter === undefined ? '' : `; Mem0 asks to retry after ${retryAfter} s`;
      return new ToolError('upstream', `Mem0 is rate-limiting requests (HTTP 429) to ${spec.what}${tries}${wait}`, retryAfter === undefined ? {} : { retryAfter });
    }
    if (status === 404) {
      if (spec.notFound !== undefined) return new ToolError('not_found', spec.notFound);
      return new ToolError('upstream', `Mem0 at ${this.origin} has no ${spec.method} ${spec.path} endpoint (HTTP 404): check MEM0_API_URL and MEM0_API_KIND (${this.kind})`);
    }
    if (status >= 300 && status < 400) {
      return new ToolError('upstream', `Mem0 at ${this.origin} redirected ${spec.what} (HTTP ${status}): check MEM0_API_URL (https, no path)`);
    }
    if (status === 400 || status === 422) return new ToolError('rejected', `Mem0 rejected ${spec.what} (HTTP ${status})${because}`);
    if (status >= 500) return new ToolError('upstream', `Mem0 failed to ${spec.what} (HTTP ${status})${tries}${because}`);
    return new ToolError('failed', `Mem0 refused ${spec.what} (HTTP ${status})${because}`);
  }

  #authError(status: number, reason: string): ToolError {
    const said = reason ? `: ${reason}` : '';
    if (this.#apiKey === undefined) {
      return new ToolError(
        'unconfigured',
        `the Mem0 server at ${this.origin} requires an API key (HTTP ${status}${said}); set MEM0_API_KEY (sent as X-API-Key)`,
        { missing: ['MEM0_API_KEY'] },
      );
    }
    return new ToolError(
      'unconfigured',
      `Mem0 refused MEM0_API_KEY (HTTP ${status}${said}): the key is wrong, revoked or expired; set a valid MEM0_API_KEY`,
      { missing: ['MEM0_API_KEY'] },
    );
  }

  #redact(text: string): string {
    const key = this.#apiKey;
    const clean = key !== undefined && key.length >= 4 ? text.split(key).join('[redacted]') : text;
    const line = clean.replace(/\s+/g, ' ').trim();
    return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line;
  }
}

function isFailure(outcome: { value: unknown } | Failure): outcome is Failure {
  return 'kind' in outcome;
}

function cancelled(what: string): ToolError {
  return new ToolError('upstream_timeout', `${what} was cancelled before Mem0 answered`);
}

/** Mem0 refuses calls that name no entity; saying so here gives a clearer message than its 400. */
function requireScope(scope: Mem0Scope): void {
  if (!scope.userId && !scope.agentId && !scope.runId) {
    throw new ToolError('invalid_arguments', 'no scope: pass userId, agentId or runId (calls through the gateway default to the calling agent)');
  }
}

/** `user_id`, `agent_id`, `run_id` as Mem0 names them, for bodies. */
function scopeFields(scope: Mem0Scope): Record<string, string> {
  return {
    ...(scope.userId ? { user_id: scope.userId } : {}),
    ...(scope.agentId ? { agent_id: scope.agentId } : {}),
    ...(scope.runId ? { run_id: scope.runId } : {}),
  };
}

/** Platform filters: one entity as `{agent_id: "x"}`, several ANDed. */
export function platformFilters(scope: Mem0Scope): Record<string, unknown> {
  const clauses = Object.entries(scopeFields(scope)).map(([key, value]) => ({ [key]: value }));
  return clauses.length === 1 ? clauses[0]! : { AND: clauses };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

function resultsOf(answer: unknown): unknown[] {
  if (Array.isArray(answer)) return answer;
  const results = asRecord(answer)['results'];
  return Array.isArray(results) ? results : [];
}

function isMemory(memory: Mem0Memory | null): memory is Mem0Memory {
  return memory !== null;
}

/** Reads one memory from either API; null when it is not one (the server's `null` for a missing id). */
export function toMemory(value: unknown): Mem0Memory | null {
  const r = asRecord(value);
  if (typeof r['id'] !== 'string' && typeof r['id'] !== 'number') return null;
  const text = typeof r['memory'] === 'string' ? r['memory'] : typeof r['data'] === 'string' ? r['data'] : stringOr(asRecord(r['data'])['memory'], '');
  const memory: Mem0Memory = {
    id: String(r['id']),
    memory: text,
    userId: stringOr(r['user_id'], null),
    agentId: stringOr(r['agent_id'], null),
    runId: stringOr(r['run_id'], null),
    metadata: typeof r['metadata'] === 'object' && r['metadata'] !== null && !Array.isArray(r['metadata']) ? (r['metadata'] as Record<string, unknown>) : null,
    categories: Array.isArray(r['categories']) ? r['categories'].filter((c): c is string => typeof c === 'string') : [],
    createdAt: stringOr(r['created_at'], null),
    updatedAt: stringOr(r['updated_at'], null),
  };
  if (typeof r['score'] === 'number') memory.score = Math.round(r['score'] * 10_000) / 10_000;
  return memory;
}

/** An add event in the v1 shape (`{id, event, data: {memory}}`) or v1.1 (`{id, event, memory}`). */
function toEvent(value: unknown): Mem0Event | null {
  const r = asRecord(value);
  if (typeof r['id'] !== 'string' && typeof r['id'] !== 'number') return null;
  const memory = typeof r['memory'] === 'string' ? r['memory'] : stringOr(asRecord(r['data'])['memory'], null);
  return { id: String(r['id']), event: stringOr(r['event'], 'ADD'), memory };
}

/** Mem0's reason from an error body: platform `{error, details: {message}}`, FastAPI `{detail}`, or `{message}`. */
export function describeError(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return '';
  }
  const r = asRecord(body);
  const details = asRecord(r['details']);
  if (typeof details['message'] === 'string') return details['message'];
  if (typeof r['detail'] === 'string') return r['detail'];
  if (Array.isArray(r['detail'])) {
    return r['detail']
      .map((issue) => {
        const i = asRecord(issue);
        const where = Array.isArray(i['loc']) ? i['loc'].join('.') : '';
        return `${where ? `${where}: ` : ''}${stringOr(i['msg'], 'invalid')}`;
      })
      .join('; ');
  }
  if (typeof r['message'] === 'string') return r['message'];
  if (typeof r['error'] === 'string') return r['error'];
  return '';
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause && typeof cause.code === 'string' ? cause.code : 'network error';
}
