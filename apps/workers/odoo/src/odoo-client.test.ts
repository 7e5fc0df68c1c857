import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOdoo, type FakeOdoo } from '@mcpgw/fakes';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OdooClient } from './odoo-client.js';

/** The JSON-RPC client on its own, against the fake Odoo: paging, writes, bounds on retrying, transport failures. */
let fake: FakeOdoo;

beforeAll(async () => {
  fake = await startFakeOdoo({ now: new Date('2026-03-20T04:00:00Z') });
});

afterAll(async () => {
  await fake?.close();
});

afterEach(() => {
  fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, sessionExpired: false, authFail: false };
});

function client(overrides: Partial<ConstructorParameters<typeof OdooClient>[0]> = {}): OdooClient {
  return new OdooClient({ url: fake.url, db: fake.db, username: fake.login, apiKey: fake.apiKey, timeoutMs: 2_000, ...overrides });
}

const failure = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe('OdooClient', () => {
  it('reads the server version without authenticating', async () => {
    fake.calls.length = 0;
    const version = await client().version();
    expect(version).toMatchObject({ serverVersion: '17.0', serverSerie: '17.0', major: 17, protocolVersion: 1 });
    expect(fake.calls.map((c) => c.method)).toEqual(['version']);
  });

  it('authenticates once and reuses the uid', async () => {
    fake.calls.length = 0;
    const odoo = client();
    await Promise.all([odoo.searchCount('res.partner', []), odoo.searchCount('account.move', []), odoo.searchCount('queue.job', [])]);
    expect(fake.calls.filter((c) => c.method === 'authenticate')).toHaveLength(1);
  });

  it('pages through every record in a stable order without duplicates', async () => {
    const odoo = client();
    const domain = [['move_type', 'in', ['out_invoice', 'in_invoice']]];
    const all = await odoo.searchRead('account.move', domain, { fields: ['id'], order: 'id asc' });
    const paged = await odoo.searchAll('account.move', domain, { fields: ['name'], pageSize: 7, maxRows: 10_000 });
    expect(paged.total).toBe(all.length);
    expect(paged.truncated).toBe(false);
    expect(paged.records.map((r) => r.id)).toEqual(all.map((r) => r.id));
    const capped = await odoo.searchAll('account.move', domain, { fields: ['name'], pageSize: 7, maxRows: 10 });
    expect(capped.records.map((r) => r.id)).toEqual(all.slice(0, 10).map((r) => r.id));
    expect(capped.truncated).toBe(all.length > 10);
  });

  it('sends a write once, even when it fails in a way a read would retry', async () => {
    const odoo = client();
    await odoo.authenticate();
    fake.calls.length = 0;
    fake.knobs = { errorRate: 1, errorKinds: ['http_503'] };
    const error = await failure(odoo.executeKw('res.partner', 'write', [[1], { name: 'x' }]));
    expect(error).toMatchObject({ kind: 'upstream', message: 'Odoo answered HTTP 503 to res.partner.write' });
    expect(fake.calls.filter((c) => c.modelMethod === 'write')).toHaveLength(1);
  });

  it("maps Odoo's AccessError to a rejected call with Odoo's message", async () => {
    const error = await failure(client().executeKw('res.partner', 'write', [[1], { name: 'x' }]));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(/^Odoo denied access \(AccessError\): /);
    expect(error.message).not.toMatch(/Traceback/);
  });

  it('does not wait for a Retry-After longer than its bound', async () => {
    fake.calls.length = 0;
    fake.knobs = { rateLimit429: { burst: 5, retryAfterSec: 120 } };
    const error = await failure(client({ retry: { maxRetryAfterMs: 1_000 } }).version());
    expect(error.toInfo()).toMatchObject({ kind: 'upstream', retryAfter: 120 });
    expect(fake.calls.filter((c) => c.outcome === 'rate_limited')).toHaveLength(1);
  });

  it("stops retrying when the caller's signal aborts", async () => {
    fake.knobs = { rateLimit429: { burst: 5, retryAfterSec: 20 } };
    const error = await failure(client().version({ signal: AbortSignal.timeout(200) }));
    expect(error).toMatchObject({ kind: 'upstream_timeout', message: expect.stringMatching(/cancelled/) });
  });

  it('says when ODOO_URL does not point at an Odoo JSON-RPC endpoint', async () => {
    const error = await failure(client({ url: `${fake.url}/not-odoo` }).version());
    expect(error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/has no \/jsonrpc endpoint \(HTTP 404\): check ODOO_URL/) });
  });

  it('says when Odoo cannot be reached, without the path or credentials of the URL', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await failure(client({ url: `http://127.0.0.1:${port}/secret-path`, retry: { baseDelayMs: 10 } }).version());
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(new RegExp(`cannot reach Odoo at http://127.0.0.1:${port} \\(ECONNREFUSED\\) after 3 attempts`));
    expect(error.message).not.toContain('secret-path');
  });

  it('answers a non-JSON body with a clear upstream error', async () => {
    const server = http.createServer((_req, res) => res.end('<html>login</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const error = await failure(client({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }).version());
      expect(error).toMatchObject({ kind: 'upstream', message: expect.stringMatching(/not a JSON-RPC response: check ODOO_URL/) });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
