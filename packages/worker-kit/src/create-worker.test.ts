import { afterEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { MetaKeys, WorkerMethods, healthReportSchema, serviceManifestSchema } from '@mcpgw/protocol';
import pino from 'pino';
import { z } from 'zod';
import { defineWorker, type WorkerSetup } from './create-worker.js';
import { toolDefiner } from './define-tool.js';
import { ToolError } from './tool-error.js';

interface Deps {
  greeting: string;
  aborted: number;
}
const tool = toolDefiner<Deps>();
const silent = pino({ level: 'silent' });

const greet = tool({
  name: 'greet',
  description: 'Greets someone.',
  input: z.object({ name: z.string().min(1), times: z.number().int().positive().default(1) }),
  tokenCost: 12,
  annotations: { readOnlyHint: true },
  handler: async ({ name, times }, ctx) => ({ text: Array(times).fill(`${ctx.deps.greeting} ${name}`).join(' ') }),
});
const refuse = tool({
  name: 'refuse',
  description: 'Always refuses.',
  input: z.object({}),
  tokenCost: 1,
  handler: async () => {
    throw new ToolError('rejected', 'not allowed: writes are disabled');
  },
});
const leak = tool({
  name: 'leak',
  description: 'Throws an unexpected error.',
  input: z.object({}),
  tokenCost: 1,
  handler: async () => {
    throw new Error('connect ECONNREFUSED postgres://admin:s3cret@db');
  },
});
const wait = tool({
  name: 'wait',
  description: 'Waits until cancelled.',
  input: z.object({}),
  tokenCost: 1,
  handler: (_args, ctx) =>
    new Promise<never>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        ctx.deps.aborted++;
        reject(new ToolError('failed', 'cancelled'));
      });
    }),
});

const purge = tool({
  name: 'purge',
  description: 'Deletes everything (destructive).',
  input: z.object({ target: z.string() }),
  tokenCost: 1,
  annotations: { destructiveHint: true },
  handler: async ({ target }) => ({ purged: target }),
});

const deps: Deps = { greeting: 'hello', aborted: 0 };
const configured: WorkerSetup<Deps> = { status: 'configured', mode: 'embedded', notes: 'sample data', deps: async () => deps };

function blueprint(setup: WorkerSetup<Deps> = configured) {
  return defineWorker<Deps>({
    name: 'greeter',
    version: '2.0.0',
    description: 'Greets.',
    tools: [greet, refuse, leak, wait, purge],
    commands: [{ pattern: 'greet <name>', tool: 'greet', description: 'Say hello.' }],
    requiredEnv: ['GREETER_TOKEN'],
    setup: () => setup,
    health: async () => ({ status: 'ok', pools: [{ name: 'main', size: 2, idle: 1, waiting: 0 }] }),
  });
}

