import { afterEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type ClientCapabilities,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { MetaKeys, errorSpec } from '@mcpgw/protocol';
import pino from 'pino';
import { z } from 'zod';
import { defineWorker, type WorkerOptions, type WorkerSetup } from './create-worker.js';
import { definePrompt, promptDefiner } from './define-prompt.js';
import { defineResource, defineResourceTemplate } from './define-resource.js';
import { defineTool } from './define-tool.js';
import { RESOURCE_NOT_FOUND } from './mcp-features.js';
import { ToolError } from './tool-error.js';
import { toolResult } from './tool-result.js';

const silent = pino({ level: 'silent' });
const PNG = 'iVBORw0KGgo=';

const tools = [
  defineTool({
    name: 'log_all',
    description: 'Logs at info and error.',
    input: z.object({}),
    tokenCost: 1,
    handler: async (_args, ctx) => {
      await ctx.sendLog!('info', 'an info line', 'fixture');
      await ctx.sendLog!('error', { problem: 'an error line' });
      return { logged: 2 };
    },
  }),
  defineTool({
    name: 'rich',
    description: 'Returns every content type.',
    input: z.object({ fail: z.boolean().default(false) }),
    tokenCost: 1,
    handler: async ({ fail }, ctx) => {
      ctx.reportTokens(42);
      ctx.reportCost?.(0.0125);
      return toolResult({
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', data: PNG, mimeType: 'image/png' },
          { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
          { type: 'resource', resource: { uri: 'mem://doc', mimeType: 'text/plain', text: 'embedded' } },
          { type: 'resource_link', uri: 'mem://doc', name: 'doc' },
        ],
        structuredContent: { answer: 1 },
        ...(fail ? { isError: true } : {}),
        _meta: { mine: true },
      });
    },
  }),
  defineTool({
    name: 'ask',
    description: 'Samples, elicits and lists roots.',
    input: z.object({}),
    tokenCost: 1,
    handler: async (_args, ctx) => {
      const sampled = await ctx.createMessage!({ messages: [{ role: 'user', content: { type: 'text', text: 'hi?' } }], maxTokens: 5 });
      const elicited = await ctx.elicit!({ message: 'name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
      const { roots } = await ctx.listRoots!();
      return { sampled: sampled.content.type === 'text' ? sampled.content.text : '', elicited: elicited.content ?? null, roots: roots.map((r) => r.uri) };
    },
  }),
  defineTool({
    name: 'touch',
    description: 'Announces that a resource changed.',
    input: z.object({ uri: z.string() }),
    tokenCost: 1,
    handler: async ({ uri }, ctx) => {
      await ctx.notifyResourceUpdated!(uri);
      return { touched: uri };
    },
  }),
];

const resources = [
  defineResource({ uri: 'mem://text', name: 'text', description: 'Text.', mimeType: 'text/plain', read: () => 'plain text' }),
  defineResource({ uri: 'mem://bytes', name: 'bytes', mimeType: 'application/octet-stream', size: 3, read: () => ({ blob: new Uint8Array([1, 2, 3]) }) }),
  defineResource({
    uri: 'mem://both',
    name: 'both',
    read: () => [{ text: 'a', mimeType: 'text/markdown' }, { uri: 'mem://both#2', blob: PNG, mimeType: 'image/png' }],
  }),
  defineResource({
    uri: 'mem://down',
    name: 'down',
    read: () => {
      throw new ToolError('upstream', 'the archive answered 503');
    },
  }),
  defineResource({
    uri: 'mem://bug',
    name: 'bug',
    read: () => {
      throw new Error('secret connection string postgres://u:p@h');
    },
  }),
];

const resourceTemplates = [
  defineResourceTemplate({
    uriTemplate: 'mem://users/{id}/profile',
    name: 'profile',
    mimeType: 'application/json',
    complete: { id: (value) => Array.from({ length: 150 }, (_, i) => `${value}${i}`) },
    read: (variables, _ctx, uri) => JSON.stringify({ variables, uri }),
  }),
];

const prompts = [
  definePrompt({
    name: 'greet',
    title: 'Greeting',
    description: 'Greets someone.',
    arguments: z.object({ name: z.string().describe('Who to greet'), tone: z.string().optional() }),
    complete: {
      name: (value, others) => ['ana', 'andrés', 'bo'].filter((n) => n.startsWith(value)).map((n) => (others['tone'] ? `${n} (${others['tone']})` : n)),
    },
    handler: ({ name, tone }) => [{ role: 'user', content: { type: 'text', text: `Hello ${name}${tone ? `, ${tone}` : ''}` } }],
  }),
  promptDefiner<unknown>()({
    name: 'listed',
    arguments: [{ name: 'topic', required: true }, { name: 'depth' }],
    handler: (args) => ({ description: 'with a description', messages: [{ role: 'assistant', content: { type: 'text', text: `topic=${args['topic']}` } }] }),
  }),
];

const configured: WorkerSetup<unknown> = { status: 'configured', mode: 'live', deps: async () => ({}) };

function worker(overrides: Partial<WorkerOptions<unknown>> = {}) {
  return defineWorker<unknown>({
    name: 'features',
    version: '1.0.0',
    description: 'Every MCP feature.',
    tools,
    resources,
    resourceTemplates,
    prompts,
    setup: () => configured,
    ...overrides,
  });
}

const clients: Client[] = [];
async function connect(
  options: { blueprint?: ReturnType<typeof worker>; capabilities?: ClientCapabilities; prepared?: ReturnType<ReturnType<typeof worker>['prepare']> } = {},
) {
  const prepared = options.prepared ?? (options.blueprint ?? worker()).prepare({}, silent);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await prepared.createServer().connect(serverSide);
  const client = new Client({ name: 'test', version: '1' }, { capabilities: options.capabilities ?? {} });
  const logs: LoggingMessageNotification['params'][] = [];
  const updates: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  await client.connect(clientSide);
  clients.push(client);
  return { client, prepared, logs, updates };
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function rpcError(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string; data?: unknown };
  }
  throw new Error('expected the request to fail');
}

describe('capabilities', () => {
  it('declares only what the worker defines, and logging always', async () => {
    const toolsOnly = await connect({ blueprint: worker({ resources: [], resourceTemplates: [], prompts: [] }) });
    expect(toolsOnly.client.getServerCapabilities()).toEqual({ tools: { listChanged: true }, logging: {} });

    const all = await connect();
    expect(all.client.getServerCapabilities()).toEqual({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      completions: {},
      logging: {},
    });
  });

  it('declares completions only when a completer exists', async () => {
    const { client } = await connect({ blueprint: worker({ resourceTemplates: [], prompts: [prompts[1]!] }) });
    expect(client.getServerCapabilities()?.completions).toBeUndefined();
    expect(client.getServerCapabilities()?.prompts).toEqual({ listChanged: true });
  });

  it('refuses mistakes in the definition at start-up', () => {
    expect(() => worker({ resources: [resources[0]!, resources[0]!] })).toThrow('resource mem://text is defined twice');
    expect(() => worker({ resourceTemplates: [{ ...resourceTemplates[0]!, uriTemplate: 'mem://fixed' }] })).toThrow('has no {variables}');
    expect(() => worker({ prompts: [{ ...prompts[0]!, complete: { nobody: () => [] } }] })).toThrow('completer for "nobody", which is not one of its arguments (name, tone)');
    expect(() => worker({ resourceTemplates: [{ ...resourceTemplates[0]!, complete: { user: () => [] } }] })).toThrow('not one of its arguments (id)');
    expect(() => worker({ prompts: [prompts[0]!, prompts[0]!] })).toThrow('prompt greet is defined twice');
  });
});

describe('resources', () => {
  it('lists resources and templates with their metadata', async () => {
    const { client } = await connect();
    const { resources: listed } = await client.listResources();
    expect(listed.slice(0, 2)).toEqual([
      { uri: 'mem://text', name: 'text', description: 'Text.', mimeType: 'text/plain' },
      { uri: 'mem://bytes', name: 'bytes', mimeType: 'application/octet-stream', size: 3 },
    ]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([
      { uriTemplate: 'mem://users/{id}/profile', name: 'profile', mimeType: 'application/json' },
    ]);
  });

  it('reads text, bytes as base64, and several contents, filling in uri and mimeType', async () => {
    const { client } = await connect();
    expect((await client.readResource({ uri: 'mem://text' })).contents).toEqual([{ uri: 'mem://text', mimeType: 'text/plain', text: 'plain text' }]);
    expect((await client.readResource({ uri: 'mem://bytes' })).contents).toEqual([
      { uri: 'mem://bytes', mimeType: 'application/octet-stream', blob: Buffer.from([1, 2, 3]).toString('base64') },
    ]);
    expect((await client.readResource({ uri: 'mem://both' })).contents).toEqual([
      { uri: 'mem://both', mimeType: 'text/markdown', text: 'a' },
      { uri: 'mem://both#2', mimeType: 'image/png', blob: PNG },
    ]);
  });

  it('reads through a template with the matched variables', async () => {
    const { client } = await connect();
    const { contents } = await client.readResource({ uri: 'mem://users/42/profile' });
    expect(contents).toEqual([
      { uri: 'mem://users/42/profile', mimeType: 'application/json', text: JSON.stringify({ variables: { id: '42' }, uri: 'mem://users/42/profile' }) },
    ]);
  });

  it('answers an unknown URI with MCP resource-not-found (-32002)', async () => {
    const { client } = await connect();
    const error = await rpcError(client.readResource({ uri: 'mem://nothing' }));
    expect(error.code).toBe(RESOURCE_NOT_FOUND);
    expect(error.message).toContain('resource mem://nothing not found');
    expect((await rpcError(client.subscribeResource({ uri: 'mem://nothing' }))).code).toBe(RESOURCE_NOT_FOUND);
  });

  it('turns a ToolError into its JSON-RPC code and hides unexpected errors', async () => {
    const { client } = await connect();
    const upstream = await rpcError(client.readResource({ uri: 'mem://down' }));
    expect(upstream.code).toBe(errorSpec('UPSTREAM_ERROR').code);
    expect(upstream.message).toContain('the archive answered 503');
    const bug = await rpcError(client.readResource({ uri: 'mem://bug' }));
    expect(bug.code).toBe(ErrorCode.InternalError);
    expect(bug.message).toContain('resource mem://bug failed unexpectedly');
    expect(bug.message).not.toContain('postgres://');
  });

  it('answers an unconfigured worker with SERVICE_UNCONFIGURED naming the variables', async () => {
    const blueprint = worker({ setup: () => ({ status: 'unconfigured', missing: ['ARCHIVE_URL'], reason: 'set ARCHIVE_URL' }) });
    const { client } = await connect({ blueprint });
    expect((await client.listResources()).resources.length).toBe(5);
    const error = await rpcError(client.readResource({ uri: 'mem://text' }));
    expect(error.code).toBe(errorSpec('SERVICE_UNCONFIGURED').code);
    expect(error.data).toEqual({ missing: ['ARCHIVE_URL'] });
  });

  it('sends resources/updated only to clients subscribed to that URI, until they unsubscribe', async () => {
    const prepared = worker().prepare({}, silent);
    const a = await connect({ prepared });
    const b = await connect({ prepared });
    await a.client.subscribeResource({ uri: 'mem://text' });
    await b.client.subscribeResource({ uri: 'mem://users/7/profile' });

    await b.client.callTool({ name: 'touch', arguments: { uri: 'mem://text' } });
    await prepared.notifyResourceUpdated('mem://users/7/profile');
    await a.client.ping();
    await b.client.ping();
    expect(a.updates).toEqual(['mem://text']);
    expect(b.updates).toEqual(['mem://users/7/profile']);

    await a.client.unsubscribeResource({ uri: 'mem://text' });
    await prepared.notifyResourceUpdated('mem://text');
    await a.client.ping();
    expect(a.updates).toEqual(['mem://text']);
  });
});

describe('prompts', () => {
  it('lists prompts with arguments derived from a zod object or given as a list', async () => {
    const { client } = await connect();
    expect((await client.listPrompts()).prompts).toEqual([
      {
        name: 'greet',
        title: 'Greeting',
        description: 'Greets someone.',
        arguments: [
          { name: 'name', description: 'Who to greet', required: true },
          { name: 'tone', required: false },
        ],
      },
      { name: 'listed', arguments: [{ name: 'topic', required: true }, { name: 'depth' }] },
    ]);
  });

  it('gets a prompt with validated arguments; a handler may return messages or a full result', async () => {
    const { client } = await connect();
    expect(await client.getPrompt({ name: 'greet', arguments: { name: 'ana', tone: 'warmly' } })).toEqual({
      messages: [{ role: 'user', content: { type: 'text', text: 'Hello ana, warmly' } }],
    });
    expect(await client.getPrompt({ name: 'listed', arguments: { topic: 'tides' } })).toEqual({
      description: 'with a description',
      messages: [{ role: 'assistant', content: { type: 'text', text: 'topic=tides' } }],
    });
  });

  it('refuses missing, unknown and misnamed arguments with InvalidParams', async () => {
    const { client } = await connect();
    const missing = await rpcError(client.getPrompt({ name: 'greet', arguments: {} }));
    expect(missing.code).toBe(ErrorCode.InvalidParams);
    expect(missing.message).toContain('invalid arguments for prompt greet: name');
    const unknown = await rpcError(client.getPrompt({ name: 'listed', arguments: { topic: 'x', colour: 'red' } }));
    expect(unknown.message).toContain('unknown argument(s) colour (known: topic, depth)');
    const required = await rpcError(client.getPrompt({ name: 'listed', arguments: {} }));
    expect(required.message).toContain('missing required argument(s) topic');
    const noSuch = await rpcError(client.getPrompt({ name: 'nope' }));
    expect(noSuch.code).toBe(ErrorCode.InvalidParams);
    expect(noSuch.message).toContain('unknown prompt "nope"; features has: greet, listed');
  });
});

describe('completions', () => {
  it('completes a prompt argument using the arguments already given', async () => {
    const { client } = await connect();
    const result = await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'an' }, context: { arguments: { tone: 'kindly' } } });
    expect(result.completion).toEqual({ values: ['ana (kindly)', 'andrés (kindly)'], total: 2, hasMore: false });
  });

  it('caps template completions at 100 values and says there are more', async () => {
    const { client } = await connect();
    const result = await client.complete({ ref: { type: 'ref/resource', uri: 'mem://users/{id}/profile' }, argument: { name: 'id', value: 'u' } });
    expect(result.completion.values).toHaveLength(100);
    expect(result.completion).toMatchObject({ total: 150, hasMore: true });
  });

  it('answers an argument without a completer with no values, and an unknown reference with an error', async () => {
    const { client } = await connect();
    expect((await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'tone', value: '' } })).completion).toEqual({ values: [], hasMore: false });
    expect((await rpcError(client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } }))).code).toBe(ErrorCode.InvalidParams);
    expect((await rpcError(client.complete({ ref: { type: 'ref/resource', uri: 'mem://else/{x}' }, argument: { name: 'x', value: '' } }))).code).toBe(RESOURCE_NOT_FOUND);
  });
});

