/**
 * A fake GitHub REST API: a real HTTP server on 127.0.0.1 serving the subset an operations agent
 * uses (repositories, issues, pull requests with reviews and merges, workflow runs and re-runs, check
 * runs and commit statuses, rate_limit) over seeded sample data, with GitHub's behaviour where clients
 * trip: personal access tokens and GitHub App auth (RS256 app JWT → `ghs_` installation tokens that
 * expire), `X-GitHub-Api-Version` validation, Link-header pagination capped at 100 per page, all five
 * `x-ratelimit-*` headers with a decrementing hourly counter, primary-limit 403/429, secondary-limit
 * 403/429 with `retry-after`, 404 for what the token cannot see, ETag / 304, and the fault knobs of the
 * other fakes (latency, 5xx, 429 bursts, bad credentials). Production code never knows about it.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import { FakeHttpServer, recordCall } from './fake-http-server.js';
import {
  SAMPLE_DEFAULT_REPO,
  SAMPLE_FEATURE_BRANCH,
  SAMPLE_READY_PULL,
  fakeSha,
  seedFakeGithub,
  type GithubAccount,
  type GithubIssueState,
  type GithubRepoState,
  type GithubRunState,
  type GithubStore,
} from './fake-github-seed.js';

export { SAMPLE_DEFAULT_REPO, SAMPLE_FEATURE_BRANCH, SAMPLE_READY_PULL } from './fake-github-seed.js';

/** How an injected server error looks on the wire. */
export type FakeGithubErrorKind = 'http_500' | 'http_502' | 'http_503';

/** Fault-injection knobs (the shape of the other fakes'); assign a partial through `fake.knobs` at any time. */
export interface FakeGithubKnobs {
  /** Delay before every answer (ms). Default 0. */
  latencyMs: number;
  /** Fraction (0..1) of requests answered with a 5xx, spread evenly (0.5 fails every second one). Default 0. */
  errorRate: number;
  /** Which 5xx `errorRate` injects, in rotation: 500 JSON `Server Error`, 502/503 HTML pages. */
  errorKinds: FakeGithubErrorKind[];
  /** The next `burst` requests get 429 with `retry-after: retryAfterSec` and GitHub's secondary-limit message. Null: off. */
  rateLimit429: { burst: number; retryAfterSec: number } | null;
  /** The next `burst` requests get 403 with `retry-after: retryAfterSec` and the secondary-limit message. Null: off. */
  secondaryLimit403: { burst: number; retryAfterSec: number } | null;
  /** Primary (hourly) requests per identity; setting it starts a fresh window. Default 5000. */
  coreLimit: number;
  /** The status of an exhausted primary limit: GitHub sends 403 or 429. Default 403. */
  primaryLimitStatus: 403 | 429;
  /** Every authenticated request answers 401 `Bad credentials` (a revoked or expired token). */
  authFail: boolean;
  /** Lifetime of minted installation tokens, seconds. Default 3600 (GitHub's hour). */
  tokenTtlSec: number;
}

/** One served request, for tests' assertions (tokens are never recorded). */
export interface FakeGithubCall {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  status: number;
  /** How the request authenticated. */
  auth: 'token' | 'installation' | 'app_jwt' | 'none' | 'invalid';
  /** The `X-GitHub-Api-Version` header as sent, or null. */
  apiVersion: string | null;
  userAgent: string | null;
  /** The W3C `traceparent` header as sent (tracing tests), or null. */
  traceparent: string | null;
}

/** The GitHub App the fake knows (for GITHUB_APP_ID / GITHUB_PRIVATE_KEY / GITHUB_INSTALLATION_ID). */
export interface FakeGithubApp {
  appId: string;
  installationId: string;
  /** PKCS#8 PEM of the app's RSA key: what an operator downloads from the app's settings. */
  privateKey: string;
}

export interface StartFakeGithubOptions {
  /** Personal access tokens accepted (default one random `ghp_…`); the first is `fake.token`. */
  tokens?: string[];
  /** The clock the sample data is relative to (default: now). */
  now?: Date;
  randomSeed?: number;
  knobs?: Partial<FakeGithubKnobs>;
  /** How many entries `calls` keeps (default 10000). */
  maxCalls?: number;
}

/** A running fake GitHub. */
export interface FakeGithub {
  /** `http://127.0.0.1:<port>` (GITHUB_API_URL). */
  readonly url: string;
  /** A valid personal access token (GITHUB_TOKEN). */
  readonly token: string;
  /** The GitHub App and its installation. */
  readonly app: FakeGithubApp;
  /** `acme/platform`: GITHUB_DEFAULT_REPO in sandbox mode. */
  readonly defaultRepo: string;
  /** A pushed branch of the default repo without a pull request: GITHUB_DEFAULT_HEAD in sandbox mode. */
  readonly featureBranch: string;
  get knobs(): FakeGithubKnobs;
  set knobs(value: Partial<FakeGithubKnobs>);
  /** The same object as `knobs` (the brief's name for it). */
  get faults(): FakeGithubKnobs;
  set faults(value: Partial<FakeGithubKnobs>);
  /** Every request served, oldest first (clear with `calls.length = 0`). */
  readonly calls: FakeGithubCall[];
  /** The live data (tests may read or change it). */
  readonly store: GithubStore;
  /** Makes every installation token minted so far invalid (as if it had expired). */
  expireInstallationTokens(): void;
  /** Starts a fresh primary-limit window for every identity. */
  resetRateLimits(): void;
  close(): Promise<void>;
}

const DEFAULT_KNOBS: FakeGithubKnobs = {
  latencyMs: 0,
  errorRate: 0,
  errorKinds: ['http_500', 'http_502', 'http_503'],
  rateLimit429: null,
  secondaryLimit403: null,
  coreLimit: 5_000,
  primaryLimitStatus: 403,
  authFail: false,
  tokenTtlSec: 3_600,
};

