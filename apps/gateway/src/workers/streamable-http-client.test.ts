import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, startHttpWorker, waitFor, type HttpWorkerProcess } from '@mcpgw/test-support';
import { StreamableHttpClient } from './streamable-http-client.js';

const TOKEN = 'streamable-http-client-test-token';

/** A client and everything it reported. */
function recorder(url: string, token: string | undefined = TOKEN) {
  const seen = {
    messages: [] as Record<string, unknown>[],
    lost: [] as string[],
    failed: [] as string[],
    broken: 0,
  };
  const client = new StreamableHttpClient(url, url, token, {
    message: (m) => seen.messages.push(m),
    lost: (reason) => seen.lost.push(reason),
    requestFailed: (id, method, cause) => seen.failed.push(`${id} ${method}: ${cause}`),
    streamBroken: () => seen.broken++,
    invalid: () => undefined,
  });
  const answer = async (id: number): Promise<Record<string, unknown>> => {
    await waitFor(async () => seen.messages.some((m) => m['id'] === id && m['method'] === undefined), 10_000, `the answer to ${id}`);
    return seen.messages.find((m) => m['id'] === id && m['method'] === undefined)!;
  };
  const request = (id: number, method: string, params: Record<string, unknown>) => {
    client.post(JSON.stringify({ jsonrpc: '2.0', id, method, params }), id, method);
    return answer(id);
  };
  return { client, seen, request };
}

const clients: StreamableHttpClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

describe('StreamableHttpClient against a worker-kit worker', () => {
  let worker: HttpWorkerProcess;
  beforeAll(async () => {
    worker = await startHttpWorker(TEST_WORKER_ENTRY, { env: { WORKER_AUTH_TOKEN: TOKEN } });
  }, 30_000);
  afterAll(async () => {
    await worker?.stop();
  });

  async function session() {
    const r = recorder(worker.url);
    clients.push(r.client);
    const init = await r.request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } });
    expect(init['result']).toMatchObject({ protocolVersion: '2025-11-25' });
    r.client.setProtocolVersion('2025-11-25');
    r.client.post('{"jsonrpc":"2.0","method":"notifications/initialized"}', undefined, 'notifications/initialized');
    return r;
  }

  it('keeps a session: calls a tool and gets its answer from the SSE stream', async () => {
    const { request, seen } = await session();
    const result = await request(1, 'tools/call', { name: 'echo', arguments: { message: 'hi' } });
    expect(result['result']).toMatchObject({ structuredContent: { echo: { message: 'hi' } } });
    expect(seen.lost).toEqual([]);
  });

  it('delivers progress as it arrives, before the answer', async () => {
    const { request, seen } = await session();
    await request(2, 'tools/call', { name: 'progress_steps', arguments: { steps: 3, delayMs: 5 }, _meta: { progressToken: 2 } });
    const order = seen.messages.filter((m) => m['id'] === 2 || m['method'] === 'notifications/progress').map((m) => (m['method'] as string | undefined) ?? 'answer');
    expect(order).toEqual(['notifications/progress', 'notifications/progress', 'notifications/progress', 'answer']);
  });

  it('resumes a stream the worker closed mid-call (Last-Event-ID) and gets the answer', async () => {
    const { request, seen } = await session();
    const result = await request(3, 'tools/call', { name: 'close_stream', arguments: { delayMs: 20 } });
    expect(result['result']).toMatchObject({ structuredContent: { closed: true } });
    expect(seen.failed).toEqual([]);
    expect(seen.lost).toEqual([]);
  });

  it('reports a worker that refuses the token', async () => {
    const { client, seen } = recorder(worker.url, 'not-the-token');
    clients.push(client);
    client.post('{"jsonrpc":"2.0","id":1,"method":"ping"}', 1, 'ping');
    await waitFor(async () => seen.lost.length > 0, 10_000, 'the refusal');
    expect(seen.lost[0]).toMatch(/refused the gateway's token \(HTTP 401\)/);
  });

  it('ends the session with DELETE: the worker forgets it (404 → lost)', async () => {
    const { client: old, seen } = await session();
    await old.terminate();
    old.post('{"jsonrpc":"2.0","id":5,"method":"ping"}', 5, 'ping');
    await waitFor(async () => seen.lost.length > 0, 10_000, 'the lost session');
    expect(seen.lost[0]).toMatch(/no longer knows the session \(HTTP 404\)/);
  });
});

