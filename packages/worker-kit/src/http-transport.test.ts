import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pino from 'pino';
import { z } from 'zod';
import { defineWorker } from './create-worker.js';
import { defineTool } from './define-tool.js';
import { serveHttp, type RunningHttpTransport } from './http-transport.js';

const add = defineTool({
  name: 'add',
  description: 'Adds two numbers.',
  input: z.object({ a: z.number(), b: z.number() }),
  tokenCost: 3,
  handler: async ({ a, b }) => ({ sum: a + b }),
});
/** Released by the test: lets `poll` answer only after its stream was closed and the client is about to resume. */
let release: () => void = () => undefined;
const poll = defineTool({
  name: 'poll',
  description: 'Closes its SSE stream (the client must reconnect), then answers when released.',
  input: z.object({}),
  tokenCost: 1,
  handler: async (_args, ctx) => {
    const released = new Promise<void>((resolve) => (release = resolve));
    if (!ctx.closeSSEStream) return { closed: false };
    ctx.closeSSEStream();
    await released;
    return { closed: true };
  },
});
const worker = defineWorker({ name: 'calc', version: '1.0.0', description: 'Adds.', tools: [add, poll], setup: () => ({ status: 'configured', mode: 'live', deps: async () => ({}) }) });

/** Sends a raw HTTP request with headers fetch() will not forge (Host); resolves with the status. */
function rawPost(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }));
  });
}

let running: RunningHttpTransport;
let base: string;

beforeAll(async () => {
  running = await serveHttp(worker.prepare({}, pino({ level: 'silent' })), pino({ level: 'silent' }), { port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${running.port}`;
});
afterAll(async () => {
  await running.close();
});

describe('Streamable HTTP transport (--http PORT)', () => {
  it('serves any MCP client: initialize, tools/list, tools/call', async () => {
    const client = new Client({ name: 'http-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['add', 'poll']);
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result.structuredContent).toEqual({ sum: 5 });
    await client.close();
  });

  it('keeps sessions apart and answers an unknown session with 404', async () => {
    const response = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
  });

  it('checks Host and Origin against DNS rebinding when bound to loopback', async () => {
    const port = running.port;
    expect(await rawPost(port, { host: 'evil.example.com' })).toBe(403);
    expect(await rawPost(port, { host: `127.0.0.1:${port}`, origin: 'http://evil.example.com' })).toBe(403);
    expect(await rawPost(port, { host: `127.0.0.1:${port}`, origin: 'null' })).toBe(403);
    // Unknown sessions are refused too, before anything else is said about them.
    expect(await rawPost(port, { host: 'evil.example.com', 'mcp-session-id': 'whatever' })).toBe(403);
    expect(await rawPost(port, { host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200);
    expect(await rawPost(port, { host: `[::1]:${port}` })).toBe(200);
  });

  it('lets a tool close its SSE stream; the client resumes with Last-Event-ID and gets the result (SEP-1699)', async () => {
    const url = `${base}/mcp`;
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(url, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    const session = { ...json, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    await init.text();
    await (await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();

    const call = await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'poll', arguments: {} } }) });
    // The stream ends after the priming event: an id to resume from, the retry delay, no data.
    const primed = await call.text();
    expect(primed).toMatch(/^id: \S+\nretry: 1000\ndata: \n\n$/);
    const lastEventId = /^id: (\S+)/.exec(primed)![1]!;

    release();
    const resumed = await fetch(url, { method: 'GET', headers: { ...session, accept: 'text/event-stream', 'last-event-id': lastEventId } });
    expect(resumed.status).toBe(200);
    const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    while (!received.includes('"id":1')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value;
    }
    await reader.cancel();
    expect(received).toContain('"structuredContent":{"closed":true}');
  });

  it('answers GET /health with the worker\'s health report', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });
});

describe('Streamable HTTP transport with WORKER_AUTH_TOKEN', () => {
  const token = 'a-worker-token-of-at-least-32-characters';
  let guarded: RunningHttpTransport;
  let url: string;
  const initialize = (headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });

  beforeAll(async () => {
    guarded = await serveHttp(worker.prepare({}, pino({ level: 'silent' })), pino({ level: 'silent' }), { port: 0, host: '127.0.0.1', authToken: token });
    url = `http://127.0.0.1:${guarded.port}/mcp`;
  });
  afterAll(async () => {
    await guarded.close();
  });

  it('answers 401 with a JSON error naming what is missing when there is no bearer token', async () => {
    const response = await initialize({});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/missing Authorization: Bearer <token> header.*WORKER_AUTH_TOKEN/) });
  });

  it('answers 401 to a wrong token, of any length, without echoing it', async () => {
    for (const wrong of ['short', `${token}x`, token.replace(/a/g, 'b')]) {
      const response = await initialize({ authorization: `Bearer ${wrong}` });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: string };
      expect(body.error).toMatch(/does not match this worker's WORKER_AUTH_TOKEN/);
      expect(body.error).not.toContain(wrong);
    }
    expect((await initialize({ authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` })).status).toBe(401);
  });

  it('serves MCP to a client that sends the token', async () => {
    const client = new Client({ name: 'token-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const result = await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
    expect(result.structuredContent).toEqual({ sum: 3 });
    await client.close();
  });

  it('keeps /health open for probes', async () => {
    const response = await fetch(`http://127.0.0.1:${guarded.port}/health`);
    expect(response.status).toBe(200);
  });

  it('refuses to serve off loopback without a token, and accepts any Host there with one', async () => {
    const prepared = worker.prepare({}, pino({ level: 'silent' }));
    await expect(serveHttp(prepared, pino({ level: 'silent' }), { port: 0, host: '0.0.0.0' })).rejects.toThrow(/needs an authToken \(WORKER_AUTH_TOKEN\)/);
    const open = await serveHttp(prepared, pino({ level: 'silent' }), { port: 0, host: '0.0.0.0', authToken: token });
    try {
      expect(await rawPost(open.port, { host: 'mcpgw-worker-calc:8200', authorization: `Bearer ${token}` })).toBe(200);
      expect(await rawPost(open.port, { host: 'mcpgw-worker-calc:8200' })).toBe(401);
    } finally {
      await open.close();
    }
  });
});
