import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CLI_ENTRY, NEUTRAL_CWD, waitFor } from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CreateMessageRequestSchema, LATEST_PROTOCOL_VERSION, CreateMessageResultSchema, ToolListChangedNotificationSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { errorFromGateway } from './stdio-bridge.js';

/**
 * The relay against a plain SDK Streamable HTTP server started here, through the built CLI
 * (`node apps/gateway/dist/cli.js stdio --url ...`) as a client launches it: the gateway is not
 * involved, so what is checked is the pipe itself (tests/stdio-bridge.test.ts checks it against a gateway).
 */

interface SeenRequest {
  method: string;
  path: string;
  key: string | undefined;
  protocolVersion: string | undefined;
}

interface TestServer {
  url: string;
  seen: SeenRequest[];
  closedSessions: string[];
  /** Forgets every session, as a gateway does when a session expires or the gateway restarts. */
  forgetSessions(): void;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(cleanups.splice(0).map((c) => c()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface ServerOptions {
  /** Requests without `X-MCP-Key: <key>` get 401. */
  key?: string;
  /** What the `count` tool waits for after its progress notifications, before it answers. */
  beforeCountAnswers?: () => Promise<void>;
}

/** A session-per-client MCP server at /mcp and /mcp/<anything>. */
async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const closedSessions: string[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);
  const http: HttpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    seen.push({ method: req.method ?? '', path, key: header(req.headers['x-mcp-key']), protocolVersion: header(req.headers['mcp-protocol-version']) });
    if (options.key && req.headers['x-mcp-key'] !== options.key) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32010, message: 'send X-MCP-Key' } }));
      return;
    }
    const sessionId = header(req.headers['mcp-session-id']);
    const existing = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (existing) {
      void existing.handleRequest(req, res);
      return;
    }
    if (sessionId !== undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => {
        closedSessions.push(id);
        sessions.delete(id);
      },
    });
    void mcpServer(options)
      .connect(transport)
      .then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const server: TestServer = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    seen,
    closedSessions,
    forgetSessions: () => {
      for (const transport of sessions.values()) void transport.close();
      sessions.clear();
    },
    close: async () => {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  servers.push(server);
  return server;
}

/** Tools exercising each direction: a plain answer, progress, a sampling request back to the client, a list change. */
function mcpServer(options: ServerOptions): McpServer {
  const server = new McpServer({ name: 'relay-test-server', version: '1.2.3' });
  server.registerTool('add', { inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  server.registerTool('count', { inputSchema: { to: z.number().int() } }, async ({ to }, extra) => {
    const progressToken = extra._meta?.progressToken;
    for (let i = 1; i <= to; i++) {
      if (progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: i, total: to } });
    }
    // The SDK's Client handles a notification a microtask later than a response that arrives in the
    // same read (typescript-sdk#2580): answer only once the client has seen the progress.
    await options.beforeCountAnswers?.();
    return { content: [{ type: 'text', text: `counted to ${to}` }] };
  });
  server.registerTool('ask', { inputSchema: { question: z.string() } }, async ({ question }, extra) => {
    const answer = await extra.sendRequest(
      { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens: 10 } },
      CreateMessageResultSchema,
    );
    return { content: [{ type: 'text', text: `the client said: ${answer.content.type === 'text' ? answer.content.text : '?'}` }] };
  });
  server.registerTool('grow', {}, async () => {
    server.registerTool('grown', {}, async () => ({ content: [{ type: 'text', text: 'new' }] }));
    return { content: [{ type: 'text', text: 'grew' }] };
  });
  return server;
}

/** The bridge as a raw child process: JSON lines in and out, its stderr and exit status. */
function spawnBridge(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI_ENTRY, 'stdio', ...args], {
    cwd: NEUTRAL_CWD,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const messages: JSONRPCMessage[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      messages.push(JSON.parse(stdout.slice(0, newline)) as JSONRPCMessage);
      stdout = stdout.slice(newline + 1);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    messages,
    exited,
    stderr: () => stderr,
    send: (message: JSONRPCMessage) => child.stdin.write(`${JSON.stringify(message)}\n`),
  };
}

