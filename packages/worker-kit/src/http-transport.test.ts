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
const worker = defineWorker({ name: 'calc', version: '1.0.0', description: 'Adds.', tools: [add], setup: () => ({ status: 'configured', mode: 'live', deps: async () => ({}) }) });

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
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['add']);
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

  it('checks Host against DNS rebinding when bound to loopback', async () => {
    // fetch() will not send a forged Host header; node:http will.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: running.port, path: '/mcp', method: 'POST', headers: { host: 'evil.example.com', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }));
    });
    expect(status).toBe(403);
  });

  it('answers GET /health with the worker\'s health report', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });
});
