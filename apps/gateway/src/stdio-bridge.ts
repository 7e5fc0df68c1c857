import type { Readable, Writable } from 'node:stream';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { errorSpec, type ErrorName } from '@mcpgw/protocol';

export interface StdioBridgeOptions {
  /** The gateway's MCP endpoint: `<gateway>/mcp` (every service) or `<gateway>/mcp/<service>`. */
  endpoint: URL;
  /** Sent as `X-MCP-Key` on every HTTP request; none → the gateway must trust the caller's address. */
  key?: string | undefined;
  /** The client's side of the pipe (default: this process's stdin and stdout). */
  input?: Readable;
  output?: Writable;
  /** One diagnostic line for a human (stderr): `output` carries nothing but MCP messages. */
  log: (line: string) => void;
  /** Aborting it ends the bridge as a closed stdin does (SIGTERM, SIGINT). */
  signal?: AbortSignal;
}

/** A JSON-RPC error object as it goes to the client. */
interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** HTTP statuses whose meaning the error table names, for gateway answers that carry no JSON-RPC error. */
const STATUS_ERRORS: Readonly<Record<number, ErrorName>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** What the SDK puts before the response body in the StreamableHTTPError of a refused POST. */
const POST_ERROR_PREFIX = 'Error POSTing to endpoint: ';

/**
 * Relays MCP between a client on stdio and the gateway's Streamable HTTP endpoint, message by
 * message and unchanged, in both directions: requests, notifications and responses of either side
 * (progress, logging, sampling and elicitation requests of the server included). A transparent pipe
 * rather than an SDK Client plus Server, so the gateway alone speaks the protocol and every method,
 * present or future, passes through.
 *
 * Resolves with the process exit code: 0 when the client closes stdin (the HTTP session is ended
 * with DELETE first) or `signal` aborts, 1 when the gateway cannot be reached. A gateway that
 * answers a request with an HTTP error (401, 403, ...) gets the client a JSON-RPC error for that
 * request and a line on `log` saying what to fix; the bridge keeps running. A session the gateway
 * no longer knows (expired after MCP_SESSION_MAX_AGE_MS, or the gateway restarted) is renewed by
 * replaying the client's `initialize`, so a desktop client left open for days keeps working.
 */
export function runStdioBridge(options: StdioBridgeOptions): Promise<number> {
  return new StdioBridge(options).run();
}

/** How a message is being forwarded. */
interface Forwarding {
  /** Already resent once on a renewed session: a second 404 is reported, not renewed again. */
  renewed: boolean;
}

class StdioBridge {
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly client: StdioServerTransport;
  /** The HTTP transport of the current session. */
  private gateway: StreamableHTTPClientTransport;
  /** Transports of sessions the gateway forgot: kept until the end for answers still streaming on them. */
  private readonly retired: StreamableHTTPClientTransport[] = [];
  /** Ids of the client's `initialize` requests still waiting for their answer. */
  private readonly initializeIds = new Set<string | number>();
  /** Ids of the client's requests the gateway has not answered yet. */
  private readonly pending = new Set<string | number>();
  /** The client's `initialize`, replayed to renew a session. */
  private lastInitialize: JSONRPCMessage | undefined;
  /** Answers to the bridge's own replayed `initialize` requests, by id. */
  private readonly ownRequests = new Map<string, (message: JSONRPCMessage) => void>();
  private renewals = 0;
  private renewing: Promise<boolean> | undefined;
  /**
   * Settles once the POST of an `initialize` has its answer's headers, which carry the session id.
   * Messages the client sends meanwhile (pipelined, without waiting for the answer) wait for it, or
   * they would reach the gateway without a session.
   */
  private initializing: Promise<void> | undefined;
  /** stdin ended while answers were pending: finish once they are relayed. */
  private draining = false;
  /** Errors the send path reports itself (the SDK passes them to onerror too, just before throwing). */
  private readonly reported = new WeakSet<object>();
  private finishing: Promise<number> | undefined;
  private resolveDone!: (code: number) => void;