const INITIALIZE: JSONRPCMessage = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-client', version: '0' } },
};

describe('mcpgw stdio --url (a client on stdio, a Streamable HTTP server behind)', () => {
  it('relays requests, progress, a sampling request and a list change both ways; ends the session and exits 0 when stdin closes', async () => {
    let allProgressSeen!: () => void;
    const progressSeen = new Promise<void>((resolve) => (allProgressSeen = resolve));
    const server = await startServer({ key: 'relay-key-1', beforeCountAnswers: () => progressSeen });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_ENTRY, 'stdio', '--url', server.url],
      env: { MCPGW_KEY: 'relay-key-1' },
      cwd: NEUTRAL_CWD,
      stderr: 'pipe',
    });
    cleanups.push(() => transport.close());
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'relay-test-client', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: `yes to "${(request.params.messages[0]!.content as { text: string }).text}"` },
    }));
    let listChanged!: () => void;
    const changed = new Promise<void>((resolve) => (listChanged = resolve));
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => listChanged());

    await client.connect(transport);
    // The SDK's StdioClientTransport keeps its child private; the exit status is what this test is about.
    const child = (transport as unknown as { _process: ChildProcess })._process;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    expect(client.getServerVersion()).toMatchObject({ name: 'relay-test-server', version: '1.2.3' });

    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['add', 'ask', 'count', 'grow']);
    expect(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({ content: [{ type: 'text', text: '5' }] });

    const progress: number[] = [];
    const counted = await client.callTool({ name: 'count', arguments: { to: 3 } }, undefined, {
      onprogress: (p) => {
        progress.push(p.progress);
        if (p.progress === p.total) allProgressSeen();
      },
    });
    expect(counted).toMatchObject({ content: [{ type: 'text', text: 'counted to 3' }] });
    expect(progress).toEqual([1, 2, 3]);

    expect(await client.callTool({ name: 'ask', arguments: { question: 'relay?' } })).toMatchObject({
      content: [{ type: 'text', text: 'the client said: yes to "relay?"' }],
    });

    // Server-initiated, unrelated to any request: it travels on the GET event stream the bridge opened.
    await waitFor(() => server.seen.some((r) => r.method === 'GET'), 10_000, 'the bridge to open the event stream');
    await client.callTool({ name: 'grow', arguments: {} });
    await changed;

    const posts = server.seen.filter((r) => r.method === 'POST');
    expect(posts.every((r) => r.key === 'relay-key-1' && r.path === '/mcp')).toBe(true);
    // After initialize, every request carries the negotiated protocol version, as the SDK's Client would send it.
    expect(posts[0]!.protocolVersion).toBeUndefined();
    expect(new Set(posts.slice(1).map((r) => r.protocolVersion))).toEqual(new Set([LATEST_PROTOCOL_VERSION]));

    child.stdin!.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(server.seen.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(server.closedSessions).toHaveLength(1);
    expect(stderr).toBe('');
    await transport.close();
  });

  it('answers a refused request with the server\'s JSON-RPC error and says on stderr how to pass a key', async () => {
    const server = await startServer({ key: 'relay-key-2' });
    const bridge = spawnBridge(['--url', `${server.url}/mcp/`, '--service', 'echo']);
    bridge.send(INITIALIZE);
    await waitFor(() => bridge.messages.length === 1, 10_000, 'the answer to initialize');
    expect(bridge.messages[0]).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'send X-MCP-Key' } });
    expect(bridge.stderr()).toMatch(/HTTP 401 on initialize: send X-MCP-Key.*--key KEY.*MCPGW_KEY/);
    expect(server.seen.map((r) => [r.method, r.path, r.key])).toEqual([['POST', '/mcp/echo', undefined]]);
    bridge.child.stdin.end();
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
    expect(bridge.messages).toHaveLength(1);
  });

  it('holds pipelined messages until the session exists, and relays answers still due when stdin closes (printf ... | mcpgw stdio)', async () => {
    const server = await startServer();
    const bridge = spawnBridge(['--url', server.url, '--key', 'flag-key']);
    bridge.send(INITIALIZE);
    bridge.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    bridge.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add', arguments: { a: 40, b: 2 } } });
    bridge.child.stdin.end();
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
    expect(bridge.messages.map((m) => ('id' in m ? m.id : undefined))).toEqual([1, 2]);
    expect(bridge.messages[1]).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: '42' }] } });
    expect(bridge.stderr()).toBe('');
    expect(server.seen.every((r) => r.key === 'flag-key')).toBe(true);
    expect(server.closedSessions).toHaveLength(1);
  });

  it('renews a session the server forgot by replaying the client\'s initialize, unnoticed by the client', async () => {
    const server = await startServer();
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_ENTRY, 'stdio', '--url', server.url], cwd: NEUTRAL_CWD, stderr: 'pipe' });
    cleanups.push(() => transport.close());
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'renewing-client', version: '1.0.0' });
    await client.connect(transport);
    expect(await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).toMatchObject({ content: [{ text: '2' }] });
    server.forgetSessions();
    const [first, second] = await Promise.all([
      client.callTool({ name: 'add', arguments: { a: 2, b: 2 } }),
      client.callTool({ name: 'add', arguments: { a: 3, b: 3 } }),
    ]);
    expect([first, second]).toMatchObject([{ content: [{ text: '4' }] }, { content: [{ text: '6' }] }]);
    const initializes = server.seen.filter((r) => r.method === 'POST' && r.protocolVersion === undefined);
    expect(initializes).toHaveLength(2); // the client's, and one replay shared by both failed calls
    expect(stderr).toMatch(/no longer knows this session.*starting a new one/);
    expect(stderr.match(/starting a new one/g)).toHaveLength(1);
  });

  it('exits 1 with a clear message on stderr when nothing answers at --url', async () => {
    const server = await startServer();
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const bridge = spawnBridge(['--url', server.url]);
    bridge.send(INITIALIZE);
    expect(await bridge.exited).toEqual({ code: 1, signal: null });
    expect(bridge.stderr()).toMatch(new RegExp(`^mcpgw stdio: cannot reach the gateway at ${server.url}: .*ECONNREFUSED.*Is it running\\?`));
    expect(bridge.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    expect(bridge.messages).toEqual([]);
  });

  it('ignores a line that is not JSON-RPC, saying so on stderr, and keeps relaying', async () => {
    const server = await startServer();
    const bridge = spawnBridge(['--url', server.url]);
    bridge.child.stdin.write('{"hello": "world"}\nnot json\n');
    bridge.send(INITIALIZE);
    await waitFor(() => bridge.messages.length === 1, 10_000, 'the answer to initialize');
    expect(bridge.messages[0]).toMatchObject({ id: 1, result: { serverInfo: { name: 'relay-test-server' } } });
    expect(bridge.stderr()).toMatch(/not a JSON-RPC 2\.0 message/);
    expect(bridge.stderr()).toMatch(/not JSON/);
    bridge.child.stdin.end();
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
  });
});