const SUPPORTED_VERSIONS = ['2022-11-28', '2026-03-10'];
const DOCS = 'https://docs.github.com/rest';
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';
const MAX_BODY_BYTES = 1024 * 1024;
const RUN_FAILURES = new Set(['failure', 'timed_out', 'cancelled', 'startup_failure', 'action_required']);

/** Starts a fake GitHub on 127.0.0.1 (a free port). */
export async function startFakeGithub(options: StartFakeGithubOptions = {}): Promise<FakeGithub> {
  const fake = new FakeGithubServer(options);
  await fake.listen();
  return fake;
}

/** An error answer: GitHub's JSON error body with a status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Identity {
  kind: 'token' | 'installation' | 'app_jwt';
  /** The rate-limit bucket. */
  key: string;
}

interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  identity: Identity | null;
  origin: string;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class FakeGithubServer implements FakeGithub {
  readonly token: string;
  readonly app: FakeGithubApp;
  readonly defaultRepo = SAMPLE_DEFAULT_REPO;
  readonly featureBranch = SAMPLE_FEATURE_BRANCH;
  readonly calls: FakeGithubCall[] = [];
  readonly store: GithubStore;
  readonly #tokens: Set<string>;
  readonly #publicKey: KeyObject;
  readonly #installationTokens = new Map<string, number>();
  readonly #knobs: FakeGithubKnobs;
  readonly #http: FakeHttpServer;
  readonly #windows = new Map<string, { used: number; resetAt: number }>();
  readonly #maxCalls: number;
  #burst429 = 0;
  #burst403 = 0;
  #errorCredit = 0;
  #errorTurn = 0;

  constructor(options: StartFakeGithubOptions) {
    const tokens = options.tokens ?? [`ghp_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`];
    if (tokens.length === 0) throw new Error('startFakeGithub needs at least one token');
    this.token = tokens[0]!;
    this.#tokens = new Set(tokens);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#publicKey = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
    this.app = {
      appId: String(100_000 + randomBytes(2).readUInt16BE(0)),
      installationId: String(40_000_000 + randomBytes(2).readUInt16BE(0)),
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    this.#maxCalls = options.maxCalls ?? 10_000;
    this.#knobs = { ...DEFAULT_KNOBS, errorKinds: [...DEFAULT_KNOBS.errorKinds] };
    this.knobs = options.knobs ?? {};
    this.store = seedFakeGithub({ now: options.now ?? new Date(), ...(options.randomSeed === undefined ? {} : { randomSeed: options.randomSeed }) });
    this.#http = new FakeHttpServer({
      maxBodyBytes: MAX_BODY_BYTES,
      latencyMs: () => this.#knobs.latencyMs,
      serve: (req, res, body) => this.#serve(req, res, body.tooLarge ? null : body.bytes.toString('utf8')),
    });
  }

  get url(): string {
    return this.#http.url;
  }
  get knobs(): FakeGithubKnobs {
    return this.#knobs;
  }
  set knobs(value: Partial<FakeGithubKnobs>) {
    validateKnobs(value);
    Object.assign(this.#knobs, value);
    if ('rateLimit429' in value) this.#burst429 = value.rateLimit429?.burst ?? 0;
    if ('secondaryLimit403' in value) this.#burst403 = value.secondaryLimit403?.burst ?? 0;
    if ('coreLimit' in value) this.#windows.clear();
    if ('errorRate' in value) this.#errorCredit = 0;
  }
  get faults(): FakeGithubKnobs {
    return this.knobs;
  }
  set faults(value: Partial<FakeGithubKnobs>) {
    this.knobs = value;
  }

  expireInstallationTokens(): void {
    for (const token of this.#installationTokens.keys()) this.#installationTokens.set(token, 0);
  }

  resetRateLimits(): void {
    this.#windows.clear();
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse, text: string | null): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const apiVersion = header(req, 'x-github-api-version');
    const userAgent = header(req, 'user-agent');
    const call: FakeGithubCall = { method, path: url.pathname, query: url.search, status: 0, auth: 'none', apiVersion, userAgent, traceparent: header(req, 'traceparent') };
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': apiVersion ?? SUPPORTED_VERSIONS[0]!,
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
    };
    const send = (answer: Answer): void => {
      call.status = answer.status;
      recordCall(this.calls, call, this.#maxCalls);
      const all = { ...headers, ...answer.headers };
      if (answer.body === undefined) {
        delete all['content-type'];
        res.writeHead(answer.status, all).end();
        return;
      }
      if (typeof answer.body === 'string') {
        res.writeHead(answer.status, { ...all, 'content-type': 'text/html; charset=utf-8' }).end(answer.body);
        return;
      }
      res.writeHead(answer.status, all).end(JSON.stringify(answer.body));
    };
    const fail = (error: HttpError): void =>
      send({ status: error.status, headers: error.headers, body: { message: error.message, documentation_url: DOCS, status: String(error.status), ...error.extra } });
    try {
      if (!userAgent?.trim()) {
        throw new HttpError(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).');
      }
      if (apiVersion !== null && !SUPPORTED_VERSIONS.includes(apiVersion)) {
        throw new HttpError(400, `API version ${apiVersion} is not supported.`, {}, {});
      }
      if (text === null) throw new HttpError(413, 'Payload too large');
      const injected = this.#injectedFault();
      if (injected) {
        send(injected);
        return;
      }
      const identity = this.#authenticate(req, call, url.pathname);
      const request: Request = { method, path: url.pathname.replace(/\/+$/, '') || '/', query: url.searchParams, body: parseBody(text, method), identity, origin: this.url };
      // GET /rate_limit does not count against the primary limit.
      if (identity && identity.kind !== 'app_jwt') {
        const limited = this.#primaryLimit(identity, headers, request.path !== '/rate_limit');
        if (limited) throw limited;
      }
      const answer = this.#route(request);
      // Conditional requests: a matching ETag answers 304 (which GitHub does not count; the counter already moved, so give it back).
      if (method === 'GET' && answer.status === 200 && answer.body !== undefined) {
        const etag = `W/"${createHash('sha1').update(JSON.stringify(answer.body)).digest('hex')}"`;
        headers['etag'] = etag;
        if (header(req, 'if-none-match') === etag) {
          if (identity) this.#refund(identity, headers);
          send({ status: 304 });
          return;
        }
      }
      send(answer);
    } catch (error) {
      if (error instanceof HttpError) fail(error);
      else {
        send({ status: 500, body: { message: 'Server Error', documentation_url: DOCS, status: '500' } });
      }
    }
  }

  /** Knob-driven failures, before authentication (a proxy or the abuse detector answers). */
  #injectedFault(): Answer | null {
    const k = this.#knobs;
    if (k.rateLimit429 && this.#burst429 > 0) {
      this.#burst429--;
      return { status: 429, headers: { 'retry-after': String(k.rateLimit429.retryAfterSec) }, body: { message: SECONDARY_MESSAGE, documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits`, status: '429' } };
    }
    if (k.secondaryLimit403 && this.#burst403 > 0) {
      this.#burst403--;
      return { status: 403, headers: { 'retry-after': String(k.secondaryLimit403.retryAfterSec) }, body: { message: SECONDARY_MESSAGE, documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits`, status: '403' } };
    }
    if (k.errorRate > 0) {
      this.#errorCredit += k.errorRate;
      if (this.#errorCredit >= 1 - 1e-9) {
        this.#errorCredit -= 1;
        const kind = k.errorKinds[this.#errorTurn++ % k.errorKinds.length] ?? 'http_500';
        if (kind === 'http_500') return { status: 500, body: { message: 'Server Error', documentation_url: DOCS, status: '500' } };
        const status = kind === 'http_502' ? 502 : 503;
        return { status, body: `<!DOCTYPE html><html><head><title>${status === 502 ? 'Unicorn!' : 'Service Unavailable'} &middot; GitHub</title></head><body><p>${status === 502 ? "We couldn't respond to your request in time." : 'GitHub is temporarily unavailable.'}</p></body></html>` };
      }
    }
    return null;
  }

  /** Who is calling: a PAT, an installation token, or (for /app/*) an app JWT. Throws 401 for bad credentials. */
  #authenticate(req: http.IncomingMessage, call: FakeGithubCall, path: string): Identity | null {
    const authorization = header(req, 'authorization');
    if (authorization === null) return null;
    const match = /^(?:bearer|token)\s+(\S+)$/i.exec(authorization);
    if (!match) {
      call.auth = 'invalid';
      throw new HttpError(401, 'Bad credentials');
    }
    const credential = match[1]!;
    if (this.#knobs.authFail) {
      call.auth = 'invalid';
      throw new HttpError(401, 'Bad credentials');
    }
    if (credential.startsWith('eyJ')) {
      if (!path.startsWith('/app')) {
        call.auth = 'invalid';
        throw new HttpError(401, 'A JSON web token could not be decoded');
      }
      this.#verifyAppJwt(credential);
      call.auth = 'app_jwt';
      return { kind: 'app_jwt', key: `app:${this.app.appId}` };
    }
    if (this.#tokens.has(credential)) {
      call.auth = 'token';
      return { kind: 'token', key: `user:${this.store.viewer.login}` };
    }
    const expiresAt = this.#installationTokens.get(credential);
    if (expiresAt !== undefined && expiresAt > Date.now()) {
      call.auth = 'installation';
      return { kind: 'installation', key: `installation:${this.app.installationId}` };
    }
    call.auth = 'invalid';
    throw new HttpError(401, 'Bad credentials');
  }

  /** GitHub's checks of an app JWT: RS256 by the app's key, `iss` the app id, `exp` within 10 minutes. */
  #verifyAppJwt(jwt: string): void {
    const parts = jwt.split('.');
    const bad = (message: string) => new HttpError(401, message);
    if (parts.length !== 3) throw bad('A JSON web token could not be decoded');
    let head: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      head = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw bad('A JSON web token could not be decoded');
    }
    if (head['alg'] !== 'RS256') throw bad('A JSON web token could not be decoded');
    const valid = verifySignature('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.#publicKey, Buffer.from(parts[2]!, 'base64url'));
    if (!valid) throw bad("A JSON web token could not be decoded");
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(claims['iat']);
    const exp = Number(claims['exp']);
    if (String(claims['iss']) !== this.app.appId) throw bad('Integration not found');
    if (!Number.isFinite(exp) || exp <= now) throw bad("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    if (exp - now > 600 + 30) throw bad("'Expiration time' claim ('exp') is too far in the future");
    if (!Number.isFinite(iat) || iat > now + 60) throw bad("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  }

  /** Counts the request in its identity's hourly window; returns the error when the window is spent. */
  #primaryLimit(identity: Identity, headers: Record<string, string>, counts: boolean): HttpError | null {
    const now = Date.now();
    let window = this.#windows.get(identity.key);
    if (!window || window.resetAt <= now) {
      window = { used: 0, resetAt: now + 3_600_000 };
      this.#windows.set(identity.key, window);
    }
    const limit = this.#knobs.coreLimit;
    const reset = String(Math.ceil(window.resetAt / 1000));
    if (counts && window.used >= limit) {
      Object.assign(headers, rateHeaders(limit, 0, window.used, reset));
      const who = identity.kind === 'installation' ? `installation ID ${this.app.installationId}` : `user ID ${this.store.viewer.id}`;
      return new HttpError(this.#knobs.primaryLimitStatus, `API rate limit exceeded for ${who}.`, { documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting` });
    }
    if (counts) window.used++;
    Object.assign(headers, rateHeaders(limit, Math.max(0, limit - window.used), window.used, reset));
    return null;
  }

  #refund(identity: Identity, headers: Record<string, string>): void {
    const window = this.#windows.get(identity.key);
    if (!window || window.used === 0) return;
    window.used--;
    Object.assign(headers, rateHeaders(this.#knobs.coreLimit, Math.max(0, this.#knobs.coreLimit - window.used), window.used, String(Math.ceil(window.resetAt / 1000))));
  }

  #route(r: Request): Answer {
    const segments = r.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [first, second, third, fourth, ...rest] = segments;
    const get = r.method === 'GET' || r.method === 'HEAD';
    if (r.path === '/rate_limit' && get) return this.#rateLimit(r);
    if (first === 'app' && second === 'installations' && fourth === 'access_tokens' && r.method === 'POST' && segments.length === 4) {
      if (r.identity?.kind !== 'app_jwt') throw new HttpError(401, 'A JSON web token could not be decoded');
      if (third !== this.app.installationId) throw new HttpError(404, 'Not Found');
      return this.#mintInstallationToken();
    }
    if (first === 'app' && segments.length === 1 && get) {
      if (r.identity?.kind !== 'app_jwt') throw new HttpError(401, 'A JSON web token could not be decoded');
      return { status: 200, body: { id: Number(this.app.appId), slug: 'acme-ops-agent', name: 'Acme Ops Agent', owner: account(this.store.accounts.get('acme')!, r.origin) } };
    }
    const identity = this.#requireAuth(r);
    if (first === 'user' && segments.length === 1 && get) {
      if (identity.kind !== 'token') throw new HttpError(403, 'Resource not accessible by integration');
      return { status: 200, body: { ...account(this.store.viewer, r.origin), name: 'Octo Agent' } };
    }
    if (first === 'user' && second === 'repos' && segments.length === 2 && get) {
      if (identity.kind !== 'token') throw new HttpError(403, 'Resource not accessible by integration');
      return this.#page(r, this.#visibleRepos().filter((repo) => repo.owner.login === this.store.viewer.login || repo.owner.login === 'acme').map((repo) => repoJson(repo, r.origin)));
    }
    if (first === 'installation' && second === 'repositories' && segments.length === 2 && get) {
      if (identity.kind !== 'installation') throw new HttpError(403, 'Resource not accessible by personal access token');
      const repos = this.#visibleRepos().filter((repo) => repo.owner.login === 'acme').map((repo) => repoJson(repo, r.origin));
      return this.#page(r, repos, (items) => ({ total_count: repos.length, repositories: items }));
    }
    if ((first === 'orgs' || first === 'users') && second && third === 'repos' && segments.length === 3 && get) {
      const owner = this.store.accounts.get(second.toLowerCase());
      if (!owner || (first === 'orgs' && owner.type !== 'Organization')) throw new HttpError(404, 'Not Found');
      return this.#ownerRepos(r, owner);
    }
    if (first === 'repos' && second && third) return this.#repoRoute(r, this.#repo(second, third), [fourth, ...rest].filter((s): s is string => s !== undefined));
    throw new HttpError(404, 'Not Found');
  }

  #requireAuth(r: Request): Identity {
    if (!r.identity) throw new HttpError(401, 'Requires authentication');
    if (r.identity.kind === 'app_jwt') throw new HttpError(401, 'A JSON web token could not be decoded');
    return r.identity;
  }

  #rateLimit(r: Request): Answer {
    const key = r.identity?.key;
    const window = key ? this.#windows.get(key) : undefined;
    const limit = r.identity ? this.#knobs.coreLimit : 60;
    const used = window?.used ?? 0;
    const reset = Math.ceil((window?.resetAt ?? Date.now() + 3_600_000) / 1000);
    const core = { limit, remaining: Math.max(0, limit - used), used, reset, resource: 'core' };
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: { limit: 30, remaining: 30, used: 0, reset: Math.ceil(Date.now() / 1000) + 60, resource: 'search' },
          graphql: { limit: 5_000, remaining: 5_000, used: 0, reset, resource: 'graphql' },
        },
        rate: core,
      },
    };
  }

  #mintInstallationToken(): Answer {
    const token = `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
    const expiresAt = Date.now() + this.#knobs.tokenTtlSec * 1000;
    this.#installationTokens.set(token, expiresAt);
    // Bounded: forget expired tokens.
    if (this.#installationTokens.size > 1_000) {
      for (const [t, at] of this.#installationTokens) if (at <= Date.now()) this.#installationTokens.delete(t);
    }
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { actions: 'write', checks: 'read', contents: 'write', issues: 'write', metadata: 'read', pull_requests: 'write', statuses: 'read' },
        repository_selection: 'all',
      },
    };
  }

  #visibleRepos(): GithubRepoState[] {
    return [...this.store.repos.values()].filter((repo) => repo.visible);
  }

  #ownerRepos(r: Request, owner: GithubAccount): Answer {
    const type = r.query.get('type') ?? 'all';
    const sort = r.query.get('sort') ?? (owner.type === 'Organization' ? 'created' : 'full_name');
    const direction = r.query.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    let repos = this.#visibleRepos().filter((repo) => repo.owner.id === owner.id);
    if (type === 'public') repos = repos.filter((repo) => !repo.private);
    else if (type === 'private') repos = repos.filter((repo) => repo.private);
    else if (type === 'forks') repos = repos.filter((repo) => repo.fork);
    else if (type === 'sources') repos = repos.filter((repo) => !repo.fork);
    else if (!['all', 'member', 'owner'].includes(type)) throw validation('type', 'invalid', `type must be one of all, public, private, forks, sources, member`);
    const key = (repo: GithubRepoState): string =>
      sort === 'full_name' ? repo.name.toLowerCase() : sort === 'pushed' ? repo.pushedAt : sort === 'updated' ? repo.updatedAt : repo.createdAt;
    repos.sort((a, b) => key(a).localeCompare(key(b)) || a.id - b.id);
    if (direction === 'desc') repos.reverse();
    return this.#page(r, repos.map((repo) => repoJson(repo, r.origin)));
  }

  #repo(owner: string, name: string): GithubRepoState {
    const repo = this.store.repos.get(`${owner}/${name}`.toLowerCase());
    // Private resources the token cannot see are 404, never 403.
    if (!repo || !repo.visible) throw new HttpError(404, 'Not Found');
    return repo;
  }

  #repoRoute(r: Request, repo: GithubRepoState, path: string[]): Answer {
    const [a, b, c, d, e] = path;
    const get = r.method === 'GET';
    const post = r.method === 'POST';
    if (path.length === 0 && get) return { status: 200, body: repoJson(repo, r.origin) };
    if (a === 'issues' && path.length === 1 && get) return this.#listIssues(r, repo);
    if (a === 'issues' && path.length === 1 && post) return this.#createIssue(r, repo);
    if (a === 'issues' && b && path.length === 2 && get) return { status: 200, body: issueJson(repo, this.#issue(repo, b), r.origin) };
    if (a === 'issues' && b && c === 'comments' && path.length === 3 && post) return this.#comment(r, repo, this.#issue(repo, b));
    if (a === 'issues' && b && c === 'comments' && path.length === 3 && get) {
      const issue = this.#issue(repo, b);
      return this.#page(r, issue.comments.map((comment) => commentJson(repo, issue, comment, r.origin)));
    }
    if (a === 'pulls' && path.length === 1 && get) return this.#listPulls(r, repo);
    if (a === 'pulls' && path.length === 1 && post) return this.#createPull(r, repo);
    if (a === 'pulls' && b && path.length === 2 && get) return { status: 200, body: pullJson(repo, this.#pull(repo, b), r.origin, true) };
    if (a === 'pulls' && b && c === 'reviews' && path.length === 3 && get) {
      const pull = this.#pull(repo, b);
      return this.#page(r, pull.pull!.reviews.map((review) => ({ id: review.id, user: account(this.#account(review.user), r.origin), body: '', state: review.state, submitted_at: review.submittedAt, commit_id: review.commitId })));
    }
    if (a === 'pulls' && b && c === 'merge' && path.length === 3 && r.method === 'PUT') return this.#merge(r, repo, this.#pull(repo, b));
    if (a === 'pulls' && b && c === 'merge' && path.length === 3 && get) {
      const pull = this.#pull(repo, b);
      if (pull.pull!.merged) return { status: 204 };
      throw new HttpError(404, 'Not Found');
    }
    if (a === 'actions' && b === 'runs' && path.length === 2 && get) return this.#listRuns(r, repo);
    if (a === 'actions' && b === 'runs' && c && path.length === 3 && get) return { status: 200, body: runJson(repo, this.#run(repo, c), r.origin) };
    if (a === 'actions' && b === 'runs' && c && (d === 'rerun' || d === 'rerun-failed-jobs') && path.length === 4 && post) return this.#rerun(repo, this.#run(repo, c), d === 'rerun-failed-jobs');
    if (a === 'commits' && b && c === 'check-runs' && path.length === 3 && get) {
      const runs = repo.checkRuns.get(this.#resolveRef(repo, b)) ?? [];
      const status = r.query.get('status');
      const name = r.query.get('check_name');
      const filtered = runs.filter((run) => (!status || run.status === status) && (!name || run.name === name));
      const items = filtered.map((run) => ({
        id: run.id,
        name: run.name,
        head_sha: this.#resolveRef(repo, b),
        status: run.status,
        conclusion: run.conclusion,
        started_at: run.startedAt,
        completed_at: run.completedAt,
        html_url: `https://github.com/${repo.owner.login}/${repo.name}/runs/${run.id}`,
        app: { slug: run.app, name: 'GitHub Actions' },
      }));
      return this.#page(r, items, (page) => ({ total_count: items.length, check_runs: page }));
    }
    if (a === 'commits' && b && c === 'status' && path.length === 3 && get) {
      const sha = this.#resolveRef(repo, b);
      const statuses = repo.statuses.get(sha) ?? [];
      const state = statuses.some((s) => s.state === 'failure' || s.state === 'error') ? 'failure' : statuses.some((s) => s.state === 'pending') || statuses.length === 0 ? 'pending' : 'success';
      return {
        status: 200,
        body: {
          state,
          sha,
          total_count: statuses.length,
          statuses: statuses.map((s) => ({ id: s.id, context: s.context, state: s.state, description: s.description, target_url: null, created_at: s.createdAt, updated_at: s.createdAt })),
        },
      };
    }
    if (a === 'branches' && b && path.length >= 2 && get) {
      const branch = path.slice(1).join('/');
      const sha = repo.branches.get(branch);
      if (!sha) throw new HttpError(404, 'Branch not found');
      return { status: 200, body: { name: branch, commit: { sha }, protected: branch === repo.defaultBranch && repo.requiredChecks.length > 0 } };
    }
    void e;
    throw new HttpError(404, 'Not Found');
  }

  #listIssues(r: Request, repo: GithubRepoState): Answer {
    const state = r.query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validation('state', 'invalid', 'state must be open, closed or all');
    const labels = (r.query.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
    const assignee = r.query.get('assignee');
    const creator = r.query.get('creator');
    const since = r.query.get('since');
    const sinceMs = since ? Date.parse(since) : Number.NaN;
    if (since && Number.isNaN(sinceMs)) throw validation('since', 'invalid', 'since must be an ISO 8601 timestamp');
    const sort = r.query.get('sort') ?? 'created';
    const direction = r.query.get('direction') ?? 'desc';
    let issues = repo.issues.filter((issue) => state === 'all' || issue.state === state);
    if (labels.length > 0) issues = issues.filter((issue) => labels.every((l) => issue.labels.some((il) => il.toLowerCase() === l)));
    if (assignee === 'none') issues = issues.filter((issue) => issue.assignees.length === 0);
    else if (assignee === '*') issues = issues.filter((issue) => issue.assignees.length > 0);
    else if (assignee) issues = issues.filter((issue) => issue.assignees.some((a) => a.toLowerCase() === assignee.toLowerCase()));
    if (creator) issues = issues.filter((issue) => issue.user.toLowerCase() === creator.toLowerCase());
    if (since) issues = issues.filter((issue) => Date.parse(issue.updatedAt) >= sinceMs);
    const key = (issue: GithubIssueState): string => (sort === 'updated' ? issue.updatedAt : sort === 'comments' ? String(issue.comments.length).padStart(6, '0') : issue.createdAt);
    issues = [...issues].sort((x, y) => key(x).localeCompare(key(y)) || x.number - y.number);
    if (direction === 'desc') issues.reverse();
    return this.#page(r, issues.map((issue) => issueJson(repo, issue, r.origin)));
  }

  #createIssue(r: Request, repo: GithubRepoState): Answer {
    const title = r.body['title'];
    if (typeof title !== 'string' || title.trim() === '') throw validation('title', 'missing_field', undefined, 'Issue');
    const labels = stringList(r.body['labels'], 'labels');
    const assignees = stringList(r.body['assignees'], 'assignees');
    for (const assignee of assignees) {
      if (!repo.collaborators.some((c) => c.toLowerCase() === assignee.toLowerCase())) throw validation('assignees', 'invalid', undefined, 'Issue', assignee);
    }
    for (const label of labels) {
      if (!repo.labels.some((l) => l.name.toLowerCase() === label.toLowerCase())) repo.labels.push({ id: this.store.nextId(), name: label, color: 'ededed', description: '' });
    }
    const now = isoNow();
    const issue: GithubIssueState = {
      id: this.store.nextId(),
      number: nextNumber(repo),
      title,
      body: typeof r.body['body'] === 'string' ? r.body['body'] : null,
      state: 'open',
      stateReason: null,
      labels,
      assignees,
      user: this.#actor(r),
      comments: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      pull: null,
    };
    repo.issues.push(issue);
    return { status: 201, body: issueJson(repo, issue, r.origin) };
  }

  #comment(r: Request, repo: GithubRepoState, issue: GithubIssueState): Answer {
    const body = r.body['body'];
    if (typeof body !== 'string' || body.trim() === '') throw validation('body', 'missing_field', undefined, 'IssueComment');
    const comment = { id: this.store.nextId(), body, user: this.#actor(r), createdAt: isoNow() };
    issue.comments.push(comment);
    issue.updatedAt = comment.createdAt;
    return { status: 201, body: commentJson(repo, issue, comment, r.origin) };
  }

  #listPulls(r: Request, repo: GithubRepoState): Answer {
    const state = r.query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validation('state', 'invalid', 'state must be open, closed or all');
    const base = r.query.get('base');
    const head = r.query.get('head');
    const direction = r.query.get('direction') ?? 'desc';
    let pulls = repo.issues.filter((issue) => issue.pull && (state === 'all' || issue.state === state));
    if (base) pulls = pulls.filter((p) => p.pull!.base === base);
    if (head) {
      const branch = head.includes(':') ? head.slice(head.indexOf(':') + 1) : head;
      pulls = pulls.filter((p) => p.pull!.head === branch);
    }
    pulls = [...pulls].sort((x, y) => x.createdAt.localeCompare(y.createdAt) || x.number - y.number);
    if (direction === 'desc') pulls.reverse();
    return this.#page(r, pulls.map((p) => pullJson(repo, p, r.origin, false)));
  }

  #createPull(r: Request, repo: GithubRepoState): Answer {
    const title = r.body['title'];
    const headArg = r.body['head'];
    const base = r.body['base'];
    if (typeof headArg !== 'string' || headArg === '') throw validation('head', 'missing_field', undefined, 'PullRequest');
    if (typeof base !== 'string' || base === '') throw validation('base', 'missing_field', undefined, 'PullRequest');
    if (typeof title !== 'string' || title.trim() === '') throw validation('title', 'missing_field', undefined, 'PullRequest');
    const head = headArg.includes(':') ? headArg.slice(headArg.indexOf(':') + 1) : headArg;
    const headSha = repo.branches.get(head);
    if (!headSha) throw validation('head', 'invalid', undefined, 'PullRequest');
    if (!repo.branches.has(base)) throw validation('base', 'invalid', undefined, 'PullRequest');
    if (head === base) throw new HttpError(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }] });
    const existing = repo.issues.find((i) => i.pull && i.state === 'open' && i.pull.head === head && i.pull.base === base);
    if (existing) {
      throw new HttpError(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner.login}:${head}.` }] });
    }
    const now = isoNow();
    const issue: GithubIssueState = {
      id: this.store.nextId(),
      number: nextNumber(repo),
      title,
      body: typeof r.body['body'] === 'string' ? r.body['body'] : null,
      state: 'open',
      stateReason: null,
      labels: [],
      assignees: [],
      user: this.#actor(r),
      comments: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      pull: {
        head,
        headSha,
        base,
        draft: r.body['draft'] === true,
        merged: false,
        mergedAt: null,
        mergeCommitSha: null,
        mergeable: true,
        reviews: [],
        requestedReviewers: [],
      },
    };
    repo.issues.push(issue);
    if (!repo.checkRuns.has(headSha)) {
      repo.checkRuns.set(headSha, [{ id: this.store.nextId(), name: 'build', status: 'queued', conclusion: null, startedAt: now, completedAt: null, app: 'github-actions' }]);
    }
    return { status: 201, body: pullJson(repo, issue, r.origin, true) };
  }

  #merge(r: Request, repo: GithubRepoState, issue: GithubIssueState): Answer {
    const pull = issue.pull!;
    const method = r.body['merge_method'] ?? 'merge';
    if (method !== 'merge' && method !== 'squash' && method !== 'rebase') throw validation('merge_method', 'invalid', undefined, 'PullRequest');
    if (pull.merged || issue.state !== 'open') throw new HttpError(405, 'Pull Request is not mergeable');
    if (pull.draft) throw new HttpError(405, 'Pull Request is still a draft');
    const allowed = method === 'merge' ? repo.allowMergeCommit : method === 'squash' ? repo.allowSquashMerge : repo.allowRebaseMerge;
    if (!allowed) {
      const noun = method === 'merge' ? 'Merge commits' : method === 'squash' ? 'Squash merges' : 'Rebase merges';
      throw new HttpError(405, `${noun} are not allowed on this repository.`);
    }
    if (typeof r.body['sha'] === 'string' && r.body['sha'] !== pull.headSha) throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
    if (pull.mergeable === false) throw new HttpError(405, 'Pull Request is not mergeable');
    if (pull.base === repo.defaultBranch) {
      const runs = repo.checkRuns.get(pull.headSha) ?? [];
      for (const required of repo.requiredChecks) {
        const run = runs.find((x) => x.name === required);
        if (!run || run.status !== 'completed') throw new HttpError(405, `Required status check "${required}" is expected.`);
        if (run.conclusion !== 'success' && run.conclusion !== 'neutral' && run.conclusion !== 'skipped') throw new HttpError(405, `Required status check "${required}" is failing.`);
      }
    }
    const now = isoNow();
    const sha = fakeSha(`merge:${repo.name}#${issue.number}:${now}`);
    pull.merged = true;
    pull.mergedAt = now;
    pull.mergeCommitSha = sha;
    issue.state = 'closed';
    issue.closedAt = now;
    issue.updatedAt = now;
    repo.branches.set(pull.base, sha);
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  }

  #listRuns(r: Request, repo: GithubRepoState): Answer {
    const status = r.query.get('status');
    const branch = r.query.get('branch');
    const event = r.query.get('event');
    const actor = r.query.get('actor');
    const headSha = r.query.get('head_sha');
    const statuses = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'];
    const conclusions = ['success', 'failure', 'cancelled', 'skipped', 'timed_out', 'action_required', 'neutral', 'stale', 'startup_failure'];
    if (status && !statuses.includes(status) && !conclusions.includes(status)) throw validation('status', 'invalid', `status must be one of ${[...statuses, ...conclusions].join(', ')}`);
    const runs = repo.runs.filter(
      (run) =>
        (!status || run.status === status || run.conclusion === status) &&
        (!branch || run.headBranch === branch) &&
        (!event || run.event === event) &&
        (!actor || run.actor === actor) &&
        (!headSha || run.headSha === headSha),
    );
    return this.#page(r, runs.map((run) => runJson(repo, run, r.origin)), (items) => ({ total_count: runs.length, workflow_runs: items }));
  }

  #rerun(repo: GithubRepoState, run: GithubRunState, failedOnly: boolean): Answer {
    if (run.status !== 'completed') throw new HttpError(403, 'This workflow is already running');
    if (failedOnly && !RUN_FAILURES.has(run.conclusion ?? '')) throw new HttpError(403, 'This workflow run has no failed jobs to re-run');
    run.status = 'queued';
    run.conclusion = null;
    run.runAttempt += 1;
    run.updatedAt = isoNow();
    void repo;
    return { status: 201, body: {} };
  }

  #issue(repo: GithubRepoState, number: string): GithubIssueState {
    const issue = /^\d+$/.test(number) ? repo.issues.find((i) => i.number === Number(number)) : undefined;
    if (!issue) throw new HttpError(404, 'Not Found');
    return issue;
  }

  #pull(repo: GithubRepoState, number: string): GithubIssueState {
    const issue = this.#issue(repo, number);
    if (!issue.pull) throw new HttpError(404, 'Not Found');
    return issue;
  }

  #run(repo: GithubRepoState, id: string): GithubRunState {
    const run = /^\d+$/.test(id) ? repo.runs.find((x) => x.id === Number(id)) : undefined;
    if (!run) throw new HttpError(404, 'Not Found');
    return run;
  }

  /** A branch name, a full sha or a unique prefix of one (≥ 7) → the commit sha. */
  #resolveRef(repo: GithubRepoState, ref: string): string {
    const branch = repo.branches.get(ref.replace(/^heads\//, ''));
    if (branch) return branch;
    if (/^[0-9a-f]{7,40}$/.test(ref)) {
      const known = new Set<string>([...repo.branches.values(), ...repo.checkRuns.keys(), ...repo.statuses.keys()]);
      const match = [...known].find((sha) => sha.startsWith(ref));
      if (match) return match;
    }
    throw new HttpError(422, `No commit found for SHA: ${ref}`);
  }

  #account(login: string): GithubAccount {
    return this.store.accounts.get(login.toLowerCase()) ?? { login, id: 0, type: 'User' };
  }

  #actor(r: Request): string {
    return r.identity?.kind === 'installation' ? 'acme-ops-agent[bot]' : this.store.viewer.login;
  }

  /** One page of `items` (per_page ≤ 100, default 30) with GitHub's Link header; `wrap` builds enveloped bodies. */
  #page(r: Request, items: unknown[], wrap?: (page: unknown[]) => unknown): Answer {
    const perPageText = r.query.get('per_page');
    const pageText = r.query.get('page');
    const perPage = Math.min(100, Math.max(1, perPageText && /^\d+$/.test(perPageText) ? Number(perPageText) : 30));
    const page = Math.max(1, pageText && /^\d+$/.test(pageText) ? Number(pageText) : 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number): string => {
      const query = new URLSearchParams(r.query);
      query.set('per_page', String(perPage));
      query.set('page', String(n));
      return `${r.origin}${r.path}?${query.toString()}`;
    };
    const rels: string[] = [];
    if (page > 1) rels.push(`<${link(page - 1)}>; rel="prev"`);
    if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (page > 1) rels.push(`<${link(1)}>; rel="first"`);
    return { status: 200, body: wrap ? wrap(slice) : slice, ...(rels.length > 0 ? { headers: { link: rels.join(', ') } } : {}) };
  }
}

