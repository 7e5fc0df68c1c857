import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from 'pino';
import type { PreparedWorker } from './create-worker.js';
import { SseEventStore } from './sse-event-store.js';
import type { RunningTransport } from './stdio-transport.js';

export interface HttpServeOptions {
  port: number;
  host: string;
  /** Sessions kept at most; further `initialize` requests get 503. */
  maxSessions?: number;
  /** A session unused for this long is closed. */
  sessionIdleMs?: number;
  /** Told to clients in SSE priming events: how long to wait before reconnecting to a closed stream. */
  sseRetryMs?: number;
  /** `/mcp` requires `Authorization: Bearer <authToken>` (WORKER_AUTH_TOKEN); `/health` stays open. Required off loopback. */
  authToken?: string;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether binding `host` keeps the server to this machine (127.0.0.1, localhost, ::1). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/** A running HTTP transport and the address it listens on. */
export interface RunningHttpTransport extends RunningTransport {
  readonly port: number;
}

/**
 * Serves the worker over MCP Streamable HTTP at `/mcp` (sessions via `Mcp-Session-Id`), plus
 * `GET /health` for probes. Bound to loopback it refuses (403) a `Host` or `Origin` that is not
 * loopback, against DNS rebinding. With `authToken`, `/mcp` answers 401 without that bearer token;
 * bound elsewhere it must have one (any `Host` is accepted then: the token is the guard). Each session keeps a short, bounded memory of its SSE events, so
 * a client can resume a closed stream with `Last-Event-ID` (and a tool may close it to make the
 * client poll: `ctx.closeSSEStream`).
 */
export async function serveHttp(worker: PreparedWorker, log: Logger, options: HttpServeOptions): Promise<RunningHttpTransport> {
  const maxSessions = options.maxSessions ?? 1_000;
  const sessionIdleMs = options.sessionIdleMs ?? 10 * 60_000;
  const sessions = new Map<string, Session>();
  const sseRetryMs = options.sseRetryMs ?? 1_000;
  const loopback = LOOPBACK_HOSTS.has(options.host);
  if (!loopback && !options.authToken) throw new Error(`serving MCP on ${options.host} needs an authToken (WORKER_AUTH_TOKEN)`);
  const tokenDigest = options.authToken === undefined ? undefined : digest(options.authToken);
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') {
      const report = await worker.health();
      sendJson(res, report.status === 'down' ? 503 : 200, report);
      return;
    }
    if (path !== '/mcp') {
      sendJson(res, 404, { error: `no route ${req.method} ${path}; MCP is served at /mcp` });
      return;
    }
    if (loopback) {
      const refusal = checkLoopbackHeaders(req, allowedHosts, allowedOrigins);
      if (refusal) {
        log.warn({ host: req.headers.host, origin: req.headers.origin }, 'refused a request: DNS rebinding protection');
        sendRpcError(res, 403, -32000, refusal);
        return;
      }
    }
    if (tokenDigest) {
      const refusal = checkBearer(req.headers.authorization, tokenDigest);
      if (refusal) {
        log.warn({ remoteAddress: req.socket.remoteAddress }, 'refused a request without the right bearer token');
        res.setHeader('WWW-Authenticate', 'Bearer realm="mcpgw-worker"');
        sendJson(res, 401, { error: refusal });
        return;
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) {
        sendRpcError(res, 404, -32001, 'Session not found: initialize a new session');
        return;
      }
      session.lastSeen = Date.now();
      await session.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') {
      sendRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    if (sessions.size >= maxSessions) {
      res.setHeader('Retry-After', '5');
      sendRpcError(res, 503, -32000, `too many sessions (${maxSessions}); close idle sessions with DELETE /mcp`);
      return;
    }
    const server = worker.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SseEventStore(),
      retryInterval: sseRetryMs,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'http request failed');
      if (!res.headersSent) sendRpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });

  const sweeper = setInterval(() => {
    const cutoff = Date.now() - sessionIdleMs;
    for (const [id, session] of sessions) {
      if (session.lastSeen < cutoff) {
        sessions.delete(id);
        void session.transport.close();
      }
    }
  }, Math.min(sessionIdleMs, 60_000));
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  allowedHosts = new Set(['127.0.0.1', 'localhost', '[::1]'].flatMap((h) => [h, `${h}:${port}`]));
  allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  log.info({ transport: 'http', host: options.host, port }, 'worker listening on Streamable HTTP at /mcp');

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  return {
    port,
    closed,
    close: async () => {
      clearInterval(sweeper);
      await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      resolveClosed();
    },
  };
}

/**
 * Why a request to a loopback-bound server is refused, or undefined if it may pass: a browser tricked
 * by DNS rebinding sends a foreign `Host` and `Origin`. Local tools send a loopback `Host` and no
 * `Origin` (or a loopback one).
 */
function checkLoopbackHeaders(req: IncomingMessage, hosts: ReadonlySet<string>, origins: ReadonlySet<string>): string | undefined {
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) return `Invalid Host header: ${host ?? '(none)'}; this server only answers localhost, 127.0.0.1 or [::1]`;
  const origin = req.headers.origin?.toLowerCase();
  if (origin !== undefined && !origins.has(origin)) return `Invalid Origin header: ${origin}; only local pages may call this server`;
  return undefined;
}

/** Why a request lacks the right `Authorization: Bearer` token, or undefined when it has it. Constant-time. */
function checkBearer(header: string | undefined, expected: Buffer): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return 'missing Authorization: Bearer <token> header; this worker requires the WORKER_AUTH_TOKEN it was started with';
  if (!timingSafeEqual(digest(match[1]!), expected)) return 'the bearer token does not match this worker\'s WORKER_AUTH_TOKEN';
  return undefined;
}

/** Equal-length digests make the comparison constant-time whatever the token's length. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', id: null, error: { code, message } });
}
