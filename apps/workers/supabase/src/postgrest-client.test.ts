import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import { PostgrestClient, parseContentRange } from './postgrest-client.js';

/**
 * The client's wire behaviour against a scripted HTTP server: exact headers and query strings, and
 * the failure cases a fake upstream cannot easily stage (hanging responses, redirects, HTTP dates).
 * The worker's tests cover the same client against the fake Supabase over a real database.
 */
const KEY = 'sb_secret_0123456789abcdefghijklmnop';
const LEGACY = 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJl';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server;
let url: string;
let handler: Handler;
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => json(res, 200, []);
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const client = (overrides: Partial<ConstructorParameters<typeof PostgrestClient>[0]> = {}) =>
  new PostgrestClient({ url, key: KEY, timeoutMs: 2_000, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...overrides });

const failure = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe('PostgrestClient requests', () => {
  it('sends the key as apikey only, typed filters, order and a Range with an exact count', async () => {
    handler = (_req, res) => json(res, 206, [{ id: 1 }, { id: 2 }], { 'Content-Range': '0-1/57' });
    const page = await client().select('background_jobs', {
      columns: ['id', 'status'],
      filters: [
        { column: 'status', op: 'in', value: ['failed', 'a,b', 'say "hi"'] },
        { column: 'agency_code', op: 'is', value: null },
        { column: 'message', op: 'ilike', value: '*time out*' },
        { column: 'created_at', op: 'gte', value: '2026-01-01T00:00:00.000Z' },
      ],
      order: [{ column: 'created_at', ascending: false, nulls: 'last' }, { column: 'id' }],
      range: { from: 0, to: 1 },
    });
    expect(page).toEqual({ rows: [{ id: 1 }, { id: 2 }], total: 57, from: 0, to: 1 });
    const request = seen[0]!;
    expect(request.method).toBe('GET');
    const query = new URL(request.url, url).searchParams;
    expect(new URL(request.url, url).pathname).toBe('/rest/v1/background_jobs');
    expect(query.get('select')).toBe('id,status');
    expect(query.get('status')).toBe('in.(failed,"a,b","say \\"hi\\"")');
    expect(query.get('agency_code')).toBe('is.null');
    expect(query.get('message')).toBe('ilike.*time out*');
    expect(query.get('created_at')).toBe('gte.2026-01-01T00:00:00.000Z');
    expect(query.get('order')).toBe('created_at.desc.nullslast,id.asc');
    expect(request.headers).toMatchObject({ apikey: KEY, range: '0-1', 'range-unit': 'items', prefer: 'count=exact' });
    expect(request.headers['authorization']).toBeUndefined();
    expect(request.headers['user-agent']).toBe('mcp-gateway-supabase-worker');
    expect(request.headers['accept-profile']).toBeUndefined();
  });

  it('sends a legacy service_role JWT as a bearer token too, and asks for a non-public schema', async () => {
    await client({ key: LEGACY, schema: 'ops' }).select('error_logs');
    expect(seen[0]!.headers).toMatchObject({ apikey: LEGACY, authorization: `Bearer ${LEGACY}`, 'accept-profile': 'ops' });
  });

  it('refuses column names that are not plain identifiers', async () => {
    await expect(client().select('error_logs', { filters: [{ column: 'level;drop', op: 'eq', value: 'x' }] })).rejects.toThrow(/not a plain column/);
    expect(seen).toHaveLength(0);
  });

  it('reads an offset past the end (416) as an empty page with the total', async () => {
    handler = (_req, res) => json(res, 416, { code: 'PGRST103', message: 'Requested range not satisfiable' }, { 'Content-Range': '*/12' });
    expect(await client().select('error_logs', { range: { from: 50, to: 59 } })).toEqual({ rows: [], total: 12, from: null, to: null });
  });

  it('pages with Range until the total, following what the server actually returned', async () => {
    const all = Array.from({ length: 11 }, (_, i) => ({ id: i + 1 }));
    handler = (req, res) => {
      const [from, to] = (req.headers['range'] as string).split('-').map(Number) as [number, number];
      // The server caps responses at 3 rows (Supabase's db-max-rows), whatever was asked.
      const rows = all.slice(from, Math.min(to + 1, from + 3));
      const count = req.headers['prefer'] === 'count=exact' ? '11' : '*';
      json(res, 206, rows, { 'Content-Range': `${from}-${from + rows.length - 1}/${count}` });
    };
    const result = await client().selectAll('error_logs', { pageSize: 5 });
    expect(result).toMatchObject({ total: 11, truncated: false, pages: 4 });
    expect(result.rows).toEqual(all);
    expect(seen.map((s) => s.headers['range'])).toEqual(['0-4', '3-7', '6-10', '9-13']);
    const capped = await client({ maxRows: 4 }).selectAll('error_logs', { pageSize: 5 });
    expect(capped).toMatchObject({ total: 11, truncated: true });
    expect(capped.rows).toHaveLength(4);
  });

  it('inserts with return=representation', async () => {
    handler = (_req, res) => json(res, 201, [{ id: 9, level: 'error' }]);
    expect(await client().insert('error_logs', [{ level: 'error' }])).toEqual([{ id: 9, level: 'error' }]);
    expect(seen[0]).toMatchObject({ method: 'POST', body: '[{"level":"error"}]', headers: { prefer: 'return=representation', 'content-type': 'application/json' } });
  });
});

