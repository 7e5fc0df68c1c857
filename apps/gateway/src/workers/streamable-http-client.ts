import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { SseParser } from './sse-parser.js';

/** What the client reports to its connection. */
export interface StreamableHttpHandlers {
  /** One JSON-RPC message from the worker (an answer, a request, a notification), in arrival order. */
  message(message: Record<string, unknown>): void;
  /** The worker cannot be used any more (unreachable, redirect, token refused, session gone, oversized event). */
  lost(reason: string): void;
  /** One request could not be delivered or answered (HTTP 4xx/5xx, a stream that ended before its answer). */
  requestFailed(id: number, method: string, cause: string): void;
  /** A stream broke off: the connection should check that the worker is still there (a ping). */
  streamBroken(): void;
  /** The worker sent something that is not JSON (truncated). */
  invalid(text: string): void;
}

/** An event (or a JSON body) larger than this is a protocol violation and a memory risk, as on stdio. */
const MAX_EVENT_CHARS = 64 * 1024 * 1024;
/** The wait before resuming a stream when the worker named none (`retry:`), and the most we honour. */
const DEFAULT_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5_000;
/** Resumes in a row that bring no event before a request's stream counts as failed. */
const MAX_EMPTY_RESUMES = 3;
/** The longest wait between attempts to reopen the standalone GET stream. */
const MAX_LISTEN_DELAY_MS = 10_000;

const ignore = (): void => undefined;

/**
 * The response stream of one POSTed request, kept until its answer arrived: what a resume needs
 * (the last event id, `retry:`) and whether the answer came.
 */
class RequestStream {
  answered = false;
  /** Events read since the last resume. */
  events = 0;
  emptyResumes = 0;
  readonly parser: SseParser;

  constructor(
    private readonly client: StreamableHttpClient,
    readonly id: number,
    readonly method: string,
  ) {
    this.parser = new SseParser(this.onData, MAX_EVENT_CHARS, client.overflow);
  }

  private readonly onData = (data: string): void => {
    if (data === '') return; // a priming event: an id (for resuming) and no message
    this.events++;
    this.client.deliver(data, this);
  };
}

/**
 * A minimal MCP Streamable HTTP client on node:http(s), for the gateway's remote workers: every
 * JSON-RPC message is POSTed to the one URL, answers come back as JSON or as an SSE stream read
 * incrementally (progress and worker requests arrive before the answer and are delivered at once),
 * a stream that ends before its answer is resumed with GET + `Last-Event-ID`, and after
 * `notifications/initialized` a standalone GET stream carries the worker's own notifications.
 * One keep-alive agent per connection; no AbortSignals, no redirects (security.md I7), no
 * web streams: about a fifth of the SDK transport's CPU per call (docs/performance.md).
 */
export class StreamableHttpClient {
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  private readonly base: RequestOptions;
  private readonly postOptions: RequestOptions & { headers: Record<string, string> };
  private readonly getHeaders: Record<string, string>;
  private sessionId: string | undefined;
  private closed = false;
  private listening = false;
  private listenEventId: string | undefined;
  private listenDelayMs = 0;

