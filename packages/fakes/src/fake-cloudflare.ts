/**
 * A fake Cloudflare API v4: a real HTTP server on 127.0.0.1 serving `/client/v4` (integrations.md §5):
 * token verify, zones, DNS records (list/create/update/delete), cache purge, Workers scripts, Stream
 * (list, basic POST upload, copy from URL). Every JSON answer is the v4 envelope (`success`, `errors`,
 * `messages`, `result`, `result_info` on page-based lists), errors included; a bad token is 403 with
 * code 10000; a fixed-window rate limiter keeps answering 429 until its window ends; edge failures are
 * HTML pages. Knobs inject latency, 5xx, 429 bursts, rejected or expired tokens.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { FakeHttpServer, recordCall, type FakeRequestBody } from './fake-http-server.js';
import { RateLimitBurst, validateCommonKnobs, validateErrorKinds } from './fake-knobs.js';
import {
  fakeCloudflareId,
  randomCloudflareId,
  seedFakeCloudflare,
  videoRecord,
  type FakeCloudflareData,
  type FakeCloudflareDnsRecord,
  type FakeCloudflareVideo,
  type FakeCloudflareZone,
} from './fake-cloudflare-seed.js';

export type { FakeCloudflareDnsRecord, FakeCloudflareVideo, FakeCloudflareWorkerScript, FakeCloudflareZone } from './fake-cloudflare-seed.js';
export { fakeCloudflareId } from './fake-cloudflare-seed.js';

/** How an injected server failure looks: an enveloped API 500, or the edge's HTML 502 / 503 page. */
export type FakeCloudflareErrorKind = 'api_500' | 'edge_502' | 'edge_503';

/** Fault-injection knobs (the same shape as the fake Odoo's, plus Cloudflare's window limiter and token states). */
export interface FakeCloudflareKnobs {
  /** Delay before every answer (ms). Default 0. */
  latencyMs: number;
  /** Probability (0..1) that a request fails before it is served; failures rotate through `errorKinds`. Default 0. */
  errorRate: number;
  /** Which failures `errorRate` injects, in rotation. Default all three. */
  errorKinds: FakeCloudflareErrorKind[];
  /** The next `burst` requests (after this value is set) get 429 with `retry-after: <retryAfterSec>`. Null: off. */
  rateLimit429: { burst: number; retryAfterSec: number } | null;
  /**
   * Cloudflare's limiter: `limit` requests per fixed window of `windowSec` seconds (1200 per 300 s in
   * production); past it every request gets 429 until the window ends (`retry-after` = seconds left).
   * Null (the default): off, only the `Ratelimit` headers are absent.
   */
  rateLimitWindow: { limit: number; windowSec: number } | null;
  /** Every token is refused: 403 `10000 Authentication error` (verify: 401 `1000 Invalid API Token`). */
  authFail: boolean;
  /** The token has expired: on the wire the same as `authFail` (Cloudflare does not tell the two apart). */
  tokenExpired: boolean;
  /** Most videos one `GET /stream` answers (Cloudflare: 1000). */
  streamListLimit: number;
}

/** One served request, for tests' assertions (no header values, so no secrets). */
export interface FakeCloudflareCall {
  method: string;
  /** The path under `/client/v4`, e.g. `/zones`. */
  path: string;
  /** The query string without `?`. */
  query: string;
  status: number;
  /** Bytes of the request body. */
  bodyBytes: number;
}

/** One cache purge request, as received. */
export interface FakeCloudflarePurge {
  zoneId: string;
  body: Record<string, unknown>;
}

export interface StartFakeCloudflareOptions {
  /** API token accepted (default: 40 random characters). */
  apiToken?: string;
  /** Account id (default: 32 random hex). */
  accountId?: string;
  /** Clock of the sample data (default: now). */
  now?: Date;
  /** Zones to seed (default 12, example.com first). */
  zones?: number;
  /** Extra A records in example.com (default 24; with the 4 standard records, 28 in all). */
  exampleHosts?: number;
  /** Stream videos to seed (default 6). */
  videos?: number;
  knobs?: Partial<FakeCloudflareKnobs>;
  /** Largest request body accepted (default 64 MiB); larger is 413. */
  maxBodyBytes?: number;
  /** How many entries `calls` keeps (default 10000). */
  maxCalls?: number;
}

