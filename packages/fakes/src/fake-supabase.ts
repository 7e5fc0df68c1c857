import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migrateOps, seedOps, validateOpsSchemaName, type SeedOpsOptions, type SeedSummary } from '@mcpgw/ops-schema';
import { closeServer, listenOnLoopback } from './fake-http-server.js';
import { contentRange, parseRangeHeader, planInsert, planRead, PostgrestError } from './fake-supabase-postgrest.js';
import { SchemaCache } from './fake-supabase-schema-cache.js';

/** Fault injection for the fake Supabase; every field optional, all off by default. */
export interface FakeSupabaseKnobs {
  /** Delay before every answer, in ms. */
  latencyMs?: number;
  /**
   * Fraction (0..1) of keyed requests answered with a PostgREST-style 5xx, alternating 503
   * (PGRST001, database unreachable) and 500 (57014, statement timeout). Spread evenly, not randomly:
   * 0.5 fails every second request.
   */
  errorRate?: number;
  /** The next `burst` keyed requests get 429 with `Retry-After: retryAfterSec`. */
  rateLimit429?: { burst: number; retryAfterSec: number };
  /** Every request gets 401 `Invalid API key` (a rotated or revoked key). */
  authFail?: boolean;
}

/** Options of {@link startFakeSupabase}. */
export interface FakeSupabaseOptions {
  /** PostgreSQL the tables live in (the fake applies the ops migrations to it on start). */
  databaseUrl: string;
  /** Exposed schema; default `public`. */
  schema?: string;
  /** API keys; default random `sb_secret_...` / `sb_publishable_...` keys. */
  keys?: { secret?: string; publishable?: string };
  knobs?: FakeSupabaseKnobs;
  /** Load the sample data on start (`true`, or seed options without the schema). Default: no. */
  seed?: boolean | Omit<SeedOpsOptions, 'schema'>;
  /** Rows per response cap (Supabase's db-max-rows); default 1000. */
  maxRows?: number;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

/** A running fake Supabase project. */
export interface FakeSupabase {
  /** Base URL, e.g. `http://127.0.0.1:54321` (the REST API is under `/rest/v1`). */
  readonly url: string;
  /** A key with the service_role role (`sb_secret_...`). */
  readonly secretKey: string;
  /** A key with the anon role (`sb_publishable_...`). */
  readonly publishableKey: string;
  readonly schema: string;
  /** What the start-up seed loaded, or null. */
  readonly seeded: SeedSummary | null;
  /** Current fault knobs; assigning replaces them (and restarts a 429 burst). */
  knobs: FakeSupabaseKnobs;
  /** Requests received so far (every path, including rejected ones). */
  readonly requests: number;
  close(): Promise<void>;
}

type Role = 'service_role' | 'anon';

const JSON_TYPE = 'application/json; charset=utf-8';
const BROWSER_UA = /Mozilla\/|Chrome\/|Safari\/|Firefox\/|Edg\//;
const MAX_BODY_BYTES = 1_048_576;
const GOTRUE_HEALTH = { version: 'v2.170.0', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' };

/**
 * Starts a fake Supabase project on 127.0.0.1: the PostgREST subset (`/rest/v1`) over the real
 * operational tables in PostgreSQL, the `apikey` gate with secret/publishable roles, and
 * `/auth/v1/health`, with knobs for latency, 5xx, 429 bursts and auth failures.
 */
export async function startFakeSupabase(options: FakeSupabaseOptions): Promise<FakeSupabase> {
  const schema = validateOpsSchemaName(options.schema ?? 'public');
  const secretKey = options.keys?.secret ?? `sb_secret_${randomBytes(24).toString('base64url')}`;
  const publishableKey = options.keys?.publishable ?? `sb_publishable_${randomBytes(24).toString('base64url')}`;
  const maxRows = options.maxRows ?? 1000;
  validateKnobs(options.knobs ?? {});
  // Supabase databases run in UTC, and PostgREST renders timestamps in the session zone.
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 5, options: '-c TimeZone=UTC' });
  pool.on('error', () => undefined);
  let seeded: SeedSummary | null = null;
  try {
    await migrateOps(pool, { schema });
    if (options.seed) seeded = await seedOps(pool, { ...(options.seed === true ? {} : options.seed), schema });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const cache = new SchemaCache(pool, schema);
  await cache.load();

  let knobs: FakeSupabaseKnobs = { ...options.knobs };
  let burstSource: FakeSupabaseKnobs['rateLimit429'] = undefined;
  let burstLeft = 0;
  let requests = 0;
  let keyed = 0;

  const state = {
    /** Applies the 429 and 5xx knobs to a keyed request; true when it answered. */
    inject(res: ServerResponse): boolean {
      if (knobs.rateLimit429 !== burstSource) {
        burstSource = knobs.rateLimit429;
        burstLeft = burstSource?.burst ?? 0;
      }
      if (burstLeft > 0 && burstSource) {
        burstLeft -= 1;
        send(res, 429, { code: 'over_request_rate_limit', message: `Too many requests. Retry after ${burstSource.retryAfterSec} seconds.` }, { 'retry-after': String(burstSource.retryAfterSec) });
        return true;
      }
      const rate = knobs.errorRate ?? 0;
      keyed += 1;
      if (rate > 0 && Math.floor(keyed * rate) > Math.floor((keyed - 1) * rate)) {
        if (keyed % 2 === 1) {
          send(res, 503, { code: 'PGRST001', details: 'connection to server failed', hint: null, message: 'Database client error. Retrying the connection.' });
        } else {
          send(res, 500, { code: '57014', details: null, hint: null, message: 'canceling statement due to statement timeout' });
        }
        return true;
      }
      return false;
    },
  };

  const server = createServer((req, res) => {
    requests += 1;
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (knobs.latencyMs && knobs.latencyMs > 0) await sleep(knobs.latencyMs);
    const url = new URL(req.url ?? '/', 'http://fake.supabase');
    const path = url.pathname;
    if (!/^\/(rest|auth|storage)\/v1(\/|$)/.test(path)) {
      send(res, 404, { message: 'no Route matched with those values' });
      return;
    }
    if (knobs.authFail) {
      send(res, 401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
      return;
    }
    const role = authenticate(req, url, res);
    if (!role) return;
    if (state.inject(res)) return;
    if (path === '/auth/v1/health') {
      send(res, 200, GOTRUE_HEALTH);
      return;
    }
    if (path === '/rest/v1' || path === '/rest/v1/') {
      send(res, 200, openApi(cache, schema));
      return;
    }
    const tableMatch = /^\/rest\/v1\/([^/]+)$/.exec(path);
    if (!tableMatch) {
      const rpc = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(path);
      if (rpc) throw new PostgrestError(404, 'PGRST202', `Could not find the function ${schema}.${safeName(rpc[1] ?? '')} without parameters in the schema cache`);
      send(res, 404, { message: 'no Route matched with those values' });
      return;
    }
    const profile = req.headers[req.method === 'GET' || req.method === 'HEAD' ? 'accept-profile' : 'content-profile'];
    if (typeof profile === 'string' && profile !== schema) {
      throw new PostgrestError(406, 'PGRST106', `The schema must be one of the following: ${schema}`);
    }
    const name = decodeURIComponent(tableMatch[1] ?? '');
    const table = await cache.table(name);
    if (!table) {
      throw new PostgrestError(404, 'PGRST205', `Could not find the table '${schema}.${safeName(name)}' in the schema cache`, null, null);
    }
    const prefer = parsePrefer(req.headers['prefer']);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const range = parseRangeHeader(header(req, 'range'));
      const plan = planRead(table, url.searchParams, { range, maxRows, hideRows: role === 'anon' });
      const total = prefer.count ? (await pool.query<{ total: number }>(plan.countSql, plan.params)).rows[0]?.total ?? 0 : null;
      if (total !== null && plan.offset > 0 && plan.offset >= total) {
        throw new PostgrestError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${plan.offset} was requested, but there are only ${total} rows.`);
      }
      const result = (await pool.query<{ body: string; n: number }>(plan.sql, plan.params)).rows[0] ?? { body: '[]', n: 0 };
      const headers = { 'content-range': contentRange(plan.offset, result.n, total) };
      const status = total !== null && result.n < total ? 206 : 200;
      let payload = result.body;
      if (wantsObject(req)) {
        if (result.n !== 1) {
          throw new PostgrestError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned', `The result contains ${result.n} rows`);
        }
        payload = JSON.stringify((JSON.parse(result.body) as unknown[])[0]);
      }
      sendRaw(res, wantsObject(req) ? 200 : status, req.method === 'HEAD' ? '' : payload, headers);
      return;
    }
    if (req.method === 'POST') {
      if (role === 'anon') {
        throw new PostgrestError(401, '42501', `new row violates row-level security policy for table "${table.name}"`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.length > 0 ? body : 'null');
      } catch {
        throw new PostgrestError(400, 'PGRST102', 'Empty or invalid json');
      }
      const plan = planInsert(table, url.searchParams, parsed, { resolution: prefer.resolution });
      const result = (await pool.query<{ body: string; n: number }>(plan.sql, plan.params)).rows[0] ?? { body: '[]', n: 0 };
      const headers = { 'content-range': `*/${prefer.count ? result.n : '*'}` };
      if (prefer.return === 'representation') sendRaw(res, 201, result.body, headers);
      else sendRaw(res, 201, '', headers);
      return;
    }
    throw new PostgrestError(405, 'PGRST117', `Unsupported HTTP method: ${safeName(req.method ?? '')}`, 'the fake Supabase serves GET, HEAD and POST');
  }

  /** Checks the key (header or `apikey` query parameter); answers 401 itself and returns null on failure. */
  function authenticate(req: IncomingMessage, url: URL, res: ServerResponse): Role | null {
    const apikey = header(req, 'apikey') ?? url.searchParams.get('apikey') ?? undefined;
    if (!apikey) {
      send(res, 401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
      return null;
    }
    const role: Role | null = apikey === secretKey ? 'service_role' : apikey === publishableKey ? 'anon' : null;
    if (!role) {
      send(res, 401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
      return null;
    }
    if (role === 'service_role' && BROWSER_UA.test(header(req, 'user-agent') ?? '')) {
      send(res, 401, { message: 'Forbidden use of secret API key in browser', hint: 'Secret API keys can only be used in a protected environment and should never be used in a browser.' });
      return null;
    }
    const authorization = header(req, 'authorization');
    if (authorization !== undefined && authorization !== `Bearer ${apikey}`) {
      send(res, 401, { code: 'PGRST301', details: null, hint: null, message: 'No suitable key or wrong key type' });
      return null;
    }
    return role;
  }

  const port = await listenOnLoopback(server, options.port ?? 0);
  let closed: Promise<void> | null = null;

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    publishableKey,
    schema,
    seeded,
    get knobs() {
      return knobs;
    },
    set knobs(next: FakeSupabaseKnobs) {
      validateKnobs(next);
      knobs = { ...next };
    },
    get requests() {
      return requests;
    },
    close() {
      closed ??= closeServer(server).then(() => pool.end());
      return closed;
    },
  };
}

function validateKnobs(knobs: FakeSupabaseKnobs): void {
  if (knobs.errorRate !== undefined && !(knobs.errorRate >= 0 && knobs.errorRate <= 1)) throw new RangeError('errorRate must be between 0 and 1');
  if (knobs.latencyMs !== undefined && !(knobs.latencyMs >= 0)) throw new RangeError('latencyMs must be >= 0');
  const burst = knobs.rateLimit429;
  if (burst && !(Number.isInteger(burst.burst) && burst.burst >= 0 && burst.retryAfterSec >= 0)) {
    throw new RangeError('rateLimit429 needs a whole burst >= 0 and retryAfterSec >= 0');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function wantsObject(req: IncomingMessage): boolean {
  return (header(req, 'accept') ?? '').includes('application/vnd.pgrst.object+json');
}

/** Keeps caller text in error messages short and printable. */
function safeName(text: string): string {
  return text.replace(/[^\w.\- ]/g, '?').slice(0, 63);
}

interface Prefer {
  count: boolean;
  return: 'representation' | 'minimal' | 'headers-only';
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
}

/** `Prefer: count=exact, return=representation` → flags (planned/estimated counts are exact here). */
function parsePrefer(value: string | string[] | undefined): Prefer {
  const prefer: Prefer = { count: false, return: 'minimal', resolution: null };
  const items = (Array.isArray(value) ? value.join(',') : (value ?? '')).split(/[,;]/).map((p) => p.trim());
  for (const item of items) {
    const [key, val] = item.split('=').map((s) => s.trim());
    if (key === 'count' && (val === 'exact' || val === 'planned' || val === 'estimated')) prefer.count = true;
    if (key === 'return' && (val === 'representation' || val === 'minimal' || val === 'headers-only')) prefer.return = val;
    if (key === 'resolution' && (val === 'merge-duplicates' || val === 'ignore-duplicates')) prefer.resolution = val;
  }
  return prefer;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PostgrestError(413, 'PGRST413', 'Payload too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, JSON.stringify(body), headers);
}

function sendRaw(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** PostgREST errors as they are; PostgreSQL errors in PostgREST's body with its status mapping. */
function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof PostgrestError) {
    send(res, error.status, error.toJSON(), error.status === 416 ? { 'content-range': '*/*' } : {});
    return;
  }
  const e = (error ?? {}) as { code?: string; message?: string; detail?: string; hint?: string };
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : null;
  if (!code) {
    send(res, 503, { code: 'PGRST001', details: null, hint: null, message: 'Database client error. Retrying the connection.' });
    return;
  }
  send(res, pgStatus(code), { code, details: e.detail ?? null, hint: e.hint ?? null, message: e.message ?? 'error' });
}

/** PostgREST's mapping of SQLSTATE to HTTP status (the subset that matters here). */
function pgStatus(code: string): number {
  if (code === '23505' || code === '23503') return 409;
  if (code === '42501') return 403;
  if (code === '42P01' || code === '42883') return 404;
  if (code.startsWith('08') || code.startsWith('53')) return 503;
  if (code === '57014') return 500;
  if (code.startsWith('22') || code.startsWith('23') || code.startsWith('42')) return 400;
  return 500;
}

/** A small OpenAPI (Swagger 2.0) description of the exposed tables, like PostgREST's root. */
function openApi(cache: SchemaCache, schema: string): unknown {
  const tables = cache.all();
  return {
    swagger: '2.0',
    info: { title: 'standard public schema', description: `fake Supabase (schema ${schema})`, version: '12.2.3' },
    basePath: '/',
    schemes: ['http'],
    consumes: ['application/json', 'application/vnd.pgrst.object+json'],
    produces: ['application/json', 'application/vnd.pgrst.object+json'],
    paths: Object.fromEntries([['/', {}], ...tables.map((t) => [`/${t.name}`, { get: { tags: [t.name] }, post: { tags: [t.name] } }])]),
    definitions: Object.fromEntries(
      tables.map((t) => [t.name, { type: 'object', properties: Object.fromEntries([...t.columns].map(([c, type]) => [c, { format: type }])) }]),
    ),
  };
}
