import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, metricValue, parseMetrics, testStoreEnv } from '@mcpgw/test-support';
import type { StoredAuditRow } from '@mcpgw/store';
import type { FastifyInstance } from 'fastify';
import { SignJWT, base64url } from 'jose';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from './app.js';
import { signToken } from './auth/token-signer.js';
import { loadConfig } from './config.js';
import { loggerOptions } from './logger.js';

/**
 * The front door in one process, through `app.inject()` with chosen peer addresses: every auth
 * path and failure status, scopes, per-agent limits, the admin API and the audit rows each
 * outcome leaves — against the real store (a schema of its own in PostgreSQL).
 * Real non-loopback sockets, replicas, Redis and outages are in tests/.
 */
const JWT_SECRET = 'an-hs256-secret-that-is-long-enough-0123456789';
const REMOTE = '203.0.113.7';
const store = testStoreEnv();
const logLines: string[] = [];
let app: FastifyInstance;

beforeAll(async () => {
  const config = loadConfig({
    ...store.env,
    WORKERS: 'none',
    EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
    LOG_LEVEL: 'debug',
    JWT_SECRET,
    JWT_AUDIENCE: 'mcp-gateway',
    RATE_LIMIT_MAX_REQUESTS: '1000',
    AUTH_FAILURE_MAX: '1000',
    AUDIT_FLUSH_INTERVAL_MS: '20',
  });
  for (const spec of config.workers) if (spec.kind !== 'remote') spec.env['LOG_LEVEL'] = 'silent';
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  app = await buildApp(config, { logger: pino(loggerOptions(config), capture) });
});

afterAll(async () => {
  await app?.close();
  await store.cleanup();
});

interface CallOptions {
  from?: string;
  headers?: Record<string, string>;
}

const rpc = (body: unknown, { from = REMOTE, headers = {} }: CallOptions = {}) =>
  app.inject({ method: 'POST', url: '/mcp/rpc', remoteAddress: from, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });

const echo = (id: number | string, options: CallOptions = {}, tool = 'echo') =>
  rpc({ jsonrpc: '2.0', id, method: 'mcp.execute', params: { service: 'echo', tool, arguments: tool === 'echo' ? { message: 'hi' } : { ms: 1 } } }, options);

async function createKey(body: Record<string, unknown>): Promise<{ key: string; prefix: string }> {
  const response = await app.inject({ method: 'POST', url: '/admin/keys', remoteAddress: '127.0.0.1', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  expect(response.statusCode).toBe(201);
  return response.json<{ key: string; prefix: string }>();
}

async function auditRows(filter: Record<string, string> = {}): Promise<StoredAuditRow[]> {
  await app.audit.flush();
  const query = new URLSearchParams({ limit: '1000', ...filter }).toString();
  const response = await app.inject({ method: 'GET', url: `/admin/audit?${query}`, remoteAddress: '127.0.0.1' });
  expect(response.statusCode).toBe(200);
  return response.json<{ rows: StoredAuditRow[] }>().rows;
}

describe('localhost bypass', () => {
  it('lets a loopback caller in as agent local, naming itself with X-Agent-Id', async () => {
    for (const from of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.9.9.9']) {
      const response = await echo(1, { from });
      expect(response.statusCode).toBe(200);
    }
    const named = await echo('named', { from: '127.0.0.1', headers: { 'x-request-id': 'named-agent-call', 'x-agent-id': 'nightly-report' } });
    expect(named.statusCode).toBe(200);
    const rows = await auditRows({ agent: 'nightly-report' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ requestId: 'named-agent-call', authMethod: 'local', service: 'echo', tool: 'echo', outcome: 'ok', peer: '127.0.0.1' });
  });

  it('refuses a loopback caller that addresses another host (DNS rebinding), and takes every loopback name', async () => {
    for (const host of ['localhost:8100', '127.0.0.1:8100', '[::1]:8100', 'gw.localhost', 'LOCALHOST']) {
      expect((await echo(1, { from: '127.0.0.1', headers: { host } })).statusCode).toBe(200);
    }
    for (const host of ['evil.example:8100', 'evil.example', '10.0.0.1:8100', 'localhost.evil.example']) {
      const response = await echo(2, { from: '127.0.0.1', headers: { host } });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.message).toMatch(/DNS rebinding/);
    }
  });

  it('refuses an invalid X-Agent-Id with 400', async () => {
    const response = await echo(1, { from: '127.0.0.1', headers: { 'x-agent-id': 'no spaces allowed' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/X-Agent-Id/);
  });

  it('never trusts a non-loopback peer, private networks and forwarded headers included', async () => {
    for (const from of [REMOTE, '10.0.0.5', '172.17.0.1', '192.168.1.10']) {
      const response = await echo(7, { from, headers: { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1' } });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32010, message: expect.stringMatching(/send X-MCP-Key: mcp_live_<prefix>_<secret> or Authorization: Bearer <JWT>/), data: { name: 'UNAUTHENTICATED' } },
      });
    }
  });

  it('answers REST endpoints with the error envelope and 401', async () => {
    const response = await app.inject({ method: 'GET', url: '/mcp/catalog', remoteAddress: REMOTE });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ status: 'error', error: { code: -32010, name: 'UNAUTHENTICATED' } });
    const slash = await app.inject({ method: 'POST', url: '/mcp/execute', remoteAddress: REMOTE, headers: { 'content-type': 'application/json' }, payload: '{"command":"/mcp-echo echo hi"}' });
    expect(slash.statusCode).toBe(401);
  });

  it('keeps health endpoints open', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live', remoteAddress: REMOTE })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/ready', remoteAddress: REMOTE });
    expect(ready.json()).toMatchObject({ status: 'ready', dependencies: { store: 'up', rateLimits: 'memory' } });
  });
});