  constructor(
    url: string,
    /** The URL as messages show it (no credentials, no query). */
    private readonly shownUrl: string,
    authToken: string | undefined,
    private readonly handlers: StreamableHttpHandlers,
  ) {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    this.send = secure ? https.request : http.request;
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const { protocol, hostname, port, path } = urlToHttpOptions(parsed);
    this.base = { protocol, hostname, port, path, agent: this.agent };
    const auth: Record<string, string> = authToken ? { authorization: `Bearer ${authToken}` } : {};
    this.postOptions = {
      ...this.base,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth },
    };
    this.getHeaders = { accept: 'text/event-stream', ...auth };
  }

  /** Sent as `mcp-protocol-version` from now on (after initialize). */
  setProtocolVersion(version: string): void {
    this.postOptions.headers['mcp-protocol-version'] = version;
    this.getHeaders['mcp-protocol-version'] = version;
  }

  /**
   * POSTs one JSON-RPC message (`body`). `id` is the request's id (undefined for notifications and
   * answers): its failures are reported with `method`.
   */
  post(body: string, id: number | undefined, method: string, retried = false): void {
    if (this.closed) return;
    let responded = false;
    const req = this.send(this.postOptions, (res) => {
      responded = true;
      this.onPostResponse(res, id, method);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (responded || this.closed) return;
      // A kept-alive socket the worker closed just as we wrote: Node's advice is to send again, once.
      if (!retried && req.reusedSocket && error.code === 'ECONNRESET') this.post(body, id, method, true);
      else this.unreachable(error);
    });
    req.end(body);
  }

  /** Ends the session (DELETE with its id); resolves when answered or failed. */
  terminate(): Promise<void> {
    if (this.closed || this.sessionId === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const req = this.send({ ...this.base, method: 'DELETE', headers: { ...this.getHeaders } }, (res) => {
        res.resume();
        resolve();
      });
      req.on('error', () => resolve());
      req.end();
    });
  }

  /** Stops everything: open requests and streams are cut, the agent's sockets closed. */
  destroy(): void {
    this.closed = true;
    this.agent.destroy();
  }

  /** Parses one message body (an object or a batch) and hands it on; marks `stream` answered when it is. */
  deliver(text: string, stream: RequestStream | undefined): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.handlers.invalid(text.slice(0, 200));
      return;
    }
    if (Array.isArray(parsed)) {
      for (const message of parsed) this.deliverOne(message, stream);
    } else {
      this.deliverOne(parsed, stream);
    }
  }

  /** An event or body beyond 64 MiB. */
  readonly overflow = (): void => {
    this.fail('the worker sent a message longer than 64 MiB (a protocol violation)');
  };

  private deliverOne(message: unknown, stream: RequestStream | undefined): void {
    if (this.closed || message === null || typeof message !== 'object') return;
    const record = message as Record<string, unknown>;
    if (stream && record['id'] === stream.id && record['method'] === undefined) stream.answered = true;
    this.handlers.message(record);
  }

  private onPostResponse(res: IncomingMessage, id: number | undefined, method: string): void {
    res.on('error', ignore);
    const status = res.statusCode ?? 0;
    const session = res.headers['mcp-session-id'];
    if (typeof session === 'string' && session !== this.sessionId) this.setSession(session);
    if (!this.accepted(status, res)) return;
    if (status === 202 || status === 204) {
      res.resume();
      if (method === 'notifications/initialized') this.listen();
      return;
    }
    const type = res.headers['content-type'] ?? '';
    if (status !== 200 || !(type.startsWith('text/event-stream') || type.includes('json'))) {
      res.resume();
      if (id !== undefined) this.handlers.requestFailed(id, method, status === 200 ? `unexpected content type ${type.slice(0, 60) || '(none)'}` : `HTTP ${status}`);
      return;
    }
    res.setEncoding('utf8');
    if (type.startsWith('text/event-stream')) {
      const stream = id === undefined ? undefined : new RequestStream(this, id, method);
      if (stream) this.read(res, stream);
      else res.resume();
      return;
    }
    let body = '';
    res.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_EVENT_CHARS) {
        res.destroy();
        this.overflow();
      }
    });
    res.on('end', () => this.deliver(body, undefined));
  }

  /** Reads a request's SSE stream; when it ends without the answer, resumes it or gives up. */
  private read(res: IncomingMessage, stream: RequestStream): void {
    res.on('data', (chunk: string) => stream.parser.feed(chunk));
    res.on('close', () => {
      if (this.closed || stream.answered) return;
      if (!res.complete) this.handlers.streamBroken();
      const lastId = stream.parser.lastEventId;
      stream.emptyResumes = stream.events > 0 ? 0 : stream.emptyResumes + 1;
      if (lastId === undefined || stream.emptyResumes > MAX_EMPTY_RESUMES) {
        // Nothing to resume from: a clean end is the worker's failure; a broken one is the probe's to judge.
        if (res.complete) this.handlers.requestFailed(stream.id, stream.method, 'the worker ended its stream before answering');
        return;
      }
      const delay = Math.min(stream.parser.retryMs ?? DEFAULT_RETRY_MS, MAX_RETRY_MS);
      setTimeout(() => this.resume(stream, lastId), delay).unref();
    });
  }

  /** GET with `Last-Event-ID`: the worker replays what the stream missed and goes on with it. */
  private resume(stream: RequestStream, lastId: string): void {
    if (this.closed) return;
    stream.events = 0;
    let responded = false;
    const req = this.send({ ...this.base, method: 'GET', headers: { ...this.getHeaders, 'last-event-id': lastId } }, (res) => {
      responded = true;
      res.on('error', ignore);
      const status = res.statusCode ?? 0;
      if (!this.accepted(status, res)) return;
      if (status !== 200 || !(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.resume();
        this.handlers.requestFailed(stream.id, stream.method, `resuming its stream failed (HTTP ${status})`);
        this.handlers.streamBroken();
        return;
      }
      res.setEncoding('utf8');
      this.read(res, stream);
    });
    req.on('error', (error) => {
      if (!responded && !this.closed) this.unreachable(error);
    });
    req.end();
  }

  /**
   * Opens the standalone GET stream (server-initiated messages: list changes, health changes,
   * resource updates). 405: the worker has none. Reopened with back-off while the connection lives.
   */
  private listen(): void {
    if (this.closed || this.listening) return;
    this.listening = true;
    const headers = this.listenEventId === undefined ? this.getHeaders : { ...this.getHeaders, 'last-event-id': this.listenEventId };
    let responded = false;
    const req = this.send({ ...this.base, method: 'GET', headers }, (res) => {
      responded = true;
      res.on('error', ignore);
      const status = res.statusCode ?? 0;
      if (!this.accepted(status, res)) return;
      if (status === 405) {
        res.resume(); // no stream for server-initiated messages; `listening` stays set
        return;
      }
      if (status !== 200 || !(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.resume();
        this.listenAgain(undefined, false);
        return;
      }
      res.setEncoding('utf8');
      const parser = new SseParser(
        (data) => {
          this.listenDelayMs = 0;
          if (data !== '') this.deliver(data, undefined);
        },
        MAX_EVENT_CHARS,
        this.overflow,
      );
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('close', () => {
        if (parser.lastEventId !== undefined) this.listenEventId = parser.lastEventId;
        if (!this.closed && !res.complete) this.handlers.streamBroken();
        this.listenAgain(parser.retryMs, true);
      });
    });
    req.on('error', (error) => {
      if (!responded && !this.closed) this.unreachable(error);
    });
    req.end();
  }

  private listenAgain(retryMs: number | undefined, opened: boolean): void {
    this.listening = false;
    if (this.closed) return;
    const floor = Math.min(retryMs ?? DEFAULT_RETRY_MS, MAX_RETRY_MS);
    this.listenDelayMs = opened && this.listenDelayMs === 0 ? floor : Math.min(Math.max(floor, this.listenDelayMs * 2), MAX_LISTEN_DELAY_MS);
    setTimeout(() => this.listen(), this.listenDelayMs).unref();
  }

  private setSession(id: string): void {
    this.sessionId = id;
    this.postOptions.headers['mcp-session-id'] = id;
    this.getHeaders['mcp-session-id'] = id;
  }

  /**
   * False (and the connection is lost) for the answers that end it: a redirect, which is never
   * followed; a refused token; a 404 for our session.
   */
  private accepted(status: number, res: IncomingMessage): boolean {
    let reason: string | undefined;
    if (status >= 300 && status < 400) {
      reason = `${this.shownUrl} answered with a redirect (HTTP ${status}); the gateway never follows redirects: set WORKER_URLS to the worker's own MCP endpoint`;
    } else if (status === 401 || status === 403) {
      reason = `the worker refused the gateway's token (HTTP ${status}): set the same WORKER_AUTH_TOKEN on the gateway and on the worker`;
    } else if (status === 404 && this.sessionId !== undefined) {
      // MCP: a 404 for a session means it is gone (the worker restarted or expired it); start a new one.
      reason = 'the worker no longer knows the session (HTTP 404): it restarted or expired it';
    }
    if (reason === undefined) return true;
    res.resume();
    this.fail(reason);
    return false;
  }

  private unreachable(error: NodeJS.ErrnoException): void {
    this.fail(`cannot reach ${this.shownUrl}: ${error.code ?? error.message}`);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.destroy();
    this.handlers.lost(reason);
  }
}
