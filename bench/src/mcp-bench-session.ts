/**
 * The client side of the MCP bench: a Streamable HTTP session opened with plain fetch, as a client
 * would, and the checks that make a measured answer count (a fast wrong answer is not a result).
 */

/** An open MCP session on one endpoint. */
export interface McpSession {
  url: string;
  /** Headers of every call in the session: content type, Accept, protocol version, session id (when the server gave one). */
  headers: Record<string, string>;
}

/** The argument every call sends; the echo tool answers with it. */
export const ECHO_MESSAGE = 'hi';
const EXPECTED_FRAGMENT = `"echo":{"message":"${ECHO_MESSAGE}"}`;
/** Supported by every server measured (the bridges' SDKs check the MCP-Protocol-Version header). */
const REQUESTED_PROTOCOL = '2025-06-18';
const ACCEPT = 'application/json, text/event-stream';

/**
 * `initialize`, then `notifications/initialized` with the session id and the negotiated protocol
 * version. The server's answers may be JSON or an event stream.
 */
export async function openSession(url: string): Promise<McpSession> {
  const base = { 'content-type': 'application/json', accept: ACCEPT };
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: REQUESTED_PROTOCOL, capabilities: {}, clientInfo: { name: 'mcpgw-bench', version: '1' } },
    }),
  });
  const text = await init.text();
  if (init.status !== 200) throw new Error(`initialize on ${url} answered ${init.status}: ${text.slice(0, 200)}`);
  const answer = findResponse(text, init.headers.get('content-type'), 0) as { result?: { protocolVersion?: unknown } } | undefined;
  const version = answer?.result?.protocolVersion;
  if (typeof version !== 'string') throw new Error(`initialize on ${url} did not answer with a protocol version: ${text.slice(0, 200)}`);
  const headers: Record<string, string> = { ...base, 'mcp-protocol-version': version };
  const session = init.headers.get('mcp-session-id');
  if (session) headers['mcp-session-id'] = session;
  const initialized = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await initialized.text();
  if (initialized.status !== 202 && initialized.status !== 200) throw new Error(`notifications/initialized on ${url} answered ${initialized.status}`);
  return { url, headers };
}

/**
 * A tools/call request body. Under load the id is autocannon's `[<id>]` placeholder (with
 * `idReplacement: true`), a unique id per request: concurrent requests of one session must not
 * share an id — a server routes each answer to the stream waiting for its id, so with one constant
 * id most answers go astray and their requests hang (autocannon then reports a throughput and
 * latencies of the few connections still moving).
 */
export const toolCallBody = (tool: string, id: string): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: { message: ECHO_MESSAGE } } });

/** One tools/call outside the load: it must answer 2xx with the right echo, or this throws saying what came back. */
export async function checkEchoCall(session: McpSession, tool: string, id: string): Promise<void> {
  const response = await fetch(session.url, { method: 'POST', headers: session.headers, body: toolCallBody(tool, id) });
  const text = await response.text();
  if (response.status < 200 || response.status > 299) throw new Error(`tools/call ${tool} answered ${response.status}: ${text.slice(0, 200)}`);
  if (!isEchoAnswer(findResponse(text, response.headers.get('content-type'), id))) {
    throw new Error(`tools/call ${tool} did not answer with the echo: ${text.slice(0, 300)}`);
  }
}

/**
 * Whether a body received under load is the echo: the common case by a substring (cheap: the load
 * generator shares the CPUs with the servers), anything else by parsing it.
 */
export function bodyIsEcho(body: string): boolean {
  if (body.includes(EXPECTED_FRAGMENT) && !body.includes('"isError":true') && !body.includes('"error":')) return true;
  const contentType = body.trimStart().startsWith('{') ? 'application/json' : 'text/event-stream';
  return isEchoAnswer(findResponse(body, contentType, undefined));
}

/**
 * The JSON-RPC response with the given id (any response when `id` is undefined) in a JSON body or
 * an event stream (`data:` lines).
 */
export function findResponse(text: string, contentType: string | null, id: string | number | undefined): unknown {
  const candidates: string[] = contentType?.includes('text/event-stream')
    ? text
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
    : [text];
  for (const candidate of candidates) {
    try {
      const message = JSON.parse(candidate) as { id?: unknown; result?: unknown; error?: unknown };
      const isResponse = 'result' in message || 'error' in message;
      if (isResponse && (id === undefined || message.id === id)) return message;
    } catch {
      // not JSON: not the answer
    }
  }
  return undefined;
}

/** Whether a tools/call response carries the echo of {@link ECHO_MESSAGE}, in structured content or in the text content. */
export function isEchoAnswer(message: unknown): boolean {
  const result = (message as { result?: { isError?: unknown; structuredContent?: unknown; content?: unknown } } | undefined)?.result;
  if (!result || result.isError === true) return false;
  const echoed = (value: unknown) => (value as { echo?: { message?: unknown } } | undefined)?.echo?.message === ECHO_MESSAGE;
  if (echoed(result.structuredContent)) return true;
  if (!Array.isArray(result.content)) return false;
  return result.content.some((c: { type?: unknown; text?: unknown }) => {
    if (c.type !== 'text' || typeof c.text !== 'string') return false;
    try {
      return echoed(JSON.parse(c.text));
    } catch {
      return false;
    }
  });
}