describe('X-MCP-Key', () => {
  let key: string;
  let prefix: string;

  beforeAll(async () => {
    ({ key, prefix } = await createKey({ name: 'agent-key', scopes: ['echo'] }));
  });

  it('authenticates a remote caller as the key name', async () => {
    const response = await echo('k1', { headers: { 'x-mcp-key': key, 'x-request-id': 'key-call-1' } });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.status).toBe('success');
    const [row] = (await auditRows({ agent: 'agent-key' })).filter((r) => r.requestId === 'key-call-1');
    expect(row).toMatchObject({ authMethod: 'api_key', outcome: 'ok', service: 'echo', tool: 'echo', peer: REMOTE, errorCode: null });
  });

  it('answers every bad key with the same 401, whether the prefix exists or not', async () => {
    const wrongSecret = `${key.slice(0, 22)}${'A'.repeat(43)}`;
    const unknownPrefix = `mcp_live_000000000000_${key.slice(22)}`;
    const bodies = [];
    for (const bad of [wrongSecret, unknownPrefix, 'mcp_live_short', 'Bearer nonsense', '', 'x'.repeat(5_000)]) {
      const response = await echo('bad', { headers: { 'x-mcp-key': bad } });
      expect(response.statusCode).toBe(401);
      bodies.push(response.json().error);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0].message).not.toMatch(/exist|prefix 0000/);
  });

  it('refuses an expired key', async () => {
    const expiring = await createKey({ name: 'agent-expiring', scopes: ['echo'], expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect((await echo(1, { headers: { 'x-mcp-key': expiring.key } })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await echo(1, { headers: { 'x-mcp-key': expiring.key } })).statusCode).toBe(401);
  });

  it('refuses a revoked key at once on the replica that revoked it', async () => {
    const doomed = await createKey({ name: 'agent-doomed', scopes: ['echo'] });
    expect((await echo(1, { headers: { 'x-mcp-key': doomed.key } })).statusCode).toBe(200);
    const revoked = await app.inject({ method: 'DELETE', url: `/admin/keys/${doomed.prefix}`, remoteAddress: '127.0.0.1' });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked).toMatchObject({ prefix: doomed.prefix, status: 'revoked' });
    expect((await echo(1, { headers: { 'x-mcp-key': doomed.key } })).statusCode).toBe(401);
  });

  it('is preferred over the localhost bypass: a loopback caller presenting a bad key is refused', async () => {
    expect((await echo(1, { from: '127.0.0.1', headers: { 'x-mcp-key': 'mcp_live_nope' } })).statusCode).toBe(401);
    expect((await echo(1, { from: '127.0.0.1', headers: { 'x-mcp-key': key } })).statusCode).toBe(200);
  });

  it('lists keys without secrets or hashes', async () => {
    const response = await app.inject({ method: 'GET', url: '/admin/keys', remoteAddress: '127.0.0.1' });
    const text = response.body;
    expect(text).toContain(prefix);
    expect(text).not.toContain(key.slice(22));
    expect(text).not.toMatch(/"hash"/);
  });
});