  constructor(private readonly options: StdioBridgeOptions) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.client = new StdioServerTransport(this.input, this.output);
    this.gateway = this.openGateway();
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.resolveDone = resolve));
    const { client, options } = this;
    client.onmessage = (message) => this.fromClient(message);
    client.onerror = (error) =>
      options.log(
        error instanceof SyntaxError
          ? `ignored a line from the client that is not JSON: ${error.message}`
          : 'ignored a line from the client that is not a JSON-RPC 2.0 message ("jsonrpc": "2.0" with a method, or an id with a result or an error)',
      );
    client.onclose = () => void this.finish(0);
    this.output.on('error', () => void this.finish(0)); // the client closed our stdout: it is gone
    this.input.once('end', this.onInputEnd);
    this.input.once('close', this.onInputEnd);
    if (options.signal?.aborted) void this.finish(0);
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
    void (async () => {
      await this.gateway.start();
      await client.start();
    })().catch((error: unknown) => {
      options.log(`could not start: ${(error as Error).message}`);
      void this.finish(1);
    });
    return done;
  }

  private openGateway(): StreamableHTTPClientTransport {
    const { endpoint, key } = this.options;
    const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: key ? { 'X-MCP-Key': key } : {} } });
    transport.onmessage = (message) => this.fromGateway(message, transport);
    transport.onerror = (error) => {
      // Send failures are reported by sendFailed, once; what is left is the server-to-client stream.
      setImmediate(() => {
        if (!this.reported.has(error) && !this.finishing && transport === this.gateway) {
          this.options.log(`the gateway's event stream: ${error.message.slice(0, 300)}`);
        }
      });
    };
    return transport;
  }

  private fromClient(message: JSONRPCMessage): void {
    if ('method' in message && 'id' in message) {
      this.pending.add(message.id);
      if (message.method === 'initialize') {
        this.initializeIds.add(message.id);
        this.lastInitialize = message;
        const sent = (this.initializing ?? Promise.resolve()).then(() => this.forward(message));
        this.initializing = sent;
        void sent.then(() => {
          if (this.initializing === sent) this.initializing = undefined;
        });
        return;
      }
    }
    if (this.initializing) void this.initializing.then(() => this.forward(message));
    else void this.forward(message);
  }

  private forward(message: JSONRPCMessage, forwarding: Forwarding = { renewed: false }): Promise<void> {
    const via = this.gateway;
    return via.send(message).catch((error: unknown) => this.sendFailed(message, error, via, forwarding));
  }

  private fromGateway(message: JSONRPCMessage, via: StreamableHTTPClientTransport): void {
    const answerId = !('method' in message) && 'id' in message ? message.id : undefined;
    if (typeof answerId === 'string' && this.ownRequests.has(answerId)) {
      this.ownRequests.get(answerId)!(message);
      this.ownRequests.delete(answerId);
      return;
    }
    if (answerId !== undefined && this.initializeIds.delete(answerId) && 'result' in message) {
      // The SDK's Client would do this; as a pipe we must: later requests carry MCP-Protocol-Version.
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') via.setProtocolVersion(version);
    }
    this.client.send(message).catch(() => undefined);
    if (answerId !== undefined) this.answered(answerId);
  }

  private answered(id: string | number): void {
    this.pending.delete(id);
    if (this.draining && this.pending.size === 0) void this.finish(0);
  }

  // A client that quits closes stdin and waits; `printf ... | mcpgw stdio` closes it right after its
  // requests. Either way the answers still due are relayed first (a client that will not wait sends SIGTERM).
  private readonly onInputEnd = (): void => {
    this.draining = true;
    if (this.pending.size === 0) void this.finish(0);
  };

  private readonly onAbort = (): void => void this.finish(0);

  private sendFailed(message: JSONRPCMessage, error: unknown, via: StreamableHTTPClientTransport, forwarding: Forwarding): void {
    if (error instanceof Error) this.reported.add(error);
    if (this.finishing) return; // aborted by our own shutdown
    const { log, endpoint } = this.options;
    if (isNetworkError(error)) {
      log(`cannot reach the gateway at ${endpoint.origin}: ${networkReason(error)}. Is it running? Check --url, or leave --url out to start a gateway in this process.`);
      void this.finish(1);
      return;
    }
    const status = error instanceof StreamableHTTPError ? error.code : undefined;
    const isInitialize = 'method' in message && message.method === 'initialize';
    if (status === 404 && via.sessionId !== undefined && !isInitialize && !forwarding.renewed && this.lastInitialize) {
      void this.renew(via).then((renewed) => {
        if (renewed) void this.forward(message, { renewed: true });
        else this.refused(message, error, status);
      });
      return;
    }
    this.refused(message, error, status);
  }

  /** Tells the client (for a request) and the human (stderr) that the gateway refused `message`. */
  private refused(message: JSONRPCMessage, error: unknown, status: number | undefined): void {
    const { log, key } = this.options;
    const rpcError = errorFromGateway(error);
    const method = 'method' in message ? message.method : 'a response';
    if (status === 401) {
      log(
        key
          ? `the gateway refused the API key (HTTP 401 on ${method}: ${rpcError.message}). Check --key / MCPGW_KEY: the key may be revoked, expired or mistyped (new keys: mcpgw keys create).`
          : `the gateway wants a credential (HTTP 401 on ${method}: ${rpcError.message}). Pass an API key with --key KEY or, better (not visible in ps), the MCPGW_KEY environment variable.`,
      );
    } else if (status === 403) {
      log(`the gateway refused ${method} (HTTP 403: ${rpcError.message}). Use a key whose scopes include this service (--key / MCPGW_KEY).`);
    } else {
      log(`the gateway could not take ${method}${status === undefined ? '' : ` (HTTP ${status})`}: ${rpcError.message}`);
    }
    if ('method' in message && 'id' in message) {
      this.initializeIds.delete(message.id);
      this.client.send({ jsonrpc: '2.0', id: message.id, error: rpcError }).catch(() => undefined);
      this.answered(message.id);
    }
  }

  /**
   * A new session for the one `via` had: the client's `initialize` replayed on a fresh transport
   * (its answer kept from the client, which is initialized already), then `notifications/initialized`.
   * Concurrent failures share one renewal. False when the gateway refuses the new session.
   */
  private renew(via: StreamableHTTPClientTransport): Promise<boolean> {
    if (via !== this.gateway) return Promise.resolve(true); // renewed since this message left
    return (this.renewing ??= (async () => {
      this.options.log('the gateway no longer knows this session (it expired, or the gateway restarted): starting a new one');
      const next = this.openGateway();
      await next.start();
      const id = `mcpgw-stdio-renew-${++this.renewals}`;
      const answer = new Promise<JSONRPCMessage>((resolve) => this.ownRequests.set(id, resolve));
      await next.send({ ...(this.lastInitialize as JSONRPCMessage & { method: string }), id });
      const reply = await answer;
      if (!('result' in reply)) {
        this.options.log(`the gateway refused the new session: ${'error' in reply ? reply.error.message : 'no result'}`);
        await next.close();
        return false;
      }
      const version = (reply.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') next.setProtocolVersion(version);
      await next.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      this.retired.push(via);
      this.gateway = next;
      return true;
    })()
      .catch((error: unknown) => {
        if (error instanceof Error) this.reported.add(error);
        if (isNetworkError(error)) {
          this.options.log(`cannot reach the gateway at ${this.options.endpoint.origin}: ${networkReason(error)}`);
          void this.finish(1);
        } else this.options.log(`could not start a new session: ${errorFromGateway(error).message}`);
        return false;
      })
      .finally(() => {
        this.renewing = undefined;
      }));
  }

  private finish(code: number): Promise<number> {
    return (this.finishing ??= (async () => {
      this.input.off('end', this.onInputEnd);
      this.input.off('close', this.onInputEnd);
      this.options.signal?.removeEventListener('abort', this.onAbort);
      const gateway = this.gateway;
      if (code === 0 && gateway.sessionId) {
        // The gateway frees the session (and what it holds in the workers) now rather than at its idle timeout.
        await gateway.terminateSession().catch((error: unknown) => {
          if (error instanceof Error) this.reported.add(error);
        });
      }
      for (const transport of [gateway, ...this.retired]) await transport.close().catch(() => undefined);
      await this.client.close().catch(() => undefined);
      // Where stdout is asynchronous (pipes on macOS), the last answers must be out before the process exits.
      if (this.output.writableLength > 0 && !this.output.destroyed) {
        await new Promise<void>((resolve) => {
          this.output.once('drain', resolve);
          this.output.once('close', resolve);
          this.output.once('error', resolve);
        });
      }
      this.resolveDone(code);
      return code;
    })());
  }
}