/** A running fake Cloudflare. */
export interface FakeCloudflare {
  /** `http://127.0.0.1:<port>`; the API base (CLOUDFLARE_API_URL) is {@link apiUrl}. */
  readonly url: string;
  /** `<url>/client/v4`. */
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly accountId: string;
  get knobs(): FakeCloudflareKnobs;
  /** Assigning a partial merges it (and restarts a 429 burst / the window when given). */
  set knobs(value: Partial<FakeCloudflareKnobs>);
  /** Every request served, oldest first (clear with `calls.length = 0`). */
  readonly calls: FakeCloudflareCall[];
  /** Cache purges received. */
  readonly purges: FakeCloudflarePurge[];
  /** The live data (tests may read or change it). */
  readonly data: FakeCloudflareData;
  close(): Promise<void>;
}

const DEFAULT_KNOBS: FakeCloudflareKnobs = {
  latencyMs: 0,
  errorRate: 0,
  errorKinds: ['api_500', 'edge_502', 'edge_503'],
  rateLimit429: null,
  rateLimitWindow: null,
  authFail: false,
  tokenExpired: false,
  streamListLimit: 1000,
};

const PREFIX = '/client/v4';
const DNS_TYPES = new Set(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA', 'PTR']);
const ZONE_STATUSES = new Set(['active', 'pending', 'initializing', 'moved', 'deleted', 'deactivated']);
const ID = /^[0-9a-f]{32}$/;

/** An API failure: the HTTP status and Cloudflare's error list. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts a fake Cloudflare API on 127.0.0.1 (a free port). */
export async function startFakeCloudflare(options: StartFakeCloudflareOptions = {}): Promise<FakeCloudflare> {
  const fake = new FakeCloudflareServer(options);
  await fake.listen();
  return fake;
}

class FakeCloudflareServer implements FakeCloudflare {
  readonly apiToken: string;
  readonly accountId: string;
  readonly calls: FakeCloudflareCall[] = [];
  readonly purges: FakeCloudflarePurge[] = [];
  readonly data: FakeCloudflareData;
  readonly #knobs: FakeCloudflareKnobs = { ...DEFAULT_KNOBS, errorKinds: [...DEFAULT_KNOBS.errorKinds] };
  readonly #http: FakeHttpServer;
  readonly #maxCalls: number;
  readonly #tokenId = randomBytes(16).toString('hex');
  readonly #burst = new RateLimitBurst();
  #windowFor: object | null = null;
  #windowStart = 0;
  #windowCount = 0;
  #faultTurn = 0;
  #faultAccumulator = 0;

  constructor(options: StartFakeCloudflareOptions) {
    this.apiToken = options.apiToken ?? randomBytes(30).toString('base64url').slice(0, 40);
    this.accountId = options.accountId ?? randomBytes(16).toString('hex');
    this.#maxCalls = options.maxCalls ?? 10_000;
    this.data = seedFakeCloudflare({
      accountId: this.accountId,
      now: options.now ?? new Date(),
      zones: options.zones ?? 12,
      exampleHosts: options.exampleHosts ?? 24,
      videos: options.videos ?? 6,
    });
    this.knobs = options.knobs ?? {};
    this.#http = new FakeHttpServer({
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
      latencyMs: () => this.#knobs.latencyMs,
      serve: (req, res, body) => this.#respond(req, res, body),
    });
  }

  get url(): string {
    return this.#http.url;
  }
  get apiUrl(): string {
    return `${this.url}${PREFIX}`;
  }
  get knobs(): FakeCloudflareKnobs {
    return this.#knobs;
  }
  set knobs(value: Partial<FakeCloudflareKnobs>) {
    validateKnobs(value);
    Object.assign(this.#knobs, value);
    if ('rateLimit429' in value) this.#burst.reset();
    if ('rateLimitWindow' in value) this.#windowFor = null;
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  /** Serves one request (its body read, the latency waited) and records it. */
  #respond(req: http.IncomingMessage, res: http.ServerResponse, body: FakeRequestBody): void {
    const url = new URL(req.url ?? '/', 'http://fake.cloudflare');
    const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) || '/' : url.pathname;
    const status = this.#serve(req, res, url, body.bytes, body.tooLarge);
    recordCall(this.calls, { method: req.method ?? 'GET', path, query: url.search.slice(1), status, bodyBytes: body.size }, this.#maxCalls);
  }

  /** Answers one request; returns the HTTP status sent. */
  #serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer, tooLarge: boolean): number {
    if (!url.pathname.startsWith(`${PREFIX}/`)) return sendEnvelopeError(res, 404, 7000, 'No route for that URI');
    const headers = this.#rateHeaders();
    const limited = this.#rateLimited(res, headers);
    if (limited) return limited;
    const injected = this.#injected(res);
    if (injected) return injected;
    if (tooLarge) return sendEnvelopeError(res, 413, 10005, 'Request entity too large', headers);
    const path = url.pathname.slice(PREFIX.length);
    const method = req.method ?? 'GET';
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const verify = method === 'GET' && (path === '/user/tokens/verify' || /^\/accounts\/[^/]+\/tokens\/verify$/.test(path));
    if (token === undefined) {
      // No Authorization header at all: Cloudflare's "missing headers" pair.
      return sendJson(res, 400, envelopeErrors([{ code: 6003, message: 'Invalid request headers' }, { code: 6103, message: 'Invalid format for X-Auth-Key header' }]), headers);
    }
    if (token !== this.apiToken || this.#knobs.authFail || this.#knobs.tokenExpired) {
      if (verify) return sendEnvelopeError(res, 401, 1000, 'Invalid API Token', headers);
      return sendEnvelopeError(res, 403, 10000, 'Authentication error', headers);
    }
    try {
      const answer = this.#route(method, path, url.searchParams, req, body);
      return sendJson(res, answer.status ?? 200, answer.body, headers);
    } catch (error) {
      if (error instanceof ApiError) return sendEnvelopeError(res, error.status, error.code, error.message, headers);
      return sendEnvelopeError(res, 500, 10001, 'Internal server error', headers);
    }
  }

  #route(method: string, path: string, query: URLSearchParams, req: http.IncomingMessage, body: Buffer): { status?: number; body: unknown } {
    let m: RegExpExecArray | null;
    if (method === 'GET' && (path === '/user/tokens/verify' || /^\/accounts\/[^/]+\/tokens\/verify$/.test(path))) {
      if (path.startsWith('/accounts/')) this.#account(path.split('/')[2]!);
      return { body: { ...envelope({ id: this.#tokenId, status: 'active' }), messages: [{ code: 10000, message: 'This API Token is valid and active', type: null }] } };
    }
    if (path === '/zones' && method === 'GET') return this.#listZones(query);
    if ((m = /^\/zones\/([^/]+)$/.exec(path)) && method === 'GET') return { body: envelope(this.#zone(m[1]!, path)) };
    if ((m = /^\/zones\/([^/]+)\/dns_records$/.exec(path))) {
      const zone = this.#zone(m[1]!, path);
      if (method === 'GET') return this.#listRecords(zone, query);
      if (method === 'POST') return { body: envelope(this.#createRecord(zone, json(body))) };
    }
    if ((m = /^\/zones\/([^/]+)\/dns_records\/([^/]+)$/.exec(path))) {
      const zone = this.#zone(m[1]!, path);
      const record = this.data.records.get(m[2]!);
      if (!record || record.zone_id !== zone.id) throw new ApiError(404, 81044, 'Record does not exist.');
      if (method === 'GET') return { body: envelope(record) };
      if (method === 'PATCH' || method === 'PUT') return { body: envelope(this.#updateRecord(zone, record, json(body), method === 'PUT')) };
      if (method === 'DELETE') {
        this.data.records.delete(record.id);
        return { body: envelope({ id: record.id }) };
      }
    }
    if ((m = /^\/zones\/([^/]+)\/purge_cache$/.exec(path)) && method === 'POST') {
      const zone = this.#zone(m[1]!, path);
      const request = json(body);
      const kinds = ['purge_everything', 'files', 'tags', 'hosts', 'prefixes'].filter((k) => request[k] !== undefined);
      if (kinds.length !== 1 || (request['purge_everything'] !== undefined && request['purge_everything'] !== true)) {
        throw new ApiError(400, 1012, "Request must contain one of 'purge_everything', 'files', 'tags', 'hosts' or 'prefixes'");
      }
      const list = request[kinds[0]!];
      if (kinds[0] !== 'purge_everything' && (!Array.isArray(list) || list.length === 0 || list.length > 30)) {
        throw new ApiError(400, 1015, `${kinds[0]} must be a list of 1 to 30 items`);
      }
      this.purges.push({ zoneId: zone.id, body: request });
      return { body: envelope({ id: zone.id }) };
    }
    if ((m = /^\/accounts\/([^/]+)\/workers\/scripts$/.exec(path)) && method === 'GET') {
      this.#account(m[1]!);
      return { body: envelope(this.data.scripts) };
    }
    if ((m = /^\/accounts\/([^/]+)\/stream$/.exec(path))) {
      this.#account(m[1]!);
      if (method === 'GET') return this.#listVideos(query);
      if (method === 'POST') return { body: envelope(this.#upload(req, body)) };
    }
    if ((m = /^\/accounts\/([^/]+)\/stream\/copy$/.exec(path)) && method === 'POST') {
      this.#account(m[1]!);
      const request = json(body);
      const source = request['url'];
      if (typeof source !== 'string' || !/^https?:\/\/[^\s/]+/.test(source) || !URL.canParse(source)) {
        throw new ApiError(400, 10005, 'Invalid URL: a video URL must be an http:// or https:// URL');
      }
      const name = typeof asObject(request['meta'])['name'] === 'string' ? String(asObject(request['meta'])['name']) : new URL(source).pathname.split('/').pop() || 'video';
      const video = videoRecord(randomCloudflareId(), name, 0, new Date().toISOString(), 'downloading');
      video.requireSignedURLs = request['requireSignedURLs'] === true;
      this.data.videos.push(video);
      return { body: envelope(video) };
    }
    if ((m = /^\/accounts\/([^/]+)\/stream\/([0-9a-f]{32})$/.exec(path))) {
      this.#account(m[1]!);
      const video = this.data.videos.find((v) => v.uid === m![2]);
      if (!video) throw new ApiError(404, 10003, 'Video not found');
      if (method === 'GET') return { body: envelope(video) };
      if (method === 'POST') {
        const request = json(body);
        const meta = asObject(request['meta']);
        for (const [k, v] of Object.entries(meta)) if (typeof v === 'string') video.meta[k] = v;
        if (typeof request['requireSignedURLs'] === 'boolean') video.requireSignedURLs = request['requireSignedURLs'];
        video.modified = new Date().toISOString();
        return { body: envelope(video) };
      }
    }
    throw new ApiError(404, 7000, 'No route for that URI');
  }

  #account(id: string): void {
    // An account the token cannot reach looks the same as one that does not exist.
    if (id !== this.accountId) throw new ApiError(403, 9109, 'Unauthorized to access requested resource');
  }

  #zone(id: string, path: string): FakeCloudflareZone {
    const zone = ID.test(id) ? this.data.zones.get(id) : undefined;
    if (!zone) throw new ApiError(ID.test(id) ? 404 : 400, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
    return zone;
  }

  #listZones(query: URLSearchParams): { body: unknown } {
    const name = query.get('name');
    const status = query.get('status');
    if (status !== null && !ZONE_STATUSES.has(status)) throw new ApiError(400, 1001, `Invalid zone status: ${status}`);
    const accountId = query.get('account.id');
    const zones = [...this.data.zones.values()]
      .filter((z) => (name === null || z.name === name) && (status === null || z.status === status) && (accountId === null || z.account.id === accountId))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { body: paged(zones, query, { defaultPerPage: 20, minPerPage: 5, maxPerPage: 50 }) };
  }

  #listRecords(zone: FakeCloudflareZone, query: URLSearchParams): { body: unknown } {
    const type = query.get('type');
    const name = query.get('name');
    const content = query.get('content');
    const records = [...this.data.records.values()]
      .filter((r) => r.zone_id === zone.id && (type === null || r.type === type) && (name === null || r.name === name) && (content === null || r.content === content))
      .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return { body: paged(records, query, { defaultPerPage: 100, minPerPage: 5, maxPerPage: 5000 }) };
  }

  #createRecord(zone: FakeCloudflareZone, input: Record<string, unknown>): FakeCloudflareDnsRecord {
    const now = new Date().toISOString();
    const record = this.#validRecord(zone, input, {
      id: randomCloudflareId(),
      zone_id: zone.id,
      zone_name: zone.name,
      name: '',
      type: '',
      content: '',
      proxiable: false,
      proxied: false,
      ttl: 1,
      comment: null,
      tags: [],
      created_on: now,
      modified_on: now,
    });
    this.data.records.set(record.id, record);
    return record;
  }

  #updateRecord(zone: FakeCloudflareZone, record: FakeCloudflareDnsRecord, input: Record<string, unknown>, overwrite: boolean): FakeCloudflareDnsRecord {
    const base = overwrite ? { ...record, comment: null, tags: [], proxied: false, ttl: 1 } : { ...record };
    if (overwrite) delete base.priority;
    const updated = this.#validRecord(zone, overwrite ? input : { type: record.type, name: record.name, content: record.content, ...input }, base, record.id);
    updated.modified_on = new Date().toISOString();
    this.data.records.set(updated.id, updated);
    return updated;
  }

  /** Applies a create/update body on top of `base`, with Cloudflare's validation errors. */
  #validRecord(zone: FakeCloudflareZone, input: Record<string, unknown>, base: FakeCloudflareDnsRecord, selfId?: string): FakeCloudflareDnsRecord {
    const type = input['type'];
    if (typeof type !== 'string' || !DNS_TYPES.has(type)) throw new ApiError(400, 9000, 'DNS record type is invalid.');
    const rawName = input['name'];
    if (typeof rawName !== 'string' || rawName.trim() === '') throw new ApiError(400, 9005, 'DNS name is invalid.');
    const content = input['content'];
    if (typeof content !== 'string' || content === '') throw new ApiError(400, 9005, 'Content for a DNS record is required.');
    const name = fqdn(rawName.trim().toLowerCase(), zone.name);
    if (!/^([a-z0-9*_]([a-z0-9-_]{0,61}[a-z0-9])?\.)*[a-z0-9-]+\.[a-z]{2,}$/.test(name)) throw new ApiError(400, 9005, 'DNS name is invalid.');
    if (type === 'A' && !isIPv4(content)) throw new ApiError(400, 9005, 'Content for A record is invalid. Must be a valid IPv4 address');
    if (type === 'AAAA' && !/^[0-9a-f:]+$/i.test(content)) throw new ApiError(400, 9005, 'Content for AAAA record is invalid. Must be a valid IPv6 address');
    const ttl = input['ttl'] ?? base.ttl;
    if (typeof ttl !== 'number' || !(ttl === 1 || (Number.isInteger(ttl) && ttl >= 60 && ttl <= 86_400))) {
      throw new ApiError(400, 9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.');
    }
    const proxiable = ['A', 'AAAA', 'CNAME'].includes(type);
    const proxied = input['proxied'] ?? (base.type === type ? base.proxied : false);
    if (typeof proxied !== 'boolean') throw new ApiError(400, 9003, 'Invalid proxied mode. Record cannot be proxied.');
    if (proxied && !proxiable) throw new ApiError(400, 9004, 'This record type cannot be proxied.');
    if (type === 'MX' && typeof (input['priority'] ?? base.priority) !== 'number') throw new ApiError(400, 9008, 'MX records require a priority.');
    const comment = input['comment'] === undefined ? base.comment : input['comment'];
    if (comment !== null && typeof comment !== 'string') throw new ApiError(400, 9005, 'comment must be a string');
    for (const other of this.data.records.values()) {
      if (other.id === selfId || other.zone_id !== zone.id || other.name !== name) continue;
      if (other.type === type && other.content === content) throw new ApiError(400, 81058, 'An identical record already exists.');
      if (type === 'CNAME' || other.type === 'CNAME') throw new ApiError(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.');
    }
    const record: FakeCloudflareDnsRecord = { ...base, type, name, content, ttl, proxied: proxied && proxiable, proxiable, comment };
    if (type === 'MX') record.priority = Number(input['priority'] ?? base.priority);
    else delete record.priority;
    return record;
  }

  #listVideos(query: URLSearchParams): { body: unknown } {
    const asc = query.get('asc') === 'true';
    const before = query.get('before') ?? query.get('end');
    const after = query.get('after') ?? query.get('start');
    const status = query.get('status');
    const search = query.get('search')?.toLowerCase();
    for (const [k, v] of [['before', before], ['after', after]] as const) {
      if (v !== null && Number.isNaN(Date.parse(v))) throw new ApiError(400, 10005, `${k} must be an RFC 3339 date-time`);
    }
    const matching = this.data.videos
      .filter(
        (v) =>
          (before === null || Date.parse(v.created) < Date.parse(before)) &&
          (after === null || Date.parse(v.created) > Date.parse(after)) &&
          (status === null || v.status.state === status) &&
          (search === undefined || (v.meta['name'] ?? '').toLowerCase().includes(search)),
      )
      .sort((a, b) => (asc ? 1 : -1) * (Date.parse(a.created) - Date.parse(b.created)) || a.uid.localeCompare(b.uid));
    const page = matching.slice(0, this.#knobs.streamListLimit);
    const counts = query.get('include_counts') === 'true' ? { total: String(matching.length), range: String(this.#knobs.streamListLimit) } : {};
    return { body: { ...envelope(page), ...counts } };
  }

  /** Basic POST upload: multipart/form-data with a `file` part (tus uploads are not served). */
  #upload(req: http.IncomingMessage, body: Buffer): FakeCloudflareVideo {
    if (req.headers['tus-resumable'] !== undefined) throw new ApiError(400, 10005, 'tus uploads are not supported by this fake');
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '');
    const mark = boundary?.[1] ?? boundary?.[2];
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '') || mark === undefined) {
      throw new ApiError(400, 10005, 'Expected multipart/form-data with a "file" field');
    }
    const file = multipartFile(body, mark);
    if (!file) throw new ApiError(400, 10005, 'Expected multipart/form-data with a "file" field');
    if (file.data.length === 0) throw new ApiError(400, 10005, 'The uploaded file is empty');
    const video = videoRecord(randomCloudflareId(), file.filename ?? 'upload', file.data.length, new Date().toISOString(), 'queued');
    this.data.videos.push(video);
    return video;
  }

  /** The `Ratelimit` headers of the window limiter, when it is on. */
  #rateHeaders(): Record<string, string> {
    const window = this.#knobs.rateLimitWindow;
    if (!window) return {};
    this.#rollWindow(window);
    const remaining = Math.max(0, window.limit - this.#windowCount);
    const reset = Math.max(0, Math.ceil((this.#windowStart + window.windowSec * 1_000 - Date.now()) / 1_000));
    return { Ratelimit: `"default";r=${remaining};t=${reset}`, 'Ratelimit-Policy': `"default";q=${window.limit};w=${window.windowSec}` };
  }

  #rollWindow(window: { limit: number; windowSec: number }): void {
    const now = Date.now();
    if (this.#windowFor !== window || now >= this.#windowStart + window.windowSec * 1_000) {
      this.#windowFor = window;
      this.#windowStart = now;
      this.#windowCount = 0;
    }
  }

  /** The 429 burst knob, then the window limiter (which keeps refusing until the window ends). */
  #rateLimited(res: http.ServerResponse, headers: Record<string, string>): number | undefined {
    const burst = this.#knobs.rateLimit429;
    if (burst !== null && this.#burst.take(burst)) {
      return sendEnvelopeError(res, 429, 971, 'Please wait and consider throttling your request speed', { ...headers, 'retry-after': String(Math.ceil(burst.retryAfterSec)) });
    }
    const window = this.#knobs.rateLimitWindow;
    if (window) {
      this.#windowCount++;
      if (this.#windowCount > window.limit) {
        const left = Math.max(1, Math.ceil((this.#windowStart + window.windowSec * 1_000 - Date.now()) / 1_000));
        return sendEnvelopeError(res, 429, 971, 'Please wait and consider throttling your request speed', { ...this.#rateHeaders(), 'retry-after': String(left) });
      }
    }
    return undefined;
  }

  /** The error-rate knob: spread evenly (0.5 fails every second request), rotating through the kinds. */
  #injected(res: http.ServerResponse): number | undefined {
    const rate = this.#knobs.errorRate;
    if (rate <= 0) return undefined;
    const before = Math.floor(this.#faultAccumulator);
    this.#faultAccumulator += rate;
    if (Math.floor(this.#faultAccumulator) === before) return undefined;
    const kinds = this.#knobs.errorKinds.length > 0 ? this.#knobs.errorKinds : DEFAULT_KNOBS.errorKinds;
    const kind = kinds[this.#faultTurn++ % kinds.length]!;
    if (kind === 'api_500') return sendEnvelopeError(res, 500, 10001, 'Internal server error');
    const status = kind === 'edge_502' ? 502 : 503;
    const page = `<!DOCTYPE html>\n<html><head><title>${status} ${status === 502 ? 'Bad gateway' : 'Service Temporarily Unavailable'} | api.cloudflare.com | Cloudflare</title></head>\n<body><h1>Error ${status}</h1><p>Ray ID: ${randomBytes(8).toString('hex')}</p></body></html>\n`;
    res.writeHead(status, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': Buffer.byteLength(page) });
    res.end(page);
    return status;
  }
}

/** `{success:true, errors:[], messages:[], result}`. */
function envelope(result: unknown): Record<string, unknown> {
  return { success: true, errors: [], messages: [], result };
}

function envelopeErrors(errors: { code: number; message: string }[]): Record<string, unknown> {
  return { success: false, errors, messages: [], result: null };
}

/** A page of `items` with `result_info`, honouring `page` / `per_page` (clamped to the endpoint's range). */
function paged<T>(items: T[], query: URLSearchParams, limits: { defaultPerPage: number; minPerPage: number; maxPerPage: number }): Record<string, unknown> {
  const page = positiveInt(query.get('page'), 'page') ?? 1;
  const perPage = Math.min(limits.maxPerPage, Math.max(limits.minPerPage, positiveInt(query.get('per_page'), 'per_page') ?? limits.defaultPerPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    ...envelope(slice),
    result_info: { page, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / perPage)) },
  };
}

function positiveInt(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ApiError(400, 1001, `Invalid ${name}: must be a positive integer`);
  return Number(value);
}

function json(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ApiError(400, 6007, 'Malformed JSON in request body');
}

const asObject = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

function fqdn(name: string, zone: string): string {
  if (name === '@' || name === zone) return zone;
  return name.endsWith(`.${zone}`) ? name : `${name}.${zone}`;
}

function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The `file` part of a multipart/form-data body. */
function multipartFile(body: Buffer, boundary: string): { filename: string | undefined; data: Buffer } | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const headerStart = start + delimiter.length + 2;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) return undefined;
    const head = body.subarray(headerStart, headerEnd).toString('utf8');
    if (/name="file"/i.test(head)) {
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      return { filename, data: body.subarray(headerEnd + 4, next) };
    }
    start = next + 2;
  }
  return undefined;
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): number {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
  return status;
}

function sendEnvelopeError(res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): number {
  return sendJson(res, status, envelopeErrors([{ code, message }]), headers);
}

function validateKnobs(knobs: Partial<FakeCloudflareKnobs>): void {
  validateCommonKnobs(knobs);
  const window = knobs.rateLimitWindow;
  if (window !== undefined && window !== null && !(Number.isInteger(window.limit) && window.limit >= 0 && window.windowSec > 0)) {
    throw new RangeError('knobs.rateLimitWindow needs an integer limit >= 0 and windowSec > 0');
  }
  if (knobs.streamListLimit !== undefined && !(Number.isInteger(knobs.streamListLimit) && knobs.streamListLimit >= 1)) {
    throw new RangeError('knobs.streamListLimit must be an integer >= 1');
  }
  validateErrorKinds(knobs.errorKinds, ['api_500', 'edge_502', 'edge_503']);
}

/** For tests that need a zone's id by name. */
export function fakeZoneId(name: string): string {
  return fakeCloudflareId(`zone:${name}`);
}