function header(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function rateHeaders(limit: number, remaining: number, used: number, reset: string): Record<string, string> {
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-used': String(used),
    'x-ratelimit-reset': reset,
    'x-ratelimit-resource': 'core',
  };
}

function parseBody(text: string, method: string): Record<string, unknown> {
  if (method === 'GET' || method === 'HEAD' || text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'Problems parsing JSON');
}

function validation(field: string, code: string, message?: string, resource = 'Issue', value?: string): HttpError {
  return new HttpError(422, 'Validation Failed', { errors: [{ resource, field, code, ...(message ? { message } : {}), ...(value !== undefined ? { value } : {}) }] });
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw validation(field, 'invalid');
  return value as string[];
}

function nextNumber(repo: GithubRepoState): number {
  return repo.issues.reduce((max, issue) => Math.max(max, issue.number), 0) + 1;
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function account(a: GithubAccount, origin: string) {
  return { login: a.login, id: a.id, type: a.type, url: `${origin}/users/${a.login}`, html_url: `https://github.com/${a.login}` };
}

function repoJson(repo: GithubRepoState, origin: string) {
  const full = `${repo.owner.login}/${repo.name}`;
  return {
    id: repo.id,
    name: repo.name,
    full_name: full,
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    owner: account(repo.owner, origin),
    html_url: `https://github.com/${full}`,
    url: `${origin}/repos/${full}`,
    description: repo.description,
    fork: repo.fork,
    archived: repo.archived,
    language: repo.language,
    stargazers_count: repo.stars,
    default_branch: repo.defaultBranch,
    open_issues_count: repo.issues.filter((i) => i.state === 'open').length,
    allow_merge_commit: repo.allowMergeCommit,
    allow_squash_merge: repo.allowSquashMerge,
    allow_rebase_merge: repo.allowRebaseMerge,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
  };
}

function labelJson(repo: GithubRepoState, name: string) {
  const label = repo.labels.find((l) => l.name === name);
  return { id: label?.id ?? 0, name, color: label?.color ?? 'ededed', description: label?.description ?? '' };
}

function user(login: string, origin: string) {
  return { login, id: 0, type: login.endsWith('[bot]') ? 'Bot' : 'User', url: `${origin}/users/${login}` };
}

function issueJson(repo: GithubRepoState, issue: GithubIssueState, origin: string) {
  const full = `${repo.owner.login}/${repo.name}`;
  return {
    id: issue.id,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.stateReason,
    user: user(issue.user, origin),
    labels: issue.labels.map((l) => labelJson(repo, l)),
    assignees: issue.assignees.map((a) => user(a, origin)),
    comments: issue.comments.length,
    html_url: `https://github.com/${full}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    url: `${origin}/repos/${full}/issues/${issue.number}`,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    ...(issue.pull
      ? { draft: issue.pull.draft, pull_request: { url: `${origin}/repos/${full}/pulls/${issue.number}`, html_url: `https://github.com/${full}/pull/${issue.number}`, merged_at: issue.pull.mergedAt } }
      : {}),
  };
}