describe('JWT bearer tokens', () => {
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('authenticates sub with the scopes of the scope claim', async () => {
    const token = await signToken({ secret: JWT_SECRET, subject: 'agent-jwt', scopes: ['echo'], ttlMs: 60_000, audience: 'mcp-gateway' });
    const response = await echo('j1', { ...bearer(token), headers: { ...bearer(token).headers, 'x-request-id': 'jwt-call-1' } });
    expect(response.statusCode).toBe(200);
    const rows = await auditRows({ agent: 'agent-jwt' });
    expect(rows.find((r) => r.requestId === 'jwt-call-1')).toMatchObject({ authMethod: 'jwt', outcome: 'ok' });
  });

  it('refuses alg none, expired, wrong audience, wrong secret and garbage with 401, never 500', async () => {
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify({ sub: 'evil', scope: 'echo', aud: 'mcp-gateway', exp: Math.floor(Date.now() / 1000) + 600 }))}.`;
    const secret = new TextEncoder().encode(JWT_SECRET);
    const expired = await new SignJWT({ scope: 'echo' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('mcp-gateway').setExpirationTime(Math.floor(Date.now() / 1000) - 3_600).sign(secret);
    const wrongAudience = await new SignJWT({ scope: 'echo' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('someone-else').setExpirationTime('10m').sign(secret);
    const noExp = await new SignJWT({ scope: 'echo' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('mcp-gateway').sign(secret);
    const wrongSecret = await new SignJWT({ scope: 'echo' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('mcp-gateway').setExpirationTime('10m').sign(new TextEncoder().encode('x'.repeat(40)));
    for (const [token, pattern] of [
      [none, /signature or algorithm|not accepted|algorithm/],
      [expired, /expired/],
      [wrongAudience, /audience/],
      [noExp, /exp/],
      [wrongSecret, /signature/],
      ['not.a.jwt', /well-formed|malformed/],
    ] as const) {
      const response = await echo('j', bearer(token));
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatchObject({ code: -32010, message: expect.stringMatching(pattern) });
    }
    const basic = await echo('j', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().error.message).toMatch(/Bearer <JWT>/);
  });

  it('refuses an HS256 token signed with the RSA public key on a gateway configured with that key (HS/RS confusion)', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rsaStore = testStoreEnv();
    const rsaConfig = loadConfig({ ...rsaStore.env, WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, LOG_LEVEL: 'silent', JWT_PUBLIC_KEY: pem });
    for (const spec of rsaConfig.workers) if (spec.kind !== 'remote') spec.env['LOG_LEVEL'] = 'silent';
    const rsaApp = await buildApp(rsaConfig);
    try {
      const forged = await new SignJWT({ scope: '*' }).setProtectedHeader({ alg: 'HS256' }).setSubject('evil').setExpirationTime('10m').sign(new TextEncoder().encode(pem));
      const response = await rsaApp.inject({
        method: 'POST',
        url: '/mcp/rpc',
        remoteAddress: REMOTE,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` },
        payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mcp.listServices' }),
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe(-32010);
    } finally {
      await rsaApp.close();
      await rsaStore.cleanup();
    }
  });
});

