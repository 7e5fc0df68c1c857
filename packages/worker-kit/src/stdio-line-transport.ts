import type { Readable, Writable } from 'node:stream';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { MetaKeys, createLineSplitter } from '@mcpgw/protocol';

/** A line longer than this is refused (and the connection closed): a peer gone wrong. */
const MAX_LINE_LENGTH = 64 * 1024 * 1024;

/**
 * MCP's stdio framing (one JSON-RPC message per line) with two differences from the SDK's
 * StdioServerTransport, both for throughput: messages written in the same event-loop turn leave
 * in one write (one syscall instead of one per message), and incoming lines are parsed once,
 * leaving validation to the SDK's protocol layer, which checks every message's shape anyway.
 *
 * One more addition for the gateway, which shares this one connection among many clients: a request
 * or notification sent while handling a request (progress, log, sampling, elicitation, roots) carries
 * that request's id in `params._meta["mcpgw/relatedRequestId"]`, so the gateway can route it back to
 * the client whose call it belongs to.
 */
export class StdioLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private outgoing = '';
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
  ) {}

  async start(): Promise<void> {
    this.input.setEncoding('utf8');
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
    this.input.once('end', () => void this.close());
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) return;
    const related = options?.relatedRequestId;
    // Responses already carry their request's id; only requests and notifications need the tag.
    if (related !== undefined && 'method' in message) message = tagRelatedRequest(message, related);
    this.outgoing += JSON.stringify(message) + '\n';
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    this.input.pause();
    this.onclose?.();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (!this.outgoing) return;
    const chunk = this.outgoing;
    this.outgoing = '';
    this.output.write(chunk);
  };

  private readonly onInputError = (error: Error): void => {
    this.onerror?.(error);
  };

  private readonly onData = createLineSplitter(
    (line) => this.onLine(line),
    MAX_LINE_LENGTH,
    () => {
      this.onerror?.(new Error('a message longer than 64 MiB arrived on stdin; closing'));
      void this.close();
    },
  );

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.onerror?.(new Error(`ignoring a line that is not JSON: ${(error as Error).message}`));
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }
}

/**
 * A copy of a request or notification whose `params._meta` names the request it relates to. The
 * caller's object is never changed: the SDK may still hold it (for example to match a response).
 */
export function tagRelatedRequest<M extends JSONRPCMessage & { method: string }>(message: M, related: RequestId): M {
  const params = (message as { params?: Record<string, unknown> }).params;
  const meta = params?._meta as Record<string, unknown> | undefined;
  return { ...message, params: { ...params, _meta: { ...meta, [MetaKeys.relatedRequestId]: related } } };
}
