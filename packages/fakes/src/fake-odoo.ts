/**
 * A fake Odoo: a real HTTP server on 127.0.0.1 speaking Odoo's external JSON-RPC API (`POST /jsonrpc`,
 * services `common`, `object`, `db`; `GET /web/version`) over seeded, read-only finance data, with
 * knobs for latency, server errors, 429 bursts, expired sessions, auth failures and the server version.
 * Workers' tests and the gateway's sandbox mode use it; production code never knows about it.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { REFERENCE_AGENCIES } from '@mcpgw/ops-schema';
import { FakeHttpServer, recordCall, type FakeRequestBody } from './fake-http-server.js';
import { RateLimitBurst, validateCommonKnobs, validateErrorKinds } from './fake-knobs.js';
import { accessDenied, OdooFault, serializationFailure, sessionExpired, typeError } from './fake-odoo-faults.js';
import { majorVersion, type OdooEnv, type OdooStore } from './fake-odoo-models.js';
import { executeOrm } from './fake-odoo-orm.js';
import { FakeOdooRandom, manilaDate, seedFakeOdoo, type FakeOdooCompany, type FakeOdooSeedSummary } from './fake-odoo-seed.js';

export type { FakeOdooCompany, FakeOdooSeedSummary } from './fake-odoo-seed.js';
export type { OdooErrorEnvelope } from './fake-odoo-faults.js';

/** An API user of the fake. */
export interface FakeOdooUser {
  login: string;
  /** The API key, accepted in place of the password (Odoo ≥ 14). */
  apiKey: string;
  /** An optional password, accepted too. */
  password?: string;
}

/** How an injected server error looks on the wire. */
export type FakeOdooErrorKind = 'server_error' | 'http_502' | 'http_503';

/** Fault-injection knobs; change them at any time through `fake.knobs` (assign a partial, or mutate the live object). */
export interface FakeOdooKnobs {
  /** Delay before every answer (ms). Default 0. */
  latencyMs: number;
  /**
   * Probability (0..1) that a request fails before it is served. Default 0. Failures rotate through
   * `errorKinds`: an Odoo server error inside an HTTP 200 (`psycopg2.errors.SerializationFailure`,
   * retryable), or an HTTP 502 / 503 HTML page from the proxy in front of Odoo.
   */
  errorRate: number;
  /** Which failures `errorRate` injects, in rotation. Default all three. */
  errorKinds: FakeOdooErrorKind[];
  /**
   * A burst of HTTP 429s: the next `burst` requests (after this value is set) get
   * `429 Too Many Requests` with `Retry-After: <retryAfterSec>` (whole seconds, rounded up). Null: off.
   */
  rateLimit429: { burst: number; retryAfterSec: number } | null;
  /**
   * When true, every `object.*` call answers Odoo's `code: 100` "Odoo Session Expired" until the next
   * successful `common.authenticate` / `common.login`, which clears it (the client re-logged in).
   */
  sessionExpired: boolean;
  /** When true, `authenticate`/`login` answer false and `execute_kw` AccessDenied, whatever the credentials. */
  authFail: boolean;
  /** The server version ('16.0' .. '19.0'): `common.version`, `/web/version` and which fields exist. Default '17.0'. */
  serverVersion: string;
}

/** One served request, for tests' assertions (secrets are never recorded). */
export interface FakeOdooCall {
  /** `common`, `object`, `db` (/jsonrpc), `web` (/web/* JSON routes), `json2` (/json/2), or `http` for plain routes. */
  service: string;
  /** The service method (`authenticate`, `execute_kw`, ...), or the path for `web`/`json2`/`http`. */
  method: string;
  /** The model of an ORM call (`execute_kw`, `call_kw`, JSON-2), else null. */
  model: string | null;
  /** The ORM method of an ORM call, else null. */
  modelMethod: string | null;
  /** How it ended. */
  outcome: 'ok' | 'fault' | 'session_expired' | 'rate_limited' | 'http_error';
  /** The fault's Python name when `outcome` is `fault`/`session_expired`. */
  faultName: string | null;
}