describe('scopes', () => {
  let toolOnly: string;
  let adminOnly: string;

  beforeAll(async () => {
    ({ key: toolOnly } = await createKey({ name: 'agent-tool-only', scopes: ['echo:echo'] }));
    ({ key: adminOnly } = await createKey({ name: 'agent-admin', scopes: ['admin'] }));
  });

  it('shows only what the caller may use in listServices, describeService and the catalog', async () => {
    const list = await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.listServices' }, { headers: { 'x-mcp-key': toolOnly } });
    expect(list.json().result.services).toEqual([expect.objectContaining({ name: 'echo', toolCount: 1 })]);
    const described = await rpc({ jsonrpc: '2.0', id: 2, method: 'mcp.describeService', params: { service: 'echo' } }, { headers: { 'x-mcp-key': toolOnly } });
    expect(described.json().result.tools.map((t: { name: string }) => t.name)).toEqual(['echo']);
    expect(described.json().result.commands.every((c: { tool: string }) => c.tool === 'echo')).toBe(true);
    const catalog = await app.inject({ method: 'GET', url: '/mcp/catalog', remoteAddress: REMOTE, headers: { 'x-mcp-key': toolOnly } });
    expect(catalog.json().services.map((s: { name: string; tools: unknown[] }) => [s.name, s.tools.length])).toEqual([['echo', 1]]);
    const none = await rpc({ jsonrpc: '2.0', id: 3, method: 'mcp.listServices' }, { headers: { 'x-mcp-key': adminOnly } });
    expect(none.json().result.services).toEqual([]);
  });

  it('answers a call outside the scopes with 403 naming the scope needed, and audits it as denied', async () => {
    const response = await echo('s1', { headers: { 'x-mcp-key': toolOnly, 'x-request-id': 'denied-call' } }, 'sleep');
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ code: -32011, message: expect.stringMatching(/needs scope "echo" or "echo:sleep"/), data: { name: 'FORBIDDEN' } });
    const other = await app.inject({ method: 'GET', url: '/mcp/service/echo', remoteAddress: REMOTE, headers: { 'x-mcp-key': adminOnly } });
    expect(other.statusCode).toBe(403);
    const slash = await app.inject({
      method: 'POST',
      url: '/mcp/execute',
      remoteAddress: REMOTE,
      headers: { 'content-type': 'application/json', 'x-mcp-key': adminOnly },
      payload: '{"command":"/mcp-echo echo hi"}',
    });
    expect(slash.statusCode).toBe(403);
    expect(slash.json().error.message).toMatch(/needs scope "echo"/);
    const unknown = await rpc({ jsonrpc: '2.0', id: 9, method: 'mcp.execute', params: { service: 'secret-service', tool: 'x' } }, { headers: { 'x-mcp-key': toolOnly } });
    expect(unknown.statusCode).toBe(403);
    const [row] = (await auditRows({ outcome: 'denied' })).filter((r) => r.requestId === 'denied-call');
    expect(row).toMatchObject({ agent: 'agent-tool-only', service: 'echo', tool: 'sleep', errorCode: -32011, errorName: 'FORBIDDEN' });
  });

  it('keeps the admin API to the admin scope', async () => {
    const refused = await app.inject({ method: 'GET', url: '/admin/keys', remoteAddress: REMOTE, headers: { 'x-mcp-key': toolOnly } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/needs scope "admin"/);
    const allowed = await app.inject({ method: 'GET', url: '/admin/keys', remoteAddress: REMOTE, headers: { 'x-mcp-key': adminOnly } });
    expect(allowed.statusCode).toBe(200);
    const anonymous = await app.inject({ method: 'GET', url: '/admin/audit', remoteAddress: REMOTE });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway"');
  });

  it('audits and counts refusals of listings and the admin API once each', async () => {
    const before = metricValue(parseMetrics((await app.metricsServer.inject({ method: 'GET', url: '/metrics' })).body), 'mcp_auth_forbidden_total');
    await app.inject({ method: 'GET', url: '/admin/keys', remoteAddress: REMOTE, headers: { 'x-mcp-key': toolOnly, 'x-request-id': 'denied-admin' } });
    await app.inject({ method: 'GET', url: '/mcp/service/echo', remoteAddress: REMOTE, headers: { 'x-mcp-key': adminOnly, 'x-request-id': 'denied-describe' } });
    await rpc({ jsonrpc: '2.0', id: 4, method: 'mcp.describeService', params: { service: 'echo' } }, { headers: { 'x-mcp-key': adminOnly, 'x-request-id': 'denied-rpc-describe' } });
    await app.inject({
      method: 'POST',
      url: '/mcp/execute',
      remoteAddress: REMOTE,
      headers: { 'content-type': 'application/json', 'x-mcp-key': adminOnly, 'x-request-id': 'denied-slash' },
      payload: '{"command":"/mcp-echo echo hi"}',
    });
    const rows = await auditRows({ outcome: 'denied' });
    const byRequest = (id: string) => rows.filter((r) => r.requestId === id);
    expect(byRequest('denied-admin')).toEqual([expect.objectContaining({ agent: 'agent-tool-only', service: 'admin', errorName: 'FORBIDDEN' })]);
    expect(byRequest('denied-describe')).toEqual([expect.objectContaining({ agent: 'agent-admin', service: 'echo' })]);
    expect(byRequest('denied-rpc-describe')).toEqual([expect.objectContaining({ agent: 'agent-admin', service: 'echo' })]);
    expect(byRequest('denied-slash')).toHaveLength(1);
    const after = metricValue(parseMetrics((await app.metricsServer.inject({ method: 'GET', url: '/metrics' })).body), 'mcp_auth_forbidden_total');
    expect(after - before).toBe(4);
  });
});

