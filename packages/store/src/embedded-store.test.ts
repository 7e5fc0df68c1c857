import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordingLogger, tmpCacheDir } from './__fixtures__/store-harness.js';
import { openStore, StoreError, type GatewayStore, type NewApiKey } from './index.js';

const cacheDir = tmpCacheDir();
const scratch = mkdtempSync(`${tmpdir()}/mcpgw-embedded-`);
const log = recordingLogger();

afterAll(() => {
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function key(prefix: string): NewApiKey {
  return { prefix, hash: 'ab'.repeat(32), name: prefix, scopes: ['tools:call'], expiresAt: null, rateLimitMax: null, rateLimitWindowMs: null };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** The pid of a process that has certainly exited. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the embedded store', () => {
  const dataDir = `${scratch}/data`;
  let owner: GatewayStore;

  beforeAll(async () => {
    owner = await openStore({ dataDir, cacheDir, log, embeddedRole: 'owner' });
  }, 180_000);

  afterAll(async () => {
    await owner?.close();
  }, 60_000);

  it('creates its data dir readable by its user only, and reports it as its location', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(owner.engine).toBe('embedded');
    expect(owner.location).toBe(dataDir);
  });

  it('records its pid and socket in the lock file', () => {
    const lock = JSON.parse(readFileSync(`${dataDir}/store.lock`, 'utf8')) as { pid: number; socket: string };
    expect(lock).toEqual({ pid: process.pid, socket: `${dataDir}/.s.PGSQL.5432` });
    expect(statSync(lock.socket).isSocket()).toBe(true);
  });

  it('refuses a second owner with code locked, naming the data dir and the owner', async () => {
    const error = await rejection(openStore({ dataDir, cacheDir, log, embeddedRole: 'owner' }));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('locked');
    expect((error as StoreError).message).toBe(
      `the embedded store at ${dataDir} is in use by process ${process.pid}; stop it or use another MCPGW_DATA_DIR`,
    );
    await owner.ping();
  });

  it('lets an auto open join the running owner as a client: each sees the rows of the other', async () => {
    await owner.keys.create(key('mcp_live_fromowner'));
    const client = await openStore({ dataDir, cacheDir, log });
    try {
      expect(client.engine).toBe('embedded');
      expect((await client.keys.findByPrefix('mcp_live_fromowner'))?.name).toBe('mcp_live_fromowner');
      await client.keys.create(key('mcp_live_fromclient'));
      expect((await owner.keys.findByPrefix('mcp_live_fromclient'))?.name).toBe('mcp_live_fromclient');
    } finally {
      await client.close();
    }
    // The client leaving does not stop the owner's engine.
    expect(await owner.keys.list()).toHaveLength(2);
    expect(existsSync(`${dataDir}/store.lock`)).toBe(true);
  });

  it('keeps its data across close and reopen, removes its lock and socket on close, and migrates nothing the second time', async () => {
    const other = `${scratch}/reopen`;
    const first = await openStore({ dataDir: other, cacheDir, log });
    await first.keys.create(key('mcp_live_durable'));
    await first.audit.append([
      {
        at: new Date('2026-01-01T00:00:00Z'),
        requestId: 'durable-1',
        agent: 'durable',
        authMethod: 'local',
        service: null,
        tool: null,
        outcome: 'ok',
        errorCode: null,
        errorName: null,
        durationMs: 1,
        peer: null,
        endpoint: '/mcp/rpc',
      },
    ]);
    await first.close();
    await first.close();
    expect(existsSync(`${other}/store.lock`)).toBe(false);
    expect(existsSync(`${other}/.s.PGSQL.5432`)).toBe(false);

    const migratedBefore = log.entries.filter((e) => e.msg === 'gateway store migrated').length;
    const second = await openStore({ dataDir: other, cacheDir, log });
    try {
      expect((await second.keys.findByPrefix('mcp_live_durable'))?.name).toBe('mcp_live_durable');
      expect((await second.audit.query({ agent: 'durable', limit: 10 })).rows.map((r) => r.requestId)).toEqual(['durable-1']);
      expect(await second.migrate()).toEqual([]);
      expect(log.entries.filter((e) => e.msg === 'gateway store migrated')).toHaveLength(migratedBefore);
    } finally {
      await second.close();
    }
    const error = await rejection(second.keys.list());
    expect((error as StoreError).code).toBe('unavailable');
  }, 120_000);

  it('takes over a lock left by a process that has exited', async () => {
    const stale = `${scratch}/stale`;
    const seed = await openStore({ dataDir: stale, cacheDir, log });
    await seed.keys.create(key('mcp_live_beforecrash'));
    await seed.close();
    const pid = await exitedPid();
    // What a crashed owner leaves: its lock and its socket file.
    writeFileSync(`${stale}/store.lock`, JSON.stringify({ pid, socket: `${stale}/.s.PGSQL.5432` }));
    writeFileSync(`${stale}/.s.PGSQL.5432`, '');
    const store = await openStore({ dataDir: stale, cacheDir, log, embeddedRole: 'owner' });
    try {
      expect((await store.keys.findByPrefix('mcp_live_beforecrash'))?.name).toBe('mcp_live_beforecrash');
      expect(JSON.parse(readFileSync(`${stale}/store.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    } finally {
      await store.close();
    }
  }, 120_000);

  it('takes over a lock naming its own pid that it does not hold (a restarted container reuses pid 1)', async () => {
    const reused = `${scratch}/reused`;
    const seed = await openStore({ dataDir: reused, cacheDir, log });
    await seed.close();
    writeFileSync(`${reused}/store.lock`, JSON.stringify({ pid: process.pid, socket: `${reused}/.s.PGSQL.5432` }));
    const store = await openStore({ dataDir: reused, cacheDir, log, embeddedRole: 'owner' });
    await store.close();
  }, 120_000);

  it('listens on loopback TCP, with a warning, when the socket path would be too long', async () => {
    const deep = `${scratch}/${'d'.repeat(60)}/${'e'.repeat(60)}`;
    const store = await openStore({ dataDir: deep, cacheDir, log });
    try {
      const lock = JSON.parse(readFileSync(`${deep}/store.lock`, 'utf8')) as { socket: string };
      expect(lock.socket).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(log.entries.some((e) => e.level === 'warn' && /listening on 127\.0\.0\.1/.test(e.msg ?? ''))).toBe(true);
      await store.keys.create(key('mcp_live_overtcp'));
      const client = await openStore({ dataDir: deep, cacheDir, log });
      try {
        expect((await client.keys.findByPrefix('mcp_live_overtcp'))?.name).toBe('mcp_live_overtcp');
      } finally {
        await client.close();
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  it('refuses a relative data dir with code invalid', async () => {
    const error = await rejection(openStore({ dataDir: 'relative/dir', log }));
    expect((error as StoreError).code).toBe('invalid');
  });
});
