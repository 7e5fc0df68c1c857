import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REDIS_URL, waitFor } from '@mcpgw/test-support';
import { readEvictionPolicy, warnUnlessNoEviction } from './eviction-policy-check.js';

/** A private redis-server with an evicting policy (the shared one must stay noeviction). */
let server: ChildProcess;
let url: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
  url = `redis://127.0.0.1:${port}`;
  await waitFor(async () => (await readEvictionPolicy(url, 200)) !== undefined, 10_000, 'the private redis-server');
});

afterAll(() => {
  server?.kill();
});

describe('Redis eviction policy check (D6)', () => {
  it('warns when Redis may evict keys', async () => {
    const warnings: string[] = [];
    expect(await warnUnlessNoEviction(url, { warn: (_o, m) => warnings.push(m ?? '') })).toBe('allkeys-lru');
    expect(warnings).toEqual([expect.stringMatching(/maxmemory-policy allkeys-lru.*set maxmemory-policy noeviction/)]);
  });

  it('stays quiet on noeviction and when Redis cannot be asked', async () => {
    const warnings: string[] = [];
    const log = { warn: (_o: object, m?: string) => warnings.push(m ?? '') };
    expect(await warnUnlessNoEviction(REDIS_URL, log)).toBe('noeviction');
    expect(await warnUnlessNoEviction('redis://127.0.0.1:1', log)).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});