describe('StreamableHttpClient against misbehaving servers', () => {
  let server: Server;
  let url: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const requests: { method: string; headers: IncomingMessage['headers'] }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ method: req.method ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => handle(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterEach(() => {
    requests.length = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function start() {
    const r = recorder(url);
    clients.push(r.client);
    return r;
  }

  it('fails only the request on HTTP 500, and sends the token, content type and accept headers', async () => {
    handle = (_req, res) => res.writeHead(500).end('boom');
    const { client, seen } = start();
    client.post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}', 1, 'tools/call');
    await waitFor(async () => seen.failed.length > 0, 10_000, 'the failure');
    expect(seen.failed).toEqual(['1 tools/call: HTTP 500']);
    expect(seen.lost).toEqual([]);
    expect(requests[0]!.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
  });

  it('never follows a redirect', async () => {
    handle = (_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    const { client, seen } = start();
    client.post('{"jsonrpc":"2.0","id":1,"method":"ping"}', 1, 'ping');
    await waitFor(async () => seen.lost.length > 0, 10_000, 'the refusal');
    expect(seen.lost[0]).toMatch(/redirect \(HTTP 307\); the gateway never follows redirects/);
    expect(requests).toHaveLength(1);
  });

  it('reads a JSON batch answer and remembers the session for the next requests', async () => {
    handle = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'sess-1' }).end('[{"jsonrpc":"2.0","method":"notifications/message","params":{}},{"jsonrpc":"2.0","id":1,"result":{}}]');
    const { client, seen } = start();
    client.post('{"jsonrpc":"2.0","id":1,"method":"ping"}', 1, 'ping');
    await waitFor(async () => seen.messages.length === 2, 10_000, 'both messages');
    expect(seen.messages.map((m) => m['method'] ?? m['id'])).toEqual(['notifications/message', 1]);
    client.setProtocolVersion('2025-11-25');
    client.post('{"jsonrpc":"2.0","id":2,"method":"ping"}', 2, 'ping');
    await waitFor(async () => requests.length === 2, 10_000, 'the second request');
    expect(requests[1]!.headers).toMatchObject({ 'mcp-session-id': 'sess-1', 'mcp-protocol-version': '2025-11-25' });
  });

  it('fails a request whose stream ends without its answer and without an event id to resume from', async () => {
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\n');
    const { client, seen } = start();
    client.post('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{}}', 4, 'tools/call');
    await waitFor(async () => seen.failed.length > 0, 10_000, 'the failure');
    expect(seen.failed).toEqual(['4 tools/call: the worker ended its stream before answering']);
    expect(seen.messages).toHaveLength(1);
  });

  it('opens the standalone GET stream after initialized and reopens it with Last-Event-ID', async () => {
    let gets = 0;
    handle = (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(202).end();
        return;
      }
      gets++;
      if (gets === 1) res.writeHead(200, { 'content-type': 'text/event-stream' }).end('retry: 10\nid: e1\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n');
      else res.writeHead(405).end();
    };
    const { client, seen } = start();
    client.post('{"jsonrpc":"2.0","method":"notifications/initialized"}', undefined, 'notifications/initialized');
    await waitFor(async () => gets === 2, 10_000, 'the stream to be reopened');
    expect(seen.messages.map((m) => m['method'])).toEqual(['notifications/tools/list_changed']);
    const [first, second] = requests.filter((r) => r.method === 'GET');
    expect(first!.headers['last-event-id']).toBeUndefined();
    expect(second!.headers).toMatchObject({ 'last-event-id': 'e1', accept: 'text/event-stream' });
    expect(seen.lost).toEqual([]);
  });

  it('reports an unreachable worker by its cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = recorder(`http://127.0.0.1:${port}/mcp`);
    clients.push(r.client);
    r.client.post('{"jsonrpc":"2.0","id":1,"method":"ping"}', 1, 'ping');
    await waitFor(async () => r.seen.lost.length > 0, 10_000, 'the failure');
    expect(r.seen.lost[0]).toBe(`cannot reach http://127.0.0.1:${port}/mcp: ECONNREFUSED`);
  });
});
