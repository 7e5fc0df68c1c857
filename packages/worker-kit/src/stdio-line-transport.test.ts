import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MetaKeys } from '@mcpgw/protocol';
import pino from 'pino';
import { z } from 'zod';
import { defineWorker } from './create-worker.js';
import { defineTool } from './define-tool.js';
import { StdioLineTransport } from './stdio-line-transport.js';

/** A transport writing to a stream we read line by line. */
function harness() {
  const input = new PassThrough();
  const output = new PassThrough();
  const transport = new StdioLineTransport(input, output);
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  const waiters: { count: number; resolve: () => void }[] = [];
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
      buffered = buffered.slice(newline + 1);
    }
    for (const waiter of waiters.filter((w) => lines.length >= w.count)) waiter.resolve();
  });
  const linesAtLeast = (count: number) =>
    lines.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  const write = (message: unknown) => input.write(JSON.stringify(message) + '\n');
  return { transport, lines, linesAtLeast, write };
}

/** Waits (by polling the event loop, not the clock) until what a peer wrote satisfies `ready`. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve));
}

describe('StdioLineTransport: related-request tagging', () => {
  it('tags a notification or request sent for a request with that request id, without touching the caller\'s object', async () => {
    const { transport, lines, linesAtLeast } = harness();
    await transport.start();
    const notification: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1, _meta: { other: 1 } } };
    const request: JSONRPCMessage = { jsonrpc: '2.0', id: 3, method: 'roots/list' };
    await transport.send(notification, { relatedRequestId: 7 });
    await transport.send(request, { relatedRequestId: 'req-a' });
    await linesAtLeast(2);
    expect(lines[0]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 't', progress: 1, _meta: { other: 1, [MetaKeys.relatedRequestId]: 7 } },
    });
    expect(lines[1]).toEqual({ jsonrpc: '2.0', id: 3, method: 'roots/list', params: { _meta: { [MetaKeys.relatedRequestId]: 'req-a' } } });
    expect(notification).toEqual({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1, _meta: { other: 1 } } });
    expect(request).toEqual({ jsonrpc: '2.0', id: 3, method: 'roots/list' });
    await transport.close();
  });

  it('leaves responses and unrelated messages as they are', async () => {
    const { transport, lines, linesAtLeast } = harness();
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 7, result: { ok: true } }, { relatedRequestId: 7 });
    await transport.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    await linesAtLeast(2);
    expect(lines).toEqual([
      { jsonrpc: '2.0', id: 7, result: { ok: true } },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
    await transport.close();
  });

  it('tags what a tool sends during a call (log, progress, sampling) with the call\'s id, end to end', async () => {
    const worker = defineWorker({
      name: 'tagger',
      version: '1.0.0',
      description: 'Talks to its client during a call.',
      tools: [
        defineTool({
          name: 'chat',
          description: 'Logs, reports progress and samples.',
          input: z.object({}),
          tokenCost: 1,
          handler: async (_args, ctx) => {
            await ctx.sendLog!('info', 'working');
            await ctx.progress(1, 2);
            const sampled = await ctx.createMessage!({ messages: [{ role: 'user', content: { type: 'text', text: '?' } }], maxTokens: 1 });
            return { model: sampled.model };
          },
        }),
      ],
      setup: () => ({ status: 'configured', mode: 'live', deps: async () => ({}) }),
    }).prepare({}, pino({ level: 'silent' }));
    const { transport, lines, linesAtLeast, write } = harness();
    await worker.createServer().connect(transport);
    write({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'gw', version: '1' } } });
    write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    write({ jsonrpc: '2.0', id: 'call-1', method: 'tools/call', params: { name: 'chat', arguments: {}, _meta: { progressToken: 'p1' } } });
    type Line = { id?: string | number; method?: string; params?: { _meta?: Record<string, unknown> }; result?: Record<string, unknown> };
    const sent = () => lines as Line[];
    await until(() => sent().some((l) => l.method === 'sampling/createMessage'));
    // Worker-wide news (its health changed) relates to no call and is not tagged.
    expect(sent().find((l) => l.method === 'notifications/mcpgw/healthChanged')?.params).toBeUndefined();
    const during = sent().filter((l) => l.method && l.method !== 'notifications/mcpgw/healthChanged');
    expect(during.map((l) => l.method)).toEqual(['notifications/message', 'notifications/progress', 'sampling/createMessage']);
    for (const message of during) expect(message.params?._meta?.[MetaKeys.relatedRequestId]).toBe('call-1');

    const sampling = during[2]!;
    write({ jsonrpc: '2.0', id: sampling.id, result: { role: 'assistant', content: { type: 'text', text: '!' }, model: 'tiny' } });
    await until(() => sent().some((l) => l.id === 'call-1'));
    const response = sent().find((l) => l.id === 'call-1')!;
    expect(response.result).toMatchObject({ structuredContent: { model: 'tiny' } });
    expect((response.result?._meta as Record<string, unknown> | undefined)?.[MetaKeys.relatedRequestId]).toBeUndefined();
    await transport.close();
  });
});