describe('errorFromGateway', () => {
  it('passes the gateway\'s own error through: JSON-RPC or the REST envelope', () => {
    const rpc = new StreamableHTTPError(403, 'Error POSTing to endpoint: {"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"no scope","data":{"scope":"echo"}}}');
    expect(errorFromGateway(rpc)).toEqual({ code: -32011, message: 'no scope', data: { scope: 'echo' } });
    const rest = new StreamableHTTPError(429, 'Error POSTing to endpoint: {"status":"error","error":{"code":-32012,"name":"RATE_LIMITED","message":"slow down"}}');
    expect(errorFromGateway(rest)).toEqual({ code: -32012, message: 'slow down' });
  });

  it('names the status from the error table when the answer carries no error, else INTERNAL_ERROR', () => {
    expect(errorFromGateway(new StreamableHTTPError(401, 'Error POSTing to endpoint: <html>no</html>'))).toEqual({ code: -32010, message: 'the gateway answered HTTP 401: <html>no</html>' });
    expect(errorFromGateway(new StreamableHTTPError(502, 'Error POSTing to endpoint: '))).toEqual({ code: -32603, message: 'the gateway answered HTTP 502' });
    expect(errorFromGateway(new StreamableHTTPError(-1, 'Unexpected content type: text/plain')).code).toBe(-32603);
  });
});