function commentJson(repo: GithubRepoState, issue: GithubIssueState, comment: { id: number; body: string; user: string; createdAt: string }, origin: string) {
  return {
    id: comment.id,
    body: comment.body,
    user: user(comment.user, origin),
    html_url: `https://github.com/${repo.owner.login}/${repo.name}/issues/${issue.number}#issuecomment-${comment.id}`,
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
  };
}

function pullJson(repo: GithubRepoState, issue: GithubIssueState, origin: string, single: boolean) {
  const pull = issue.pull!;
  const full = `${repo.owner.login}/${repo.name}`;
  const mergeableState = (): string => {
    if (issue.state !== 'open') return 'unknown';
    if (pull.draft) return 'draft';
    if (pull.mergeable === false) return 'dirty';
    const runs = repo.checkRuns.get(pull.headSha) ?? [];
    if (runs.some((x) => x.status === 'completed' && !['success', 'neutral', 'skipped'].includes(x.conclusion ?? ''))) return 'blocked';
    if (runs.some((x) => x.status !== 'completed')) return 'unstable';
    return 'clean';
  };
  return {
    id: issue.id,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    draft: pull.draft,
    user: user(issue.user, origin),
    labels: issue.labels.map((l) => labelJson(repo, l)),
    assignees: issue.assignees.map((a) => user(a, origin)),
    requested_reviewers: pull.requestedReviewers.map((a) => user(a, origin)),
    head: { ref: pull.head, sha: pull.headSha, label: `${repo.owner.login}:${pull.head}` },
    base: { ref: pull.base, sha: repo.branches.get(pull.base) ?? null, label: `${repo.owner.login}:${pull.base}` },
    html_url: `https://github.com/${full}/pull/${issue.number}`,
    url: `${origin}/repos/${full}/pulls/${issue.number}`,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    // Only the single-PR GET computes mergeability, as on GitHub.
    ...(single ? { merged: pull.merged, mergeable: issue.state === 'open' ? pull.mergeable : null, mergeable_state: mergeableState(), comments: issue.comments.length } : {}),
  };
}