describe('PostgrestClient failures', () => {
  it('retries a read after 5xx and succeeds', async () => {
    handler = (_req, res, n) => (n <= 2 ? json(res, 503, { message: 'upstream unavailable' }) : json(res, 200, [{ id: 1 }]));
    expect((await client().select('error_logs')).rows).toEqual([{ id: 1 }]);
    expect(seen).toHaveLength(3);
  });

  it('gives up after three retries with the upstream reason', async () => {
    handler = (_req, res) => json(res, 500, { code: 'XX000', message: 'internal error' });
    const error = await failure(client().select('error_logs'));
    expect(error).toMatchObject({ kind: 'upstream', message: 'Supabase failed (HTTP 500): internal error [XX000]' });
    expect(seen).toHaveLength(4);
  });

  it('never retries an insert', async () => {
    handler = (_req, res) => json(res, 503, { message: 'unavailable' });
    expect(await failure(client().insert('error_logs', [{ level: 'error' }]))).toMatchObject({ kind: 'upstream' });
    expect(seen).toHaveLength(1);
  });

  it('waits out a short Retry-After on 429, and reports a long one at once', async () => {
    handler = (_req, res, n) => (n === 1 ? json(res, 429, { message: 'Too many requests' }, { 'Retry-After': '1' }) : json(res, 200, []));
    await client().select('error_logs');
    expect(seen).toHaveLength(2);

    seen = [];
    handler = (_req, res) => json(res, 429, { message: 'Too many requests' }, { 'Retry-After': '3600' });
    const error = await failure(client().select('error_logs'));
    expect(error).toMatchObject({ kind: 'upstream', message: 'Supabase is rate limiting requests (HTTP 429); retry after 3600 s', details: { retryAfter: 3600 } });
    expect(seen).toHaveLength(1);
  });

  it('times a hanging request out per attempt and reports SUPABASE_TIMEOUT_MS', async () => {
    handler = () => undefined; // never answers
    const error = await failure(client({ timeoutMs: 150, retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 5 } }).select('error_logs'));
    expect(error).toMatchObject({ kind: 'upstream_timeout', message: 'Supabase did not answer error_logs within 150 ms (SUPABASE_TIMEOUT_MS)' });
    expect(seen).toHaveLength(2);
  });

  it('stops retrying when the caller gives up', async () => {
    handler = (_req, res) => json(res, 503, {});
    const controller = new AbortController();
    const pending = failure(client({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxRetryAfterMs: 120_000 } }).select('error_logs', { signal: controller.signal }));
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'upstream_timeout', message: 'the call was cancelled before Supabase answered' });
    expect(seen).toHaveLength(1);
  });

  it('reports a refused key by the variable to fix, never by its value', async () => {
    handler = (_req, res) => json(res, 401, { message: `Invalid API key ${KEY}`, hint: 'Double check your Supabase `anon` or `service_role` API key.' });
    const error = await failure(client().select('error_logs'));
    expect(error.kind).toBe('unconfigured');
    expect(error.message).toMatch(/^Supabase refused the key \(HTTP 401: Invalid API key \[redacted\].*check SUPABASE_SERVICE_ROLE_KEY/);
    expect(error.message).not.toContain(KEY);
    expect(error.details).toEqual({ missing: ['SUPABASE_SERVICE_ROLE_KEY'] });
    expect(seen).toHaveLength(1);
  });

  it('says which table is missing (PGRST205)', async () => {
    handler = (_req, res) => json(res, 404, { code: 'PGRST205', message: "Could not find the table 'public.nope' in the schema cache" });
    expect(await failure(client().select('nope'))).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/^table public\.nope is not served by the Data API/) });
  });

  it('does not follow redirects (the apikey would go along)', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { Location: `${url}/elsewhere` });
      res.end();
    };
    expect(await failure(client().select('error_logs'))).toMatchObject({ kind: 'failed', message: expect.stringMatching(/HTTP 302/) });
    expect(seen.map((s) => s.url)).not.toContain('/elsewhere');
  });

  it('reports an unreachable server by host and error code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(client({ url: `http://127.0.0.1:${port}`, retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 5 } }).select('error_logs'));
    expect(error).toMatchObject({ kind: 'upstream', message: `cannot reach Supabase at 127.0.0.1:${port} (ECONNREFUSED)` });
  });
});

describe('header parsing', () => {
  it('reads Content-Range in its three forms', () => {
    expect(parseContentRange('0-24/3573458')).toEqual({ from: 0, to: 24, total: 3_573_458 });
    expect(parseContentRange('0-24/*')).toEqual({ from: 0, to: 24, total: null });
    expect(parseContentRange('*/0')).toEqual({ from: null, to: null, total: 0 });
    expect(parseContentRange(null)).toEqual({ from: null, to: null, total: null });
  });
});