describe('MCP logging from handlers', () => {
  it('sends every level until the client sets one, then only that level and above', async () => {
    const { client, logs } = await connect();
    await client.callTool({ name: 'log_all', arguments: {} });
    expect(logs).toEqual([
      { level: 'info', logger: 'fixture', data: 'an info line' },
      { level: 'error', data: { problem: 'an error line' } },
    ]);

    logs.length = 0;
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'log_all', arguments: {} });
    expect(logs).toEqual([{ level: 'error', data: { problem: 'an error line' } }]);
  });

  it('keeps the level per connection', async () => {
    const prepared = worker().prepare({}, silent);
    const quiet = await connect({ prepared });
    const chatty = await connect({ prepared });
    await quiet.client.setLoggingLevel('emergency');
    await quiet.client.callTool({ name: 'log_all', arguments: {} });
    await chatty.client.callTool({ name: 'log_all', arguments: {} });
    expect(quiet.logs).toEqual([]);
    expect(chatty.logs).toHaveLength(2);
  });
});

describe('full tool results (toolResult)', () => {
  it('passes every content type, structuredContent, isError and _meta through, adding the kit keys', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'rich', arguments: { fail: true }, _meta: { [MetaKeys.requestId]: 'r-9' } });
    expect(result).toEqual({
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'mem://doc', mimeType: 'text/plain', text: 'embedded' } },
        { type: 'resource_link', uri: 'mem://doc', name: 'doc' },
      ],
      structuredContent: { answer: 1 },
      isError: true,
      _meta: { mine: true, [MetaKeys.requestId]: 'r-9', [MetaKeys.tokensUsed]: 42, [MetaKeys.costUsd]: 0.0125 },
    });
  });
});

describe('requests to the client (sampling, elicitation, roots)', () => {
  it('asks the client and uses its answers', async () => {
    const { client } = await connect({ capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'sampled!' }, model: 'm' }));
    client.setRequestHandler(ElicitRequestSchema, (request) => ({ action: 'accept', content: { name: String(request.params.message) } }));
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
    const result = await client.callTool({ name: 'ask', arguments: {} });
    expect(result.structuredContent).toEqual({ sampled: 'sampled!', elicited: { name: 'name?' }, roots: ['file:///work'] });
  });

  it('fails the tool with a clear message when the client lacks the capability', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'ask', arguments: {} });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]!.text).toBe('the client does not support sampling (sampling/createMessage)');
  });

  it("reports the client's refusal as a tool failure", async () => {
    const { client } = await connect({ capabilities: { sampling: {}, elicitation: {}, roots: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, () => {
      throw new Error('user declined sampling');
    });
    const result = await client.callTool({ name: 'ask', arguments: {} });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]!.text).toContain('sampling/createMessage failed: ');
    expect((result.content as { text: string }[])[0]!.text).toContain('user declined sampling');
  });
});
