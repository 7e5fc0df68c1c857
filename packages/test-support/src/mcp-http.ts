/** What one POST to an MCP Streamable HTTP endpoint answered. */
export interface McpPostResult {
  status: number;
  headers: Headers;
  /** `application/json` or `text/event-stream` (or whatever else came). */
  contentType: string;
  /** Every JSON-RPC message in the body, in order (one for a JSON answer; all events for SSE). */
  messages: Record<string, unknown>[];
  /** The raw body (SSE comments included). */
  text: string;
}

export const MCP_ACCEPT = 'application/json, text/event-stream';

/** Parses the `data:` lines of an SSE body into messages. */
export function parseSse(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data) out.push(JSON.parse(data) as Record<string, unknown>);
  }
  return out;
}

/**
 * A bare-bones MCP Streamable HTTP client for tests that must see the wire: status codes,
 * headers, JSON vs SSE answers, keep-alive comments. (Tests of behaviour use the SDK's client.)
 */
export class McpHttpSession {
  sessionId: string | undefined;
  protocolVersion = '2025-11-25';

  constructor(readonly url: string, readonly headers: Record<string, string> = {}) {}

  /** initialize + notifications/initialized; returns the initialize result. */
  async initialize(capabilities: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const answer = await this.post({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: this.protocolVersion, capabilities, clientInfo: { name: 'mcpgw-test', version: '1' } } });
    if (answer.status !== 200) throw new Error(`initialize answered ${answer.status}: ${answer.text}`);
    this.sessionId = answer.headers.get('mcp-session-id') ?? undefined;
    await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return answer.messages[0]!['result'] as Record<string, unknown>;
  }

  /** POSTs a message (or batch) and reads the whole answer. */
  async post(body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<McpPostResult> {
    const response = await fetch(this.url, { method: 'POST', headers: this.requestHeaders(headers), body: JSON.stringify(body), ...(signal ? { signal } : {}) });
    return read(response);
  }

  /** POSTs and returns the live response (to read an SSE answer as it comes). */
  async postStreaming(body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    return fetch(this.url, { method: 'POST', headers: this.requestHeaders(headers), body: JSON.stringify(body), ...(signal ? { signal } : {}) });
  }

  /** A request's result (throws on a JSON-RPC error). */
  async request(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const answer = await this.post({ jsonrpc: '2.0', id: Math.floor(Math.random() * 1e9), method, params });
    const last = answer.messages.at(-1);
    if (!last || last['error']) throw new Error(`${method} failed (${answer.status}): ${answer.text}`);
    return last['result'] as Record<string, unknown>;
  }

  /** Opens the GET stream of server messages. */
  openStream(signal: AbortSignal): Promise<Response> {
    const headers = this.requestHeaders({ accept: 'text/event-stream' });
    delete headers['content-type'];
    return fetch(this.url, { method: 'GET', headers, signal });
  }

  async terminate(): Promise<number> {
    const headers = this.requestHeaders({});
    delete headers['content-type'];
    const response = await fetch(this.url, { method: 'DELETE', headers });
    await response.text();
    return response.status;
  }

  private requestHeaders(extra: Record<string, string>): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: MCP_ACCEPT,
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': this.protocolVersion } : {}),
      ...this.headers,
      ...extra,
    };
  }
}

async function read(response: Response): Promise<McpPostResult> {
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  let messages: Record<string, unknown>[] = [];
  if (contentType.includes('text/event-stream')) messages = parseSse(text);
  else if (text) {
    const parsed = JSON.parse(text) as unknown;
    messages = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
  }
  return { status: response.status, headers: response.headers, contentType, messages, text };
}

/**
 * Reads SSE messages from a live response as they arrive; `next(predicate)` resolves with the
 * first message matching it (earlier ones are kept in `seen`).
 */
export class SseReader {
  readonly seen: Record<string, unknown>[] = [];
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  raw = '';

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  async next(predicate: (message: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.find(predicate);
      if (found) {
        this.seen.splice(this.seen.indexOf(found), 1);
        return found;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching SSE message within ${timeoutMs} ms; seen: ${JSON.stringify(this.seen).slice(0, 2_000)}`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([this.reader.read(), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining)))]);
      // Cleared, so a reader left waiting long does not keep the test process alive.
      clearTimeout(timer);
      if (chunk === 'timeout') continue;
      if (chunk.done) throw new Error(`the stream ended; seen: ${JSON.stringify(this.seen).slice(0, 2_000)}`);
      const text = this.decoder.decode(chunk.value, { stream: true });
      this.raw += text;
      this.buffer += text;
      let cut: number;
      while ((cut = this.buffer.indexOf('\n\n')) !== -1) {
        const block = this.buffer.slice(0, cut);
        this.buffer = this.buffer.slice(cut + 2);
        this.seen.push(...parseSse(`${block}\n\n`));
      }
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
