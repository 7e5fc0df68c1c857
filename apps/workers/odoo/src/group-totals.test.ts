import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOdoo, type FakeOdoo } from '@mcpgw/fakes';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { groupTotals } from './group-totals.js';
import { OdooClient } from './odoo-client.js';

/**
 * Totals per group, by read_group and by the search_read fallback, which must agree. The fallback is
 * exercised through a proxy in front of the fake that answers read_group the way a server without
 * the method does (AttributeError).
 */
let fake: FakeOdoo;
let proxy: http.Server;
let proxyUrl: string;

beforeAll(async () => {
  fake = await startFakeOdoo({ now: new Date('2026-03-20T04:00:00Z') });
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = JSON.parse(body) as { id: unknown; params: { args: unknown[] } };
      if (request.params.args[4] === 'read_group') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: request.id,
            error: { code: 200, message: 'Odoo Server Error', data: { name: 'builtins.AttributeError', message: "'account.move' object has no attribute 'read_group'", arguments: [], context: {}, debug: 'Traceback ...' } },
          }),
        );
        return;
      }
      const upstream = http.request(`${fake.url}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await fake?.close();
});

describe('groupTotals', () => {
  it('gives the same counts and sums with read_group and with the search_read fallback', async () => {
    const domain = [['date', '>=', '2026-01-01'], ['date', '<=', '2026-02-28']];
    const signal = new AbortController().signal;
    const direct = new OdooClient({ url: fake.url, db: fake.db, username: fake.login, apiKey: fake.apiKey });
    const proxied = new OdooClient({ url: proxyUrl, db: fake.db, username: fake.login, apiKey: fake.apiKey });
    const server = await groupTotals(direct, 'account.move', domain, 'amount_total', ['company_id', 'state'], signal);
    const local = await groupTotals(proxied, 'account.move', domain, 'amount_total', ['company_id', 'state'], signal);
    expect(server.method).toBe('read_group');
    expect(local.method).toBe('search_read');
    expect(local.truncated).toBe(false);
    const normalise = (groups: typeof server.groups) =>
      groups.map((g) => ({ key: JSON.stringify(g.keys), count: g.count, sum: Math.round(g.sum * 100) })).sort((a, b) => a.key.localeCompare(b.key));
    expect(normalise(local.groups)).toEqual(normalise(server.groups));
    expect(server.groups.length).toBeGreaterThan(8);
    expect(server.groups[0]?.names[0]).toEqual(expect.any(String));
  });
});
