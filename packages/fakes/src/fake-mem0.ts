/**
 * A fake Mem0: a real HTTP server on 127.0.0.1 serving both of Mem0's REST surfaces over one memory
 * store (integrations.md §7):
 *
 * - the hosted platform: `Authorization: Token <key>`, paths ending in `/` — `POST /v1/memories/`
 *   (add → event list), `POST /v2/memories/` (filtered list with `page`/`page_size` → `{results,
 *   total}`), `POST /v3/memories/search/` (entity ids only inside `filters`; top-level ones are a 400),
 *   `GET|PUT|DELETE /v1/memories/{id}/`, `DELETE /v1/memories/?user_id=…`, `GET /v1/memories/{id}/history/`;
 *   errors `{"error": "400 Bad Request", "details": {"message": …}}` and `{"detail": …}`;
 * - the open-source server: no prefix, no trailing slash — `POST /memories`, `GET /memories?agent_id=…`,
 *   `GET|PUT|DELETE /memories/{id}`, `GET /memories/{id}/history`, `POST /search`, `DELETE /memories`,
 *   `POST /reset`; FastAPI errors `{"detail": …}`; no auth, or `X-API-Key` when `serverApiKey` is set.
 *
 * Search scores by shared words (see `scoreMemory`), not embeddings. Knobs (the same shape as the
 * other fakes') for latency, 5xx, 429 bursts with Retry-After, and refused or expired keys.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { FakeHttpServer, recordCall, type FakeRequestBody } from './fake-http-server.js';
import { RateLimitBurst, validateCommonKnobs, validateErrorKinds } from './fake-knobs.js';
import {
  FAKE_MEM0_SAMPLE,
  FakeMem0FilterError,
  FakeMem0Store,
  MEM0_ENTITY_FIELDS,
  filtersNameEntity,
  matchesFilters,
  scoreMemory,
  type FakeMem0Memory,
  type FakeMem0SeedMemory,
  type Mem0EntityField,
} from './fake-mem0-store.js';

export type { FakeMem0Memory, FakeMem0SeedMemory, FakeMem0HistoryEntry } from './fake-mem0-store.js';
export { FAKE_MEM0_SAMPLE, scoreMemory } from './fake-mem0-store.js';

/** How an injected server error looks on the wire. */
export type FakeMem0ErrorKind = 'http_500' | 'http_502' | 'http_503';

/** Fault-injection knobs, the same shape as the other fakes'; change them at any time through `fake.knobs` (or `fake.faults`). */
export interface FakeMem0Knobs {
  /** Delay before every answer (ms). Default 0. */
  latencyMs: number;
  /** Probability (0..1) that a request fails with a 5xx before it is served, rotating through `errorKinds`. */
  errorRate: number;
  errorKinds: FakeMem0ErrorKind[];
  /** The next `burst` requests get 429 with `Retry-After: <retryAfterSec>`. Null: off. */
  rateLimit429: { burst: number; retryAfterSec: number } | null;
  /** Every request answers 401 "Invalid API key", whatever the key (wrong or revoked key). */
  authFail: boolean;
  /** Every request answers 401 "API key has expired". */
  keyExpired: boolean;
}

/** One served request, for tests' assertions (keys are never recorded). */
export interface FakeMem0Call {
  surface: 'platform' | 'server';
  method: string;
  /** The path without the query string. */
  path: string;
  status: number;
}

export interface StartFakeMem0Options {
  /** The platform API key (default random, `m0-…`). */
  apiKey?: string;
  /** When set, the open-source surface requires this `X-API-Key` (1.x servers); default: no auth (older images, AUTH_DISABLED). */
  serverApiKey?: string;
  /** Load FAKE_MEM0_SAMPLE (default true). */
  seed?: boolean;
  /** More memories to load, after the sample. */
  memories?: readonly FakeMem0SeedMemory[];
  /** The clock seeded memories are dated against (default: now). */
  now?: Date;
  /** Largest `page_size` the platform listing honours (default 1000; larger asks are cut to it). */
  maxPageSize?: number;
  knobs?: Partial<FakeMem0Knobs>;
  /** How many entries `calls` keeps (default 10000). */
  maxCalls?: number;
}