function runJson(repo: GithubRepoState, run: GithubRunState, origin: string) {
  const full = `${repo.owner.login}/${repo.name}`;
  return {
    id: run.id,
    name: run.name,
    workflow_id: run.workflowId,
    path: run.path,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    actor: user(run.actor, origin),
    html_url: `https://github.com/${full}/actions/runs/${run.id}`,
    url: `${origin}/repos/${full}/actions/runs/${run.id}`,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.runStartedAt,
  };
}

function validateKnobs(value: Partial<FakeGithubKnobs>): void {
  if (value.errorRate !== undefined && !(value.errorRate >= 0 && value.errorRate <= 1)) throw new RangeError('errorRate must be between 0 and 1');
  if (value.latencyMs !== undefined && !(value.latencyMs >= 0)) throw new RangeError('latencyMs must be >= 0');
  if (value.coreLimit !== undefined && !(Number.isInteger(value.coreLimit) && value.coreLimit >= 0)) throw new RangeError('coreLimit must be an integer >= 0');
  if (value.tokenTtlSec !== undefined && !(value.tokenTtlSec > 0)) throw new RangeError('tokenTtlSec must be > 0');
  for (const burst of [value.rateLimit429, value.secondaryLimit403]) {
    if (burst && !(Number.isInteger(burst.burst) && burst.burst >= 0 && burst.retryAfterSec >= 0)) throw new RangeError('a burst needs burst >= 0 and retryAfterSec >= 0');
  }
  if (value.errorKinds !== undefined && value.errorKinds.length === 0) throw new RangeError('errorKinds must not be empty');
}