const clients: Client[] = [];
async function connect(setup?: WorkerSetup<Deps>, env: Record<string, string> = {}) {
  const worker = blueprint(setup).prepare(env, silent);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await worker.createServer().connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  clients.push(client);
  return { client, worker };
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('createWorker', () => {
  it('lists each tool once with its JSON Schema, token cost and hints', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    const listed = tools.find((t) => t.name === 'greet')!;
    expect(listed.inputSchema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 }, times: { type: 'integer', default: 1 } },
      required: ['name'],
      additionalProperties: false,
    });
    expect(listed.annotations).toEqual({ readOnlyHint: true });
    expect(listed._meta).toEqual({ [MetaKeys.tokenCost]: 12 });
  });

  it('runs a tool with validated arguments and returns structured content', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'greet', arguments: { name: 'ana', times: 2 }, _meta: { [MetaKeys.requestId]: 'r-1' } });
    expect(result.structuredContent).toEqual({ text: 'hello ana hello ana' });
    expect(result._meta).toEqual({ [MetaKeys.requestId]: 'r-1', [MetaKeys.metadata]: { embedded: true } });
  });

  it('rejects invalid arguments before the handler runs, naming each failing path', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'greet', arguments: { name: '', times: 'x', extra: 1 } });
    expect(result.isError).toBe(true);
    const info = (result._meta as Record<string, { kind: string; issues: { path: string }[] }>)[MetaKeys.error]!;
    expect(info.kind).toBe('invalid_arguments');
    expect(info.issues.map((i) => i.path).sort()).toEqual(['', 'name', 'times']);
    expect((result.content as { text: string }[])[0]!.text).toMatch(/invalid arguments for greet: .*name/);
  });

  it('gives a destructive tool a required confirm: true argument and refuses the call without it', async () => {
    const { client } = await connect();
    const listed = (await client.listTools()).tools.find((t) => t.name === 'purge')!;
    expect(listed.inputSchema).toMatchObject({ required: expect.arrayContaining(['target', 'confirm']), properties: { confirm: { const: true } } });
    for (const args of [{ target: 'x' }, { target: 'x', confirm: false }, { target: 'x', confirm: 'yes' }]) {
      const refused = await client.callTool({ name: 'purge', arguments: args });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain('purge is destructive: call it again with \\"confirm\\": true to go ahead');
    }
    const done = await client.callTool({ name: 'purge', arguments: { target: 'x', confirm: true } });
    expect(done.structuredContent).toEqual({ purged: 'x' });
  });

  it('refuses a destructive tool that declares confirm itself', () => {
    const bad = tool({ name: 'drop', description: 'd', input: z.object({ confirm: z.boolean() }), tokenCost: 1, annotations: { destructiveHint: true }, handler: async () => ({}) });
    expect(() =>
      defineWorker<Deps>({ name: 'x', version: '1', description: 'x', tools: [bad], commands: [], requiredEnv: [], setup: () => configured }).prepare({}, silent),
    ).toThrow(/destructive tools get "confirm" from the kit/);
  });

  it('gives handlers the calling agent the gateway sent as _meta["mcpgw/agent"]', async () => {
    const whoami = tool({ name: 'whoami', description: 'w', input: z.object({}), tokenCost: 1, handler: async (_args, ctx) => ({ agent: ctx.agent ?? null }) });
    const worker = defineWorker<Deps>({ name: 'x', version: '1', description: 'x', tools: [whoami], setup: () => configured }).prepare({}, silent);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await worker.createServer().connect(serverSide);
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(clientSide);
    clients.push(client);
    expect((await client.callTool({ name: 'whoami', arguments: {}, _meta: { [MetaKeys.agent]: 'agent_001' } })).structuredContent).toEqual({ agent: 'agent_001' });
    expect((await client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toEqual({ agent: null });
  });

  it('answers an unknown tool with a protocol error that lists the tools', async () => {
    const { client } = await connect();
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/unknown tool "nope"; greeter has: greet, refuse, leak, wait, purge/);
  });

  it('reports a ToolError with its kind and hides unexpected errors', async () => {
    const { client } = await connect();
    const refused = await client.callTool({ name: 'refuse', arguments: {} });
    expect((refused._meta as Record<string, unknown>)[MetaKeys.error]).toEqual({ kind: 'rejected', message: 'not allowed: writes are disabled' });
    const leaked = await client.callTool({ name: 'leak', arguments: {}, _meta: { [MetaKeys.requestId]: 'r-9' } });
    expect(leaked.isError).toBe(true);
    expect(JSON.stringify(leaked)).not.toMatch(/s3cret|ECONNREFUSED/);
    expect(JSON.stringify(leaked)).toContain('r-9');
  });

  it('aborts the handler when the client cancels', async () => {
    const { client } = await connect();
    const controller = new AbortController();
    const call = client.request({ method: 'tools/call', params: { name: 'wait', arguments: {} } }, CallToolResultSchema, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    const before = deps.aborted;
    controller.abort('test');
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 20));
    expect(deps.aborted).toBe(before + 1);
  });

  it('serves its manifest and health over custom methods', async () => {
    const { client } = await connect();
    const manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest).toMatchObject({ name: 'greeter', version: '2.0.0', mode: 'embedded', notes: 'sample data', requiredEnv: ['GREETER_TOKEN'] });
    expect(manifest.tools.map((t) => t.name)).toEqual(['greet', 'refuse', 'leak', 'wait', 'purge']);
    expect(manifest.commands).toEqual([{ pattern: 'greet <name>', tool: 'greet', description: 'Say hello.' }]);
    const health = await client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health).toMatchObject({ status: 'ok', pools: [{ name: 'main', size: 2, idle: 1, waiting: 0 }] });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('takes its service name from MCPGW_SERVICE_NAME when set', async () => {
    const { client } = await connect(configured, { MCPGW_SERVICE_NAME: 'greeter-eu' });
    const manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest.name).toBe('greeter-eu');
    expect(client.getServerVersion()?.name).toBe('greeter-eu');
  });

  it('starts unconfigured without crashing and answers calls naming the missing variables', async () => {
    const { client } = await connect({ status: 'unconfigured', missing: ['GREETER_TOKEN'], reason: 'set GREETER_TOKEN' });
    const result = await client.callTool({ name: 'greet', arguments: { name: 'ana' } });
    expect(result.isError).toBe(true);
    expect((result._meta as Record<string, unknown>)[MetaKeys.error]).toMatchObject({ kind: 'unconfigured', missing: ['GREETER_TOKEN'] });
    const health = await client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health).toMatchObject({ status: 'unconfigured', missing: ['GREETER_TOKEN'], reason: 'set GREETER_TOKEN' });
  });

  it('reports down, not crash, when its dependencies fail to open', async () => {
    const { client } = await connect({
      status: 'configured',
      mode: 'live',
      deps: async () => {
        throw new ToolError('upstream', 'database refused the connection');
      },
    });
    const result = await client.callTool({ name: 'greet', arguments: { name: 'ana' } });
    expect((result._meta as Record<string, unknown>)[MetaKeys.error]).toMatchObject({ kind: 'upstream', message: 'greeter is down: database refused the connection' });
    const health = await client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health).toMatchObject({ status: 'down', reason: 'database refused the connection' });
  });

  it('announces a health change when its dependencies finish opening', async () => {
    let open!: (deps: Deps) => void;
    const { client } = await connect({ status: 'configured', mode: 'live', deps: () => new Promise<Deps>((resolve) => (open = resolve)) });
    const announced = new Promise<void>((resolve) =>
      client.setNotificationHandler(z.object({ method: z.literal(WorkerMethods.healthChanged) }), () => resolve()),
    );
    expect(await client.request({ method: WorkerMethods.health }, healthReportSchema)).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/starting/) });
    open(deps);
    await announced;
    expect(await client.request({ method: WorkerMethods.health }, healthReportSchema)).toMatchObject({ status: 'ok' });
  });

  it('refuses a definition whose command names an unknown tool or argument', () => {
    const base = { name: 'x', version: '1', description: '', tools: [greet], setup: () => configured };
    expect(() => defineWorker({ ...base, commands: [{ pattern: 'go', tool: 'missing', description: '' }] })).toThrow(/unknown tool missing/);
    expect(() => defineWorker({ ...base, commands: [{ pattern: 'greet <who>', tool: 'greet', description: '' }] })).toThrow(/no argument "who"/);
  });
});
