import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { TEST_WORKER_ENTRY, postJson, runMcpgw, startGateway, type GatewayProcess } from '@mcpgw/test-support';

/**
 * Without DATABASE_URL the gateway keeps keys and audit rows in the embedded store under
 * MCPGW_DATA_DIR: the CLI reaches it through the running gateway, and it survives restarts.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-embedded-'));
const env = { WORKERS: 'none', EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`, MCPGW_DATA_DIR: dataDir, LOCALHOST_BYPASS: 'false' };
const cliEnv = { MCPGW_DATA_DIR: dataDir };
const running: GatewayProcess[] = [];

afterAll(async () => {
  for (const gateway of running) await gateway.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (gateway: GatewayProcess, key: string, requestId: string) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'echo', tool: 'echo', arguments: { message: 'hi' } } }, { 'x-mcp-key': key, 'x-request-id': requestId });

describe('the embedded store', () => {
  it('serves keys made by the CLI while the gateway runs, refuses a second owner, and survives a restart', async () => {
    const first = await startGateway({ store: 'given', env, timeoutMs: 60_000 });
    running.push(first);
    const created = await runMcpgw(['keys', 'create', '--name', 'agent-embedded', '--scopes', 'echo', '--expires', '1d'], cliEnv);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect((await call(first, key, 'embedded-1')).status).toBe(200);
    expect((await call(first, 'mcp_live_nope', 'embedded-refused')).status).toBe(401);

    // One gateway per data directory: a second one says who holds it, and stops.
    const second = startGateway({ store: 'given', env, timeoutMs: 60_000 });
    await expect(second).rejects.toThrow(/in use by process \d+/);

    await first.stop();
    running.pop();
    // The CLI opens the store itself when no gateway runs.
    const tail = await runMcpgw(['audit', 'tail', '--agent', 'agent-embedded', '--json'], cliEnv);
    expect(tail.code).toBe(0);
    const rows = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as { requestId: string; outcome: string });
    expect(rows).toEqual([expect.objectContaining({ requestId: 'embedded-1', outcome: 'ok' })]);

    const restarted = await startGateway({ store: 'given', env, timeoutMs: 60_000 });
    running.push(restarted);
    expect((await call(restarted, key, 'embedded-2')).status).toBe(200);
    const list = await runMcpgw(['keys', 'list', '--json'], cliEnv);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'agent-embedded', status: 'active', lastUsedAt: expect.any(String) })]);
  }, 120_000);
});