/** fetch() failing before any HTTP answer: refused, reset, unknown host, bad TLS. */
function isNetworkError(error: unknown): error is TypeError {
  return error instanceof TypeError && error.message === 'fetch failed';
}

function networkReason(error: TypeError): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return typeof cause?.code === 'string' ? cause.code : error.message;
}

/**
 * The JSON-RPC error the client gets for a message the gateway refused: the gateway's own error
 * (code, message and data from its error table) when its answer carries one, else the table's
 * entry for the HTTP status, else INTERNAL_ERROR naming the status.
 */
export function errorFromGateway(error: unknown): RpcError {
  const status = error instanceof StreamableHTTPError ? error.code : undefined;
  const text = error instanceof Error ? error.message : String(error);
  const at = text.indexOf(POST_ERROR_PREFIX);
  const body = at < 0 ? undefined : text.slice(at + POST_ERROR_PREFIX.length).trim();
  const carried = body ? rpcErrorIn(body) : undefined;
  if (carried) return carried;
  const name = status === undefined ? undefined : STATUS_ERRORS[status];
  const detail = body ? `: ${body.slice(0, 200)}` : '';
  if (name) return { code: errorSpec(name).code, message: `the gateway answered HTTP ${status}${detail}` };
  return {
    code: errorSpec('INTERNAL_ERROR').code,
    message: status === undefined || status < 0 ? `the gateway's answer could not be relayed: ${text.slice(0, 200)}` : `the gateway answered HTTP ${status}${detail}`,
  };
}

/** `{"error": {"code", "message", "data"?}}` in a JSON-RPC error or the gateway's REST envelope. */
function rpcErrorIn(body: string): RpcError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; data?: unknown } } | null)?.error;
  if (!error || typeof error.code !== 'number' || typeof error.message !== 'string') return undefined;
  return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
}
