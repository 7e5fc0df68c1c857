import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError } from '@mcpgw/protocol';
import { WorkerConnection, isRecord, settlesWithin, type ExitInfo, type OpenOptions, type WorkerInitInfo } from './worker-connection.js';
import { displayUrl, type RemoteWorkerSpec } from './worker-spec.js';
import type { GatewayLogger } from '../logger.js';

export interface RemoteOpenOptions extends OpenOptions {
  /** Sent as `Authorization: Bearer ...` on every request (WORKER_AUTH_TOKEN). */
  authToken?: string | undefined;
}

/** How long a connection check (a ping after a broken stream) may take before the worker counts as lost. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * A remote worker: an MCP server reached over Streamable HTTP at the URL WORKER_URLS gives (the SDK's
 * client transport carries the messages; WorkerConnection does the rest). The connection counts as
 * ended — and the supervisor reconnects — when the worker cannot be reached, forgets our session
 * (404) or refuses the token (401/403). Redirects are never followed: the configured URL is the
 * only address contacted (security.md I7).
 */
export class RemoteConnection extends WorkerConnection {
  readonly pid = undefined;
  readonly url: string;
  private readonly transport: StreamableHTTPClientTransport;
  private probing = false;
  /** Set once the worker answered initialize: before that a failed request fails `open` by itself. */
  private initializedOnce = false;

  private constructor(
    spec: RemoteWorkerSpec,
    log: GatewayLogger,
    private readonly authToken: string | undefined,
  ) {
    super(spec.name, log);
    this.url = displayUrl(spec.url);
    this.transport = new StreamableHTTPClientTransport(new URL(spec.url), {
      fetch: this.fetchOnce,
      // Resuming a broken stream is tried briefly; a worker that stays away is reconnected by the supervisor.
      reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 2_000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
    });
    this.transport.onmessage = (message) => this.onMessage(message as Record<string, unknown>);
    this.transport.onerror = () => this.probe();
  }

  /** Opens a session with the worker (the handshake); throws, naming the cause, if that fails. */
  static async open(spec: RemoteWorkerSpec, log: GatewayLogger, options: RemoteOpenOptions): Promise<RemoteConnection> {
    const connection = new RemoteConnection(spec, log, options.authToken);
    await connection.transport.start();
    try {
      return await WorkerConnection.handshake(connection, spec.description, options);
    } catch (error) {
      // Say why the connection went, not only that the handshake's request failed.
      const reason = connection.exitInfo?.reason;
      if (reason && error instanceof GatewayError && error.spec.name === 'WORKER_CRASHED') throw new Error(reason);
      throw error;
    }
  }

  /** Ends the session (DELETE, best effort, within `graceMs` or 1 s) and stops the transport. */
  async close(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.closing = true;
    await settlesWithin(
      this.transport.terminateSession().catch(() => undefined),
      Math.max(graceMs, 1_000),
    );
    await this.transport.close();
    this.ended({ code: 0, signal: null, reason: 'closed by the gateway' });
    return this.exitInfo!;
  }

  /** Drops the connection, as a network failure would (tests use this). */
  kill(): void {
    this.lost('dropped by the gateway');
  }

  protected override initialized(info: WorkerInitInfo): void {
    this.initializedOnce = true;
    this.transport.setProtocolVersion(info.protocolVersion);
  }

  protected sendRequest(id: number, method: string, params: Record<string, unknown>): void {
    this.sendMessage({ jsonrpc: '2.0', id, method, params });
  }

  protected sendMessage(message: Record<string, unknown>): void {
    this.transport.send(message as JSONRPCMessage).catch((error: unknown) => {
      if (!this.alive) return;
      // The worker answered, but not with MCP (HTTP 400, 500...): only this request fails.
      const id = message['id'];
      if (typeof id === 'number' && message['method'] !== undefined) {
        this.failRequest(id, new GatewayError('WORKER_PROTOCOL_ERROR', `${this.name} could not take ${String(message['method'])}: ${describeHttpError(error)}`));
      }
    });
  }

  protected lostMessage(info: ExitInfo): string {
    return `the connection to the remote worker ${this.name} was lost (${info.reason ?? 'unknown cause'}) while the call was in flight; reconnecting`;
  }

  /**
   * The transport's fetch: adds the token, never follows a redirect, and ends the connection when
   * the worker is unreachable, refuses the token, or no longer knows the session.
   */
  private readonly fetchOnce = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (this.authToken) headers.set('authorization', `Bearer ${this.authToken}`);
    let response: Response;
    try {
      response = await fetch(input, { ...init, headers, redirect: 'manual' });
    } catch (error) {
      if (this.alive && !isAbort(error)) this.lost(`cannot reach ${this.url}: ${networkCause(error)}`);
      throw error;
    }
    if (!this.alive) return response;
    const status = response.status;
    if (status >= 300 && status < 400) {
      await response.body?.cancel();
      const reason = `${this.url} answered with a redirect (HTTP ${status}); the gateway never follows redirects: set WORKER_URLS to the worker's own MCP endpoint`;
      this.lost(reason);
      throw new Error(reason);
    }
    if (status === 401 || status === 403) {
      this.lost(`the worker refused the gateway's token (HTTP ${status}): set the same WORKER_AUTH_TOKEN on the gateway and on the worker`);
    } else if (status === 404 && headers.has('mcp-session-id')) {
      // MCP: a 404 for a session means it is gone (the worker restarted or expired it); start a new one.
      this.lost('the worker no longer knows the session (HTTP 404): it restarted or expired it');
    }
    return response;
  };

  /** After a broken stream: a ping tells a worker that is still there from one that is gone. */
  private probe(): void {
    if (!this.alive || this.probing || !this.initializedOnce) return;
    this.probing = true;
    this.request('ping', {}, { timeoutMs: PROBE_TIMEOUT_MS }).then(
      () => (this.probing = false),
      (error: unknown) => {
        this.probing = false;
        if (this.alive && error instanceof GatewayError && error.spec.name === 'WORKER_TIMEOUT') this.lost(`no answer to a ping within ${PROBE_TIMEOUT_MS} ms`);
      },
    );
  }

  private lost(reason: string): void {
    if (!this.alive) return;
    this.ended({ code: null, signal: null, reason });
    void this.transport.close();
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** ECONNREFUSED, ENOTFOUND, ECONNRESET...: what undici's "fetch failed" hides in its cause. */
function networkCause(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (isRecord(cause) && typeof cause['code'] === 'string') return cause['code'];
  if (isRecord(cause) && typeof cause['message'] === 'string') return cause['message'];
  return error instanceof Error ? error.message : String(error);
}

function describeHttpError(error: unknown): string {
  if (error instanceof StreamableHTTPError) return `HTTP ${error.code}`;
  return error instanceof Error ? error.message.slice(0, 200) : 'request failed';
}
