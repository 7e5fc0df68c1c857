import { GatewayError } from '@mcpgw/protocol';
import { StreamableHttpClient } from './streamable-http-client.js';
import { WorkerConnection, settlesWithin, type ExitInfo, type OpenOptions, type WorkerInitInfo } from './worker-connection.js';
import { displayUrl, type RemoteWorkerSpec } from './worker-spec.js';
import type { GatewayLogger } from '../logger.js';

export interface RemoteOpenOptions extends OpenOptions {
  /** Sent as `Authorization: Bearer ...` on every request (WORKER_AUTH_TOKEN). */
  authToken?: string | undefined;
}

/** How long a connection check (a ping after a broken stream) may take before the worker counts as lost. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * A remote worker: an MCP server reached over Streamable HTTP at the URL WORKER_URLS gives. The
 * messages travel through StreamableHttpClient (node:http with a keep-alive agent and an
 * incremental SSE reader, not the SDK's transport: about a fifth of its CPU per call, see
 * docs/performance.md); WorkerConnection does the rest. The connection counts as ended — and the
 * supervisor reconnects — when the worker cannot be reached, forgets our session (404) or refuses
 * the token (401/403). Redirects are never followed: the configured URL is the only address
 * contacted (security.md I7).
 */
export class RemoteConnection extends WorkerConnection {
  readonly pid = undefined;
  readonly url: string;
  private readonly client: StreamableHttpClient;
  private probing = false;
  /** Set once the worker answered initialize: before that a failed request fails `open` by itself. */
  private initializedOnce = false;

  private constructor(spec: RemoteWorkerSpec, log: GatewayLogger, authToken: string | undefined) {
    super(spec.name, log);
    this.url = displayUrl(spec.url);
    this.client = new StreamableHttpClient(spec.url, this.url, authToken, {
      message: (message) => this.onMessage(message),
      lost: (reason) => this.lost(reason),
      requestFailed: (id, method, cause) => {
        // The worker answered, but not with MCP (HTTP 400, 500...): only this request fails.
        if (this.alive) this.failRequest(id, new GatewayError('WORKER_PROTOCOL_ERROR', `${this.name} could not take ${method}: ${cause}`));
      },
      streamBroken: () => this.probe(),
      invalid: (text) => this.log.warn({ service: this.name, text }, 'worker sent a message that is not JSON'),
    });
  }

  /** Opens a session with the worker (the handshake); throws, naming the cause, if that fails. */
  static async open(spec: RemoteWorkerSpec, log: GatewayLogger, options: RemoteOpenOptions): Promise<RemoteConnection> {
    const connection = new RemoteConnection(spec, log, options.authToken);
    try {
      return await WorkerConnection.handshake(connection, spec.description, options);
    } catch (error) {
      // Say why the connection went, not only that the handshake's request failed.
      const reason = connection.exitInfo?.reason;
      if (reason && error instanceof GatewayError && error.spec.name === 'WORKER_CRASHED') throw new Error(reason);
      throw error;
    }
  }

  /** Ends the session (DELETE, best effort, within `graceMs` or 1 s) and cuts every open request. */
  async close(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.closing = true;
    await settlesWithin(this.client.terminate(), Math.max(graceMs, 1_000));
    this.client.destroy();
    this.ended({ code: 0, signal: null, reason: 'closed by the gateway' });
    return this.exitInfo!;
  }

  /** Drops the connection, as a network failure would (tests use this). */
  kill(): void {
    this.lost('dropped by the gateway');
  }

  protected override initialized(info: WorkerInitInfo): void {
    this.initializedOnce = true;
    this.client.setProtocolVersion(info.protocolVersion);
  }

  protected sendRequest(id: number, method: string, params: Record<string, unknown>): void {
    this.client.post(`{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`, id, method);
  }

  protected sendMessage(message: Record<string, unknown>): void {
    const id = message['id'];
    const method = message['method'];
    this.client.post(JSON.stringify(message), typeof id === 'number' && typeof method === 'string' ? id : undefined, typeof method === 'string' ? method : 'an answer');
  }

  protected lostMessage(info: ExitInfo): string {
    return `the connection to the remote worker ${this.name} was lost (${info.reason ?? 'unknown cause'}) while the call was in flight; reconnecting`;
  }

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
    this.client.destroy();
    this.ended({ code: null, signal: null, reason });
  }
}
