import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkerMethods, serviceManifestSchema } from '@mcpgw/protocol';
import { TEST_WORKER_ENTRY } from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** A worker is a plain MCP server: the SDK's own client, launching it as a command, can use it. */
let client: Client;

beforeAll(async () => {
  client = new Client({ name: 'any-mcp-client', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [TEST_WORKER_ENTRY], env: { LOG_LEVEL: 'silent' }, stderr: 'ignore' }));
});
afterAll(async () => {
  await client?.close();
});

describe('a worker used directly over stdio', () => {
  it('completes the MCP handshake and lists its tools with schemas and hints', async () => {
    expect(client.getServerVersion()).toEqual({ name: 'echo', version: '1.0.0' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'sleep', 'crash', 'fail', 'explode', 'stdout_noise', 'worker_stats', 'environment', 'read_flag', 'progress_steps', 'close_stream', 'metered']);
    expect(tools.find((t) => t.name === 'crash')?.annotations).toEqual({ idempotentHint: false });
  });

  it('runs a tool, returning both text and structured content to a generic client', async () => {
    const result = await client.callTool({ name: 'echo', arguments: { message: 'direct' } });
    expect(result.structuredContent).toEqual({ echo: { message: 'direct' } });
    expect(result.content).toEqual([{ type: 'text', text: '{"echo":{"message":"direct"}}' }]);
  });

  it('answers the gateway\'s manifest method to any client', async () => {
    const manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest.commands.map((c) => c.pattern)).toEqual(['echo <message...>', 'sleep <ms>', 'stats']);
  });
});