/** A running fake Mem0. */
export interface FakeMem0 {
  /** `http://127.0.0.1:<port>`: MEM0_API_URL for either surface. */
  readonly url: string;
  /** The platform key (MEM0_API_KEY, sent as `Authorization: Token …`). */
  readonly apiKey: string;
  /** The server's `X-API-Key`, when it requires one. */
  readonly serverApiKey: string | undefined;
  get knobs(): FakeMem0Knobs;
  set knobs(value: Partial<FakeMem0Knobs>);
  /** The same object as `knobs`. */
  get faults(): FakeMem0Knobs;
  set faults(value: Partial<FakeMem0Knobs>);
  /** Every request served so far, oldest first (clear with `calls.length = 0`). */
  readonly calls: FakeMem0Call[];
  /** The memories now stored, newest first. */
  memories(): FakeMem0Memory[];
  /** Adds memories directly (tests: enough for several pages). */
  seed(memories: readonly FakeMem0SeedMemory[]): void;
  close(): Promise<void>;
}

const DEFAULT_KNOBS: FakeMem0Knobs = {
  latencyMs: 0,
  errorRate: 0,
  errorKinds: ['http_500', 'http_502', 'http_503'],
  rateLimit429: null,
  authFail: false,
  keyExpired: false,
};

const MAX_BODY_BYTES = 1_048_576;
const ENTITY_REQUIRED = 'At least one of the filters: agent_id, user_id, app_id, run_id is required!';

/** Starts a fake Mem0 on 127.0.0.1 (a free port). */
export async function startFakeMem0(options: StartFakeMem0Options = {}): Promise<FakeMem0> {
  const fake = new FakeMem0Server(options);
  await fake.listen();
  return fake;
}

/** A platform or server answer: status and JSON body (`null` is a JSON null). */
interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The platform's 400 shape. */
const badRequest = (message: string): HttpError => new HttpError(400, { error: '400 Bad Request', details: { message: `Invalid input data. ${message}` } });
/** FastAPI's error shape. */
const detail = (status: number, message: unknown): HttpError => new HttpError(status, { detail: message });

class FakeMem0Server implements FakeMem0 {
  readonly apiKey: string;
  readonly serverApiKey: string | undefined;
  readonly calls: FakeMem0Call[] = [];
  readonly #store = new FakeMem0Store();
  readonly #knobs: FakeMem0Knobs;
  readonly #http: FakeHttpServer;
  readonly #maxPageSize: number;
  readonly #maxCalls: number;
  readonly #now: Date;
  readonly #burst = new RateLimitBurst();
  #requests = 0;
  #faultTurn = 0;

  constructor(options: StartFakeMem0Options) {
    this.apiKey = options.apiKey ?? `m0-${randomBytes(20).toString('hex')}`;
    this.serverApiKey = options.serverApiKey;
    this.#maxPageSize = options.maxPageSize ?? 1_000;
    this.#maxCalls = options.maxCalls ?? 10_000;
    this.#now = options.now ?? new Date();
    this.#knobs = { ...DEFAULT_KNOBS, errorKinds: [...DEFAULT_KNOBS.errorKinds] };
    this.knobs = options.knobs ?? {};
    if (options.seed !== false) this.#store.seed(FAKE_MEM0_SAMPLE, this.#now);
    if (options.memories) this.#store.seed(options.memories, this.#now);
    this.#http = new FakeHttpServer({ maxBodyBytes: MAX_BODY_BYTES, latencyMs: () => this.#knobs.latencyMs, serve: (req, res, body) => this.#respond(req, res, body) });
  }