describe('per-agent rate limit', () => {
  it('counts each call of a batch, answers the rest RATE_LIMITED, and single calls 429 with Retry-After', async () => {
    const { key } = await createKey({ name: 'agent-limited', scopes: ['echo'], rateLimit: { max: 5, window: '1m' } });
    const headers = { 'x-mcp-key': key };
    const first = await echo(1, { headers });
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-limit']).toBe('5');
    expect(first.headers['ratelimit-remaining']).toBe('4');
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    const batch = await rpc(
      Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: `b${i}`, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'x' } } })),
      { headers },
    );
    expect(batch.statusCode).toBe(200);
    const answers = batch.json<{ id: string; result?: unknown; error?: { code: number; data: { retryAfter: number } } }[]>();
    expect(answers.filter((a) => a.result)).toHaveLength(4);
    const limited = answers.filter((a) => a.error);
    expect(limited.map((a) => a.id)).toEqual(['b4', 'b5']);
    expect(limited[0]!.error).toMatchObject({ code: -32012, data: { retryAfter: expect.any(Number) } });
    const single = await echo('over', { headers: { ...headers, 'x-request-id': 'over-limit' } });
    expect(single.statusCode).toBe(429);
    expect(Number(single.headers['retry-after'])).toBeGreaterThan(0);
    expect(single.json()).toMatchObject({ id: 'over', error: { code: -32012, data: { name: 'RATE_LIMITED', retryAfter: expect.any(Number) } } });
    const rest = await app.inject({ method: 'GET', url: '/mcp/catalog', remoteAddress: REMOTE, headers });
    expect(rest.statusCode).toBe(429);
    expect(rest.headers['ratelimit-remaining']).toBe('0');
    const metrics = parseMetrics(await (await app.metricsServer.inject({ method: 'GET', url: '/metrics' })).body);
    expect(metricValue(metrics, 'mcp_rate_limit_exceeded_total', { limit: 'agent' })).toBeGreaterThanOrEqual(4);
    const rows = await auditRows({ agent: 'agent-limited', outcome: 'rate_limited' });
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.find((r) => r.requestId === 'over-limit')).toMatchObject({ service: 'echo', tool: 'echo', errorCode: -32012 });
  });
});