/** Options of {@link startFakeOdoo}. */
export interface StartFakeOdooOptions {
  /** Database name (default 'sandbox'). */
  db?: string;
  /** API users (default one `admin` with a random key); the first is `fake.login`/`fake.apiKey`, uid 2, then 3, ... */
  users?: FakeOdooUser[];
  /** Server version (default '17.0'); same as `knobs.serverVersion`. */
  version?: string;
  /** Load the sample data (default true); false leaves only companies, currencies and users. */
  seed?: boolean;
  /** The clock the sample data is relative to, and a frozen "today" for computed states (default: the wall clock). */
  now?: Date;
  /** Companies to create (default: the 8 REFERENCE_AGENCIES of @mcpgw/ops-schema; `company_registry` holds the code). */
  companies?: readonly FakeOdooCompany[];
  /** PRNG seed of the sample data (default 0x0d00). */
  randomSeed?: number;
  /** Initial knobs. */
  knobs?: Partial<FakeOdooKnobs>;
  /** How many entries `calls` keeps (oldest dropped first; default 10000), so a long sandbox run stays bounded. */
  maxCalls?: number;
}

/** A running fake Odoo. */
export interface FakeOdoo {
  /** `http://127.0.0.1:<port>` (ODOO_URL). */
  readonly url: string;
  /** ODOO_DB. */
  readonly db: string;
  /** The first user's login (ODOO_USERNAME). */
  readonly login: string;
  /** The first user's API key (ODOO_API_KEY). */
  readonly apiKey: string;
  /** The first user's uid (2, as the admin of a real database). */
  readonly uid: number;
  /** The live knobs; assigning a partial merges it (and restarts a 429 burst when `rateLimit429` is given). */
  get knobs(): FakeOdooKnobs;
  set knobs(value: Partial<FakeOdooKnobs>);
  /** Every request served so far, oldest first (clear it with `calls.length = 0`). */
  readonly calls: FakeOdooCall[];
  /** Records per model after seeding. */
  readonly seedSummary: FakeOdooSeedSummary;
  /** The clock of the data: `now` as given, else the start time. "Today" for computed states follows the wall clock unless `now` was given. */
  readonly now: Date;
  /** Stops the server, cutting open connections and pending delayed answers. */
  close(): Promise<void>;
}

const DEFAULT_KNOBS: FakeOdooKnobs = {
  latencyMs: 0,
  errorRate: 0,
  errorKinds: ['server_error', 'http_502', 'http_503'],
  rateLimit429: null,
  sessionExpired: false,
  authFail: false,
  serverVersion: '17.0',
};

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** `common.version()` for a version string. */
export function odooVersionInfo(version: string): Record<string, unknown> {
  const match = /(\d+)\.(\d+)/.exec(version);
  const major = match === null ? majorVersion(version) : Number(match[1]);
  const minor = match === null ? 0 : Number(match[2]);
  return {
    server_version: version,
    server_version_info: [major, minor, 0, 'final', 0, ''],
    server_serie: `${major}.${minor}`,
    protocol_version: 1,
  };
}

/** Starts a fake Odoo on 127.0.0.1 (a free port). */
export async function startFakeOdoo(options: StartFakeOdooOptions = {}): Promise<FakeOdoo> {
  const fake = new FakeOdooServer(options);
  await fake.listen();
  return fake;
}

class FakeOdooServer implements FakeOdoo {
  readonly db: string;
  readonly now: Date;
  readonly calls: FakeOdooCall[] = [];
  readonly seedSummary: FakeOdooSeedSummary;
  readonly #users: FakeOdooUser[];
  readonly #knobs: FakeOdooKnobs;
  readonly #store: OdooStore = new Map();
  readonly #http: FakeHttpServer;
  readonly #faultRandom = new FakeOdooRandom(0x5eed);
  #faultTurn = 0;
  readonly #burst = new RateLimitBurst();
  readonly #frozenClock: boolean;
  readonly #maxCalls: number;
  /** Web-client sessions: `session_id` cookie → uid. */
  readonly #sessions = new Map<string, number>();