  get url(): string {
    return this.#http.url;
  }
  get knobs(): FakeMem0Knobs {
    return this.#knobs;
  }
  set knobs(value: Partial<FakeMem0Knobs>) {
    validateKnobs(value);
    Object.assign(this.#knobs, value);
    if ('rateLimit429' in value) this.#burst.reset();
  }
  get faults(): FakeMem0Knobs {
    return this.#knobs;
  }
  set faults(value: Partial<FakeMem0Knobs>) {
    this.knobs = value;
  }

  memories(): FakeMem0Memory[] {
    return this.#store.select(() => true);
  }

  seed(memories: readonly FakeMem0SeedMemory[]): void {
    this.#store.seed(memories, new Date());
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  /** Serves one request (its body read, the latency waited) and records it. */
  #respond(req: http.IncomingMessage, res: http.ServerResponse, request: FakeRequestBody): void {
    const url = new URL(req.url ?? '/', 'http://fake.mem0');
    const surface = /^\/v\d+\//.test(url.pathname) ? 'platform' : 'server';
    const answer = request.tooLarge ? { status: 413, body: { detail: 'Request body too large' } } : this.#serve(req, url, surface, request.bytes.toString('utf8'));
    recordCall(this.calls, { surface, method: req.method ?? 'GET', path: url.pathname, status: answer.status }, this.#maxCalls);
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...answer.headers });
    res.end(body);
  }