describe('admin API', () => {
  it('creates, lists and revokes keys, refusing bad input with a message naming the field', async () => {
    for (const [body, field] of [
      [{ scopes: ['echo'] }, 'name'],
      [{ name: 'a b', scopes: ['echo'] }, 'name'],
      [{ name: 'ok' }, 'scopes'],
      [{ name: 'ok', scopes: ['Bad Scope'] }, 'scopes'],
      [{ name: 'ok', scopes: ['echo'], expiresIn: '1y' }, 'expiresIn'],
      [{ name: 'ok', scopes: ['echo'], rateLimit: { max: 0, window: '1m' } }, 'rateLimit'],
    ] as const) {
      const response = await app.inject({ method: 'POST', url: '/admin/keys', remoteAddress: '127.0.0.1', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: -32602, data: { issues: [expect.objectContaining({ path: field })] } });
    }
    const created = await createKey({ name: 'agent-admin-test', scopes: 'echo,echo:echo', expiresIn: '30d' });
    expect(created.key).toMatch(/^mcp_live_[0-9a-f]{12}_/);
    const missing = await app.inject({ method: 'DELETE', url: '/admin/keys/0123456789ab', remoteAddress: '127.0.0.1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe(-32014);
    const malformed = await app.inject({ method: 'DELETE', url: '/admin/keys/nope', remoteAddress: '127.0.0.1' });
    expect(malformed.statusCode).toBe(400);
  });

  it('pages the audit log with filters', async () => {
    for (let i = 0; i < 5; i++) await echo(i, { from: '127.0.0.1', headers: { 'x-agent-id': 'pager' } });
    await app.audit.flush();
    const first = await app.inject({ method: 'GET', url: '/admin/audit?agent=pager&limit=2&service=echo&since=10m', remoteAddress: '127.0.0.1' });
    const page1 = first.json<{ rows: StoredAuditRow[]; nextCursor: string }>();
    expect(page1.rows).toHaveLength(2);
    const second = await app.inject({ method: 'GET', url: `/admin/audit?agent=pager&limit=2&cursor=${page1.nextCursor}`, remoteAddress: '127.0.0.1' });
    const page2 = second.json<{ rows: StoredAuditRow[] }>();
    expect(page2.rows).toHaveLength(2);
    expect(Number(page2.rows[0]!.id)).toBeLessThan(Number(page1.rows[1]!.id));
    for (const [query, field] of [['limit=0', 'limit'], ['outcome=maybe', 'outcome'], ['since=yesterday', 'since'], ['cursor=abc', 'cursor']]) {
      const bad = await app.inject({ method: 'GET', url: `/admin/audit?${query}`, remoteAddress: '127.0.0.1' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.data.issues[0].path).toBe(field);
    }
  });
});

describe('audit and logs', () => {
  it('leaves an audit row for every outcome', async () => {
    await echo('unauth', { headers: { 'x-request-id': 'unauth-call' } });
    await echo('fails', { from: '127.0.0.1', headers: { 'x-request-id': 'failing-call' } }, 'nope');
    const rows = await auditRows({ since: '10m' });
    const outcomes = new Set(rows.map((r) => r.outcome));
    expect([...outcomes].sort()).toEqual(['denied', 'error', 'ok', 'rate_limited', 'unauthenticated']);
    expect(rows.find((r) => r.requestId === 'unauth-call')).toMatchObject({ outcome: 'unauthenticated', agent: null, authMethod: 'none', peer: REMOTE, errorCode: -32010 });
    expect(rows.find((r) => r.requestId === 'failing-call')).toMatchObject({ outcome: 'error', errorName: 'TOOL_NOT_FOUND', agent: 'local' });
  });

  it('keeps auditing after a call whose names PostgreSQL text cannot hold', async () => {
    await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'ec\u0000ho', tool: '\ud800' } }, { from: '127.0.0.1', headers: { 'x-request-id': 'poison-call' } });
    await echo(1, { from: '127.0.0.1', headers: { 'x-request-id': 'after-poison' } });
    const rows = await auditRows({ since: '10m' });
    expect(rows.find((r) => r.requestId === 'poison-call')).toMatchObject({ service: 'echo', outcome: 'error' });
    expect(rows.find((r) => r.requestId === 'after-poison')).toMatchObject({ outcome: 'ok' });
  });

  it('refuses to change audit rows: the table is append-only', async () => {
    await expect(app.store.audit.append([])).resolves.toBeUndefined();
    const client = new pg.Client({ connectionString: store.env['DATABASE_URL'] });
    await client.connect();
    try {
      await expect(client.query(`UPDATE "${store.env['DATABASE_SCHEMA']}".audit_log SET outcome = 'ok'`)).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM "${store.env['DATABASE_SCHEMA']}".audit_log`)).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });

  it('never puts keys, tokens or the JWT secret in logs or audit rows, nor agents in metric labels', async () => {
    const { key } = await createKey({ name: 'agent-logged', scopes: ['echo'] });
    const token = await signToken({ secret: JWT_SECRET, subject: 'agent-logged-jwt', scopes: ['echo'], ttlMs: 60_000, audience: 'mcp-gateway' });
    await echo(1, { headers: { 'x-mcp-key': key } });
    await echo(1, { headers: { 'x-mcp-key': `${key.slice(0, 30)}tampered${key.slice(38)}` } });
    await echo(1, { headers: { authorization: `Bearer ${token}` } });
    await echo(1, { headers: { authorization: `Bearer ${token}x` } });
    const all = logLines.join('');
    expect(all).toContain('agent-logged'); // the log did capture these requests (debug level logs requests)
    expect(all).not.toContain(key.slice(22));
    expect(all).not.toContain(token.split('.')[2]!);
    expect(all).not.toContain(JWT_SECRET);
    const audit = JSON.stringify(await auditRows({ since: '10m' }));
    expect(audit).toContain('agent-logged');
    expect(audit).not.toContain(key.slice(22));
    expect(audit).not.toContain(token.split('.')[2]!);
    const metrics = (await app.metricsServer.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toContain('agent-logged');
    expect(metrics).not.toContain(key.slice(9, 21));
  });
});

describe('no token passthrough (A7)', () => {
  it('gives a worker neither the caller\'s credential nor the gateway\'s secrets', async () => {
    const { key } = await createKey({ name: 'agent-a7', scopes: ['echo'] });
    const token = await signToken({ secret: JWT_SECRET, subject: 'agent-a7-jwt', scopes: ['echo'], ttlMs: 60_000, audience: 'mcp-gateway' });
    for (const headers of [{ 'x-mcp-key': key }, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const response = await rpc({ jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'environment', arguments: {} } }, { headers });
      expect(response.statusCode).toBe(200);
      const seen = JSON.stringify(response.json().result.data);
      expect(response.json().result.data.arguments).toEqual({});
      for (const secret of [key, key.slice(22), token, JWT_SECRET, store.env['DATABASE_URL']!]) expect(seen).not.toContain(secret);
      expect(Object.keys(response.json().result.data.env)).not.toEqual(expect.arrayContaining(['JWT_SECRET']));
      for (const name of ['JWT_SECRET', 'DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'MCPGW_DATA_DIR']) expect(response.json().result.data.env).not.toHaveProperty(name);
    }
  });
});

describe('failed authentication per peer', () => {
  it('is counted and, past AUTH_FAILURE_MAX, refused with 429 before the credential is checked', async () => {
    const limitedStore = testStoreEnv();
    const config = loadConfig({ ...limitedStore.env, WORKERS: 'none', LOG_LEVEL: 'silent', AUTH_FAILURE_MAX: '3', AUTH_FAILURE_WINDOW_MS: '60000' });
    const small = await buildApp(config);
    try {
      const attempt = (from: string) => small.inject({ method: 'GET', url: '/mcp/catalog', remoteAddress: from, headers: { 'x-mcp-key': 'mcp_live_guess' } });
      for (let i = 0; i < 3; i++) expect((await attempt('198.51.100.1')).statusCode).toBe(401);
      const blocked = await attempt('198.51.100.1');
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt('198.51.100.2')).statusCode).toBe(401);
      const metrics = parseMetrics((await small.metricsServer.inject({ method: 'GET', url: '/metrics' })).body);
      expect(metricValue(metrics, 'mcp_auth_failures_total', { method: 'api_key', reason: 'malformed' })).toBe(4);
      expect(metricValue(metrics, 'mcp_auth_failures_total', { method: 'api_key', reason: 'peer_blocked' })).toBe(1);
      expect(metricValue(metrics, 'mcp_rate_limit_exceeded_total', { limit: 'auth_failures' })).toBe(1);
    } finally {
      await small.close();
      await limitedStore.cleanup();
    }
  });
});