  constructor(options: StartFakeOdooOptions) {
    this.db = options.db ?? 'sandbox';
    this.now = options.now ?? new Date();
    this.#frozenClock = options.now !== undefined;
    this.#maxCalls = options.maxCalls ?? 10_000;
    const users = options.users ?? [{ login: 'admin', apiKey: randomBytes(20).toString('hex') }];
    if (users.length === 0) throw new Error('startFakeOdoo needs at least one user');
    this.#users = users.map((u) => ({ ...u }));
    this.#knobs = { ...DEFAULT_KNOBS, errorKinds: [...DEFAULT_KNOBS.errorKinds] };
    if (options.version !== undefined) this.#knobs.serverVersion = options.version;
    this.knobs = options.knobs ?? {};
    const companies =
      options.companies ??
      REFERENCE_AGENCIES.map((a) => ({ code: a.code, name: a.name, tin: a.tin, vatRegistered: a.vatRegistered }));
    this.seedSummary = seedFakeOdoo(this.#store, {
      now: this.now,
      db: this.db,
      companies,
      logins: this.#users.map((u) => u.login),
      ...(options.randomSeed === undefined ? {} : { randomSeed: options.randomSeed }),
    });
    if (options.seed === false) {
      for (const [model, records] of this.#store) {
        if (!['res.company', 'res.currency', 'res.users'].includes(model)) records.clear();
      }
    }
    this.#http = new FakeHttpServer({ maxBodyBytes: MAX_BODY_BYTES, latencyMs: () => this.#knobs.latencyMs, serve: (req, res, body) => this.#serve(req, res, body) });
  }

  get url(): string {
    return this.#http.url;
  }
  get login(): string {
    return this.#users[0]!.login;
  }
  get apiKey(): string {
    return this.#users[0]!.apiKey;
  }
  get uid(): number {
    return 2;
  }
  get knobs(): FakeOdooKnobs {
    return this.#knobs;
  }
  set knobs(value: Partial<FakeOdooKnobs>) {
    validateKnobs(value);
    Object.assign(this.#knobs, value);
    if ('rateLimit429' in value) this.#burst.reset();
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  #env(): OdooEnv {
    const clock = this.#frozenClock ? this.now.getTime() : Date.now();
    return { store: this.#store, version: majorVersion(this.#knobs.serverVersion), today: manilaDate(clock) };
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse, body: FakeRequestBody): void {
    if (body.tooLarge) {
      sendHtml(res, 413, 'Request Entity Too Large', 'The data value transmitted exceeds the capacity limit.');
      return;
    }
    this.#route(req, res, body.bytes.toString('utf8'));
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const post = req.method === 'POST';
    if (path === '/jsonrpc' && post) {
      this.#jsonRpc(res, body);
    } else if (path === '/web/version' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (this.#injected(res, { service: 'http', method: path }, 'plain')) return;
      this.#record({ service: 'http', method: path, outcome: 'ok' });
      sendJson(res, 200, odooVersionInfo(this.#knobs.serverVersion));
    } else if (path === '/web/webclient/version_info' && post) {
      this.#webJson(res, body, path, () => odooVersionInfo(this.#knobs.serverVersion));
    } else if (path === '/web/session/authenticate' && post) {
      this.#webJson(res, body, path, (params) => this.#sessionAuthenticate(res, params));
    } else if (path === '/web/session/destroy' && post) {
      this.#webJson(res, body, path, () => {
        const sid = sessionCookie(req);
        if (sid !== undefined) this.#sessions.delete(sid);
        return null;
      });
    } else if ((path === '/web/dataset/call_kw' || path.startsWith('/web/dataset/call_kw/')) && post) {
      this.#webJson(res, body, path, (params) => this.#callKw(req, params), callKwModel(body));
    } else if (path.startsWith('/json/2/') && post && majorVersion(this.#knobs.serverVersion) >= 19) {
      this.#json2(req, res, body, path);
    } else {
      this.#record({ service: 'http', method: path, outcome: 'http_error' });
      if (path === '/jsonrpc') sendHtml(res, 405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
      else sendHtml(res, 404, 'Not Found', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.');
    }
  }

  #jsonRpc(res: http.ServerResponse, body: string): void {
    const request = parseJson(body);
    if (request === undefined) {
      const fault = new OdooFault('werkzeug.exceptions.BadRequest', '400 Bad Request: Invalid JSON data');
      this.#record({ service: 'http', method: '/jsonrpc', outcome: 'fault', faultName: fault.pythonName });
      sendJson(res, 200, { jsonrpc: '2.0', id: null, error: fault.toEnvelope() });
      return;
    }
    const id = request['id'] ?? null;
    const params = asObject(request['params']);
    const service = typeof params['service'] === 'string' ? params['service'] : '';
    const method = typeof params['method'] === 'string' ? params['method'] : '';
    const args = Array.isArray(params['args']) ? (params['args'] as unknown[]) : [];
    const isObjectCall = service === 'object' && (method === 'execute_kw' || method === 'execute');
    const call = {
      service,
      method,
      model: isObjectCall && typeof args[3] === 'string' ? args[3] : null,
      modelMethod: isObjectCall && typeof args[4] === 'string' ? args[4] : null,
    };
    if (this.#injected(res, call, 'jsonrpc', id)) return;
    this.#answer(res, call, id, () => this.#dispatch(service, method, args));
  }

  /** A web-client JSON route (`type='json'`): the same envelope as /jsonrpc, params by name. */
  #webJson(
    res: http.ServerResponse,
    body: string,
    path: string,
    handler: (params: Record<string, unknown>) => unknown,
    target: { model: string | null; modelMethod: string | null } = { model: null, modelMethod: null },
  ): void {
    const request = parseJson(body);
    const call = { service: 'web', method: path, ...target };
    if (this.#injected(res, call, 'jsonrpc', request?.['id'] ?? null)) return;
    if (request === undefined) {
      this.#answer(res, call, null, () => {
        throw new OdooFault('werkzeug.exceptions.BadRequest', '400 Bad Request: Invalid JSON data');
      });
      return;
    }
    this.#answer(res, call, request['id'] ?? null, () => handler(asObject(request['params'])));
  }

  /** Runs `produce` and answers its result, or its fault inside an HTTP 200 envelope. */
  #answer(res: http.ServerResponse, call: Omit<FakeOdooCall, 'outcome' | 'faultName'>, id: unknown, produce: () => unknown): void {
    try {
      const result = produce();
      this.#record({ ...call, outcome: 'ok' });
      sendJson(res, 200, { jsonrpc: '2.0', id, result });
    } catch (error) {
      const fault = asFault(error);
      this.#record({ ...call, outcome: fault.code === 100 ? 'session_expired' : 'fault', faultName: fault.pythonName });
      sendJson(res, 200, { jsonrpc: '2.0', id, error: fault.toEnvelope() });
    }
  }

  /** `/web/session/authenticate`: the interactive login, which takes the password (API keys are refused, as in Odoo). */
  #sessionAuthenticate(res: http.ServerResponse, params: Record<string, unknown>): unknown {
    this.#checkDb(params['db']);
    const index = this.#users.findIndex((u) => u.login === params['login']);
    const user = this.#users[index];
    if (this.#knobs.authFail || user === undefined || user.password === undefined || params['password'] !== user.password) throw accessDenied();
    const uid = 2 + index;
    const sid = randomBytes(20).toString('hex');
    this.#sessions.set(sid, uid);
    this.#knobs.sessionExpired = false;
    res.setHeader('Set-Cookie', `session_id=${sid}; HttpOnly; Path=/; SameSite=Lax`);
    const companies = [...(this.#store.get('res.company')?.values() ?? [])];
    const info = odooVersionInfo(this.#knobs.serverVersion);
    return {
      uid,
      is_system: index === 0,
      is_admin: index === 0,
      db: this.db,
      name: index === 0 ? 'Administrator' : user.login,
      username: user.login,
      partner_id: false,
      company_id: companies[0]?.id ?? false,
      user_context: { lang: 'en_US', tz: 'Asia/Manila', uid },
      server_version: info['server_version'],
      server_version_info: info['server_version_info'],
      user_companies: {
        current_company: companies[0]?.id ?? false,
        allowed_companies: Object.fromEntries(companies.map((c) => [String(c.id), { id: c.id, name: c['name'], sequence: c['sequence'] }])),
      },
    };
  }

  /** `/web/dataset/call_kw[/<model>/<method>]`: an ORM call authenticated by the `session_id` cookie. */
  #callKw(req: http.IncomingMessage, params: Record<string, unknown>): unknown {
    const sid = sessionCookie(req);
    const uid = sid === undefined ? undefined : this.#sessions.get(sid);
    if (uid === undefined || this.#knobs.sessionExpired) throw sessionExpired();
    if (typeof params['model'] !== 'string' || typeof params['method'] !== 'string') throw typeError('call_kw() needs a model and a method');
    return executeOrm(params['model'], params['method'], params['args'] ?? [], params['kwargs'] ?? {}, this.#env());
  }

  /** `POST /json/2/<model>/<method>` (19.0+): bearer API key, named parameters, real HTTP statuses. */
  #json2(req: http.IncomingMessage, res: http.ServerResponse, body: string, path: string): void {
    const [, , , model = '', method = ''] = path.split('/');
    const call = { service: 'json2', method: path, model, modelMethod: method };
    if (this.#injected(res, call, 'json2')) return;
    try {
      const auth = /^bearer\s+(.+)$/i.exec(String(req.headers['authorization'] ?? ''));
      const user = auth === null ? undefined : this.#users.find((u) => u.apiKey === auth[1]);
      if (this.#knobs.authFail || user === undefined) throw new OdooFault('werkzeug.exceptions.Unauthorized', 'Invalid apikey');
      const database = req.headers['x-odoo-database'];
      if (database !== undefined && database !== this.db) throw new OdooFault('werkzeug.exceptions.NotFound', `Database ${String(database)} not found`);
      const params = body.trim() === '' ? {} : parseJson(body);
      if (params === undefined) throw new OdooFault('werkzeug.exceptions.BadRequest', 'Invalid JSON data');
      const { ids, ...named } = params;
      const kwargs = method === 'read' && ids !== undefined ? { ids, ...named } : named;
      const result = executeOrm(model, method, [], kwargs, this.#env());
      this.#record({ ...call, outcome: 'ok' });
      sendJson(res, 200, result);
    } catch (error) {
      const fault = asFault(error);
      this.#record({ ...call, outcome: 'fault', faultName: fault.pythonName });
      const status = json2Status(fault.pythonName);
      const envelope = fault.toEnvelope().data;
      sendJson(res, status, { ...envelope, arguments: [fault.message, status] });
    }
  }

  /** Applies the 429 and error-rate knobs; true when the request was answered with an injected failure. */
  #injected(
    res: http.ServerResponse,
    call: Omit<FakeOdooCall, 'outcome' | 'faultName' | 'model' | 'modelMethod'> & Partial<FakeOdooCall>,
    style: 'jsonrpc' | 'json2' | 'plain',
    id: unknown = null,
  ): boolean {
    const limit = this.#knobs.rateLimit429;
    if (limit !== null && this.#burst.take(limit)) {
      this.#record({ ...call, outcome: 'rate_limited' });
      const retryAfter = String(Math.max(0, Math.ceil(limit.retryAfterSec)));
      sendHtml(res, 429, 'Too Many Requests', 'This user has exceeded an allotted request count. Try again later.', { 'Retry-After': retryAfter });
      return true;
    }
    const rate = this.#knobs.errorRate;
    const kinds = this.#knobs.errorKinds.length > 0 ? this.#knobs.errorKinds : DEFAULT_KNOBS.errorKinds;
    if (rate > 0 && (rate >= 1 || this.#faultRandom.next() < rate)) {
      const kind = kinds[this.#faultTurn++ % kinds.length]!;
      if (kind === 'server_error') {
        const fault = serializationFailure();
        this.#record({ ...call, outcome: 'fault', faultName: fault.pythonName });
        if (style === 'jsonrpc') sendJson(res, 200, { jsonrpc: '2.0', id, error: fault.toEnvelope() });
        else if (style === 'json2') sendJson(res, 500, { ...fault.toEnvelope().data, arguments: [fault.message, 500] });
        else sendHtml(res, 500, 'Internal Server Error', 'The server encountered an internal error and was unable to complete your request.');
      } else {
        this.#record({ ...call, outcome: 'http_error' });
        if (kind === 'http_502') sendHtml(res, 502, 'Bad Gateway', 'The proxy server received an invalid response from an upstream server.');
        else sendHtml(res, 503, 'Service Unavailable', 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems.');
      }
      return true;
    }
    return false;
  }

  #record(call: Partial<FakeOdooCall> & Pick<FakeOdooCall, 'service' | 'method' | 'outcome'>): void {
    recordCall(this.calls, { model: null, modelMethod: null, faultName: null, ...call }, this.#maxCalls);
  }

  #dispatch(service: string, method: string, args: unknown[]): unknown {
    switch (service) {
      case 'common':
        return this.#common(method, args);
      case 'db':
        if (method === 'list') return [this.db];
        if (method === 'server_version') return this.#knobs.serverVersion;
        if (method === 'db_exist') return args[0] === this.db;
        throw new OdooFault('builtins.NameError', `Method not available ${method}`);
      case 'object':
        return this.#object(method, args);
      default:
        throw new OdooFault('builtins.NameError', `Service ${service} not found`);
    }
  }

  #common(method: string, args: unknown[]): unknown {
    switch (method) {
      case 'version':
        return odooVersionInfo(this.#knobs.serverVersion);
      case 'about':
        return 'See http://openerp.com';
      case 'login':
      case 'authenticate': {
        const needed = method === 'login' ? 3 : 4;
        if (args.length < needed) {
          throw typeError(`exp_${method}() missing ${needed - args.length} required positional argument(s)`);
        }
        const [db, login, password] = args;
        this.#checkDb(db);
        const index = this.#users.findIndex((u) => u.login === login);
        const user = this.#users[index];
        if (this.#knobs.authFail || user === undefined || !matchesSecret(user, password)) return false;
        this.#knobs.sessionExpired = false;
        return 2 + index;
      }
      default:
        throw new OdooFault('builtins.NameError', `Method not available ${method}`);
    }
  }

  #object(method: string, args: unknown[]): unknown {
    if (method !== 'execute_kw' && method !== 'execute') throw new OdooFault('builtins.NameError', `Method not available ${method}`);
    if (args.length < 5) throw typeError(`${method}() missing ${5 - args.length} required positional argument(s)`);
    const [db, uid, password, model, ormMethod] = args;
    this.#checkDb(db);
    const user = typeof uid === 'number' ? this.#users[uid - 2] : undefined;
    if (this.#knobs.authFail || user === undefined || !matchesSecret(user, password)) throw accessDenied();
    if (this.#knobs.sessionExpired) throw sessionExpired();
    if (typeof model !== 'string' || typeof ormMethod !== 'string') throw typeError('model and method must be strings');
    const ormArgs = method === 'execute_kw' ? (args[5] ?? []) : args.slice(5);
    const ormKwargs = method === 'execute_kw' ? (args[6] ?? {}) : {};
    return executeOrm(model, ormMethod, ormArgs, ormKwargs, this.#env());
  }

  #checkDb(db: unknown): void {
    if (db !== this.db) {
      throw new OdooFault('psycopg2.OperationalError', `connection to server failed: FATAL:  database ${JSON.stringify(String(db))} does not exist`);
    }
  }
}

function matchesSecret(user: { apiKey: string; password?: string }, secret: unknown): boolean {
  if (typeof secret !== 'string' || secret === '') return false;
  return secret === user.apiKey || (user.password !== undefined && secret === user.password);
}

/** A JSON object body, or undefined when the body is not JSON (a non-object JSON value reads as `{}`). */
function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(body));
  } catch {
    return undefined;
  }
}

const asObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const asFault = (error: unknown): OdooFault =>
  error instanceof OdooFault ? error : new OdooFault('builtins.Exception', error instanceof Error ? error.message : String(error));

/** The model and method a call_kw body names, for the calls log. */
function callKwModel(body: string): { model: string | null; modelMethod: string | null } {
  const params = asObject(parseJson(body)?.['params']);
  return {
    model: typeof params['model'] === 'string' ? params['model'] : null,
    modelMethod: typeof params['method'] === 'string' ? params['method'] : null,
  };
}

function sessionCookie(req: http.IncomingMessage): string | undefined {
  const match = /(?:^|;\s*)session_id=([^;]+)/.exec(req.headers.cookie ?? '');
  return match?.[1];
}

/** JSON-2's HTTP status for a fault. */
function json2Status(pythonName: string): number {
  switch (pythonName) {
    case 'werkzeug.exceptions.Unauthorized':
    case 'odoo.exceptions.AccessDenied':
      return 401;
    case 'odoo.exceptions.AccessError':
      return 403;
    case 'werkzeug.exceptions.NotFound':
    case 'builtins.KeyError':
    case 'builtins.AttributeError':
    case 'odoo.exceptions.MissingError':
      return 404;
    case 'werkzeug.exceptions.BadRequest':
      return 400;
    case 'builtins.ValueError':
    case 'builtins.TypeError':
    case 'odoo.exceptions.UserError':
    case 'odoo.exceptions.ValidationError':
      return 422;
    default:
      return 500;
  }
}

/** Throws a RangeError for a knob value the fake cannot honour. */
function validateKnobs(knobs: Partial<FakeOdooKnobs>): void {
  validateCommonKnobs(knobs);
  if (knobs.serverVersion !== undefined && !/\d+\.\d+/.test(knobs.serverVersion)) {
    throw new RangeError("knobs.serverVersion must look like '17.0'");
  }
  validateErrorKinds(knobs.errorKinds, ['server_error', 'http_502', 'http_503']);
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendHtml(res: http.ServerResponse, status: number, title: string, text: string, headers: Record<string, string> = {}): void {
  const body = `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${text}</p>\n`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