  #serve(req: http.IncomingMessage, url: URL, surface: 'platform' | 'server', text: string): Answer {
    try {
      const injected = this.#injected();
      if (injected) return injected;
      if (surface === 'platform') {
        this.#checkPlatformAuth(req);
        return this.#platform(req.method ?? 'GET', url, text);
      }
      this.#checkServerAuth(req);
      return this.#oss(req.method ?? 'GET', url, text);
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: error.body };
      if (error instanceof FakeMem0FilterError) return surface === 'platform' ? answerOf(badRequest(error.message)) : answerOf(detail(500, error.message));
      return { status: 500, body: surface === 'platform' ? { error: 'Internal Server Error' } : { detail: error instanceof Error ? error.message : String(error) } };
    }
  }

  /** The 429 burst and the error rate, before anything else. */
  #injected(): Answer | undefined {
    const limit = this.#knobs.rateLimit429;
    if (limit !== null && this.#burst.take(limit)) {
      const seconds = Math.max(0, Math.ceil(limit.retryAfterSec));
      return { status: 429, body: { detail: `Request was throttled. Expected available in ${seconds} seconds.` }, headers: { 'Retry-After': String(seconds) } };
    }
    const rate = this.#knobs.errorRate;
    this.#requests += 1;
    // Spread evenly: 0.5 fails every second request, 1 fails all.
    if (rate > 0 && Math.floor(this.#requests * rate) > Math.floor((this.#requests - 1) * rate)) {
      const kinds = this.#knobs.errorKinds.length > 0 ? this.#knobs.errorKinds : DEFAULT_KNOBS.errorKinds;
      const kind = kinds[this.#faultTurn++ % kinds.length]!;
      if (kind === 'http_500') return { status: 500, body: { detail: 'Internal Server Error' } };
      if (kind === 'http_502') return { status: 502, body: { detail: 'Bad Gateway' } };
      return { status: 503, body: { detail: 'Service temporarily unavailable' } };
    }
    return undefined;
  }

  #checkPlatformAuth(req: http.IncomingMessage): void {
    const header = String(req.headers['authorization'] ?? '');
    if (header === '') throw detail(401, 'Authentication credentials were not provided.');
    const match = /^Token\s+(\S+)$/.exec(header);
    if (!match) throw detail(401, "Invalid authorization header. Use 'Token <api_key>'.");
    if (this.#knobs.keyExpired) throw detail(401, 'API key has expired.');
    if (this.#knobs.authFail || match[1] !== this.apiKey) throw detail(401, 'Invalid API key.');
  }

  #checkServerAuth(req: http.IncomingMessage): void {
    const given = req.headers['x-api-key'];
    if (this.#knobs.keyExpired) throw detail(401, 'API key has expired.');
    if (this.#knobs.authFail) throw detail(401, 'Invalid API key.');
    if (this.serverApiKey === undefined) return;
    if (given === undefined) throw new HttpError(401, { detail: 'Authentication required. Provide a Bearer token or X-API-Key header.' });
    if (given !== this.serverApiKey) throw detail(401, 'Invalid API key.');
  }

  // ---- the hosted platform -------------------------------------------------------------------

  #platform(method: string, url: URL, text: string): Answer {
    const path = url.pathname;
    if (!path.endsWith('/')) throw detail(404, 'Not found.');
    if (path === '/v1/memories/' && method === 'POST') return this.#platformAdd(parseBody(text, 'platform'));
    if (path === '/v1/memories/' && method === 'DELETE') return this.#deleteAll(url, 'platform');
    if (path === '/v2/memories/' && method === 'POST') return this.#platformList(parseBody(text, 'platform'), url);
    if (path === '/v3/memories/search/' && method === 'POST') return this.#platformSearch(parseBody(text, 'platform'));
    const history = /^\/v1\/memories\/([^/]+)\/history\/$/.exec(path);
    if (history && method === 'GET') return { status: 200, body: this.#requireMemory(history[1]!, 'platform') && this.#store.history(history[1]!) };
    const one = /^\/v1\/memories\/([^/]+)\/$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      if (method === 'GET') return { status: 200, body: platformView(this.#requireMemory(id, 'platform')) };
      if (method === 'PUT') {
        this.#requireMemory(id, 'platform');
        const body = parseBody(text, 'platform');
        const updated = this.#store.update(id, optionalString(body['text'], 'text'), optionalObject(body['metadata'], 'metadata'));
        return { status: 200, body: platformView(updated!) };
      }
      if (method === 'DELETE') {
        this.#requireMemory(id, 'platform');
        this.#store.delete(id);
        return { status: 200, body: { message: 'Memory deleted successfully!' } };
      }
      throw detail(405, `Method "${method}" not allowed.`);
    }
    throw detail(404, 'Not found.');
  }

  #platformAdd(body: Record<string, unknown>): Answer {
    const messages = readMessages(body['messages'], 'platform');
    const entity = readEntity(body);
    if (MEM0_ENTITY_FIELDS.every((f) => entity[f] === null)) throw badRequest('At least one of user_id, agent_id, app_id or run_id is required.');
    const metadata = optionalObject(body['metadata'], 'metadata') ?? null;
    const events = this.#store.add(messages, entity, metadata, body['infer'] !== false);
    if (body['output_format'] === 'v1.1') return { status: 200, body: { results: events.map((e) => ({ id: e.id, memory: e.memory, event: e.event })) } };
    return { status: 200, body: events.map((e) => ({ id: e.id, event: e.event, data: { memory: e.memory } })) };
  }

  #platformList(body: Record<string, unknown>, url: URL): Answer {
    const filters = body['filters'];
    if (!filtersNameEntity(filters)) throw badRequest(ENTITY_REQUIRED);
    const page = positiveInt(body['page'] ?? url.searchParams.get('page') ?? 1, 'page');
    const pageSize = Math.min(positiveInt(body['page_size'] ?? url.searchParams.get('page_size') ?? 100, 'page_size'), this.#maxPageSize);
    const all = this.#store.select((m) => matchesFilters(m, filters));
    const results = all.slice((page - 1) * pageSize, page * pageSize).map(platformView);
    return { status: 200, body: { results, total: all.length } };
  }

  #platformSearch(body: Record<string, unknown>): Answer {
    const topLevel = MEM0_ENTITY_FIELDS.filter((f) => body[f] !== undefined);
    if (topLevel.length > 0) throw badRequest(`In v3 search, entity IDs (${topLevel.join(', ')}) must be passed inside filters, not at the top level.`);
    const query = body['query'];
    if (typeof query !== 'string' || query.trim() === '') throw badRequest('query is required.');
    const filters = body['filters'];
    if (!filtersNameEntity(filters)) throw badRequest(ENTITY_REQUIRED);
    const topK = body['top_k'] === undefined ? 10 : positiveInt(body['top_k'], 'top_k');
    if (topK > 1000) throw badRequest('top_k must be between 1 and 1000.');
    const threshold = body['threshold'] === undefined ? 0.1 : body['threshold'];
    if (typeof threshold !== 'number' || threshold < 0 || threshold > 1) throw badRequest('threshold must be a number between 0 and 1.');
    const results = this.#store
      .select((m) => matchesFilters(m, filters))
      .map((m) => ({ ...platformView(m), score: scoreMemory(query, m.memory) }))
      .filter((m) => m.score >= threshold && m.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    return { status: 200, body: { results } };
  }

  // ---- the open-source server ----------------------------------------------------------------

  #oss(method: string, url: URL, text: string): Answer {
    const path = url.pathname;
    if (path === '/' && method === 'GET') return { status: 307, body: null, headers: { Location: '/docs' } };
    if (path === '/docs' && method === 'GET') return { status: 200, body: { title: 'Mem0 REST APIs (fake)' } };
    if (path === '/memories' && method === 'POST') return this.#ossAdd(parseBody(text, 'server'));
    if (path === '/memories' && method === 'GET') {
      const entity = this.#queryEntity(url);
      if (Object.keys(entity).length === 0) throw detail(400, 'At least one identifier is required.');
      return { status: 200, body: { results: this.#store.select((m) => matchesEntity(m, entity)).map(ossView) } };
    }
    if (path === '/memories' && method === 'DELETE') return this.#deleteAll(url, 'server');
    if (path === '/search' && method === 'POST') return this.#ossSearch(parseBody(text, 'server'));
    if (path === '/reset' && method === 'POST') {
      this.#store.clear();
      return { status: 200, body: { message: 'All memories reset' } };
    }
    const history = /^\/memories\/([^/]+)\/history$/.exec(path);
    if (history && method === 'GET') return { status: 200, body: this.#store.history(decodeURIComponent(history[1]!)) };
    const one = /^\/memories\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      // As Memory.get: null (HTTP 200) for an unknown id.
      if (method === 'GET') {
        const memory = this.#store.get(id);
        return { status: 200, body: memory ? ossView(memory) : null };
      }
      if (method === 'PUT') {
        const body = parseBody(text, 'server');
        const updated = this.#store.update(id, optionalString(body['text'] ?? body['data'], 'text'), undefined);
        if (!updated) throw detail(500, `Memory with id ${id} not found`);
        return { status: 200, body: { message: 'Memory updated successfully!' } };
      }
      if (method === 'DELETE') {
        // As Memory.delete on a missing id: the exception text as a 500.
        if (!this.#store.delete(id)) throw detail(500, `Memory with id ${id} not found`);
        return { status: 200, body: { message: 'Memory deleted successfully' } };
      }
      throw detail(405, 'Method Not Allowed');
    }
    throw detail(404, 'Not Found');
  }

  #ossAdd(body: Record<string, unknown>): Answer {
    const messages = readMessages(body['messages'], 'server');
    const entity = readEntity(body);
    if (!entity.user_id && !entity.agent_id && !entity.run_id) throw detail(400, 'At least one identifier (user_id, agent_id, run_id) is required.');
    const events = this.#store.add(messages, entity, optionalObject(body['metadata'], 'metadata') ?? null, body['infer'] !== false);
    return { status: 200, body: { results: events.map((e) => ({ id: e.id, memory: e.memory, event: e.event })) } };
  }

  #ossSearch(body: Record<string, unknown>): Answer {
    const query = body['query'];
    if (typeof query !== 'string') throw detail(422, [{ type: 'missing', loc: ['body', 'query'], msg: 'Field required', input: null }]);
    const entity: Partial<Record<Mem0EntityField, string>> = {};
    for (const field of ['user_id', 'agent_id', 'run_id'] as const) if (typeof body[field] === 'string') entity[field] = body[field] as string;
    if (Object.keys(entity).length === 0) throw detail(500, "At least one of 'user_id', 'agent_id', or 'run_id' must be provided.");
    const filters = body['filters'];
    const results = this.#store
      .select((m) => matchesEntity(m, entity) && (filters === undefined || filters === null || matchesFilters(m, filters)))
      .map((m) => ({ ...ossView(m), score: scoreMemory(query, m.memory) }))
      .filter((m) => m.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 100);
    return { status: 200, body: { results } };
  }

  // ---- shared --------------------------------------------------------------------------------

  #deleteAll(url: URL, surface: 'platform' | 'server'): Answer {
    const entity = this.#queryEntity(url);
    if (Object.keys(entity).length === 0) throw surface === 'platform' ? badRequest(ENTITY_REQUIRED) : detail(400, 'At least one identifier is required.');
    this.#store.deleteWhere(entity);
    return { status: 200, body: { message: surface === 'platform' ? 'Memories deleted successfully!' : 'All relevant memories deleted' } };
  }

  #queryEntity(url: URL): Partial<Record<Mem0EntityField, string>> {
    const entity: Partial<Record<Mem0EntityField, string>> = {};
    for (const field of MEM0_ENTITY_FIELDS) {
      const value = url.searchParams.get(field);
      if (value) entity[field] = value;
    }
    return entity;
  }

  #requireMemory(id: string, surface: 'platform' | 'server'): FakeMem0Memory {
    const memory = this.#store.get(id);
    if (!memory) throw surface === 'platform' ? detail(404, 'Memory not found.') : detail(404, 'Memory not found');
    return memory;
  }
}

function answerOf(error: HttpError): Answer {
  return { status: error.status, body: error.body };
}

function parseBody(text: string, surface: 'platform' | 'server'): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw surface === 'platform' ? detail(400, 'JSON parse error - Expecting value') : detail(422, [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error' }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw surface === 'platform' ? badRequest('The body must be a JSON object.') : detail(422, [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary' }]);
  }
  return value as Record<string, unknown>;
}

function readMessages(value: unknown, surface: 'platform' | 'server'): { role: string; content: string }[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>)['role'] === 'string' && typeof (m as Record<string, unknown>)['content'] === 'string');
  if (!valid) {
    if (surface === 'platform') throw badRequest('messages must be a non-empty list of {role, content}.');
    throw detail(422, [{ type: 'missing', loc: ['body', 'messages'], msg: 'Field required' }]);
  }
  return value as { role: string; content: string }[];
}

function readEntity(body: Record<string, unknown>): Record<Mem0EntityField, string | null> {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return { user_id: text(body['user_id']), agent_id: text(body['agent_id']), run_id: text(body['run_id']), app_id: text(body['app_id']) };
}

function matchesEntity(memory: FakeMem0Memory, entity: Partial<Record<Mem0EntityField, string>>): boolean {
  return Object.entries(entity).every(([field, value]) => memory[field as Mem0EntityField] === value);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be a string.`);
  return value;
}

function optionalObject(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`${name} must be an object.`);
  return value as Record<string, unknown>;
}

function positiveInt(value: unknown, name: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw badRequest(`${name} must be a positive integer.`);
  return n;
}

/** A memory as the platform returns it. */
function platformView(m: FakeMem0Memory): Record<string, unknown> {
  return {
    id: m.id,
    memory: m.memory,
    user_id: m.user_id,
    agent_id: m.agent_id,
    run_id: m.run_id,
    app_id: m.app_id,
    metadata: m.metadata,
    categories: m.categories,
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

/** A memory as the open-source server returns it: absent ids left out. */
function ossView(m: FakeMem0Memory): Record<string, unknown> {
  return {
    id: m.id,
    memory: m.memory,
    hash: m.hash,
    metadata: m.metadata,
    created_at: m.created_at,
    updated_at: m.updated_at,
    ...(m.user_id ? { user_id: m.user_id } : {}),
    ...(m.agent_id ? { agent_id: m.agent_id } : {}),
    ...(m.run_id ? { run_id: m.run_id } : {}),
  };
}

/** Throws a RangeError for a knob value the fake cannot honour. */
function validateKnobs(knobs: Partial<FakeMem0Knobs>): void {
  validateCommonKnobs(knobs);
  validateErrorKinds(knobs.errorKinds, ['http_500', 'http_502', 'http_503']);
}
