import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, DATABASE_URL, waitFor, type TestDatabase } from '@mcpgw/test-support';
import { recordingLogger } from './__fixtures__/store-harness.js';
import { MIGRATIONS, openStore, StoreError } from './index.js';

const PASSWORD = 'pw-s3cret-9f1c';
const dataDir = mkdtempSync(`${tmpdir()}/mcpgw-store-unused-`);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** A TCP relay to the test PostgreSQL on a fixed port that can be switched on and off: a server that comes and goes. */
class SwitchableRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(readonly port: number) {}

  static async onFreePort(): Promise<SwitchableRelay> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return new SwitchableRelay(port);
  }

  async start(): Promise<void> {
    const target = new URL(DATABASE_URL);
    this.server = createServer((downstream) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [downstream, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => this.sockets.delete(socket));
      }
      downstream.pipe(upstream).pipe(downstream);
      downstream.on('close', () => upstream.destroy());
      upstream.on('close', () => downstream.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** Stops listening and cuts every relayed connection, like a server going down. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }
}

describe('the gateway store when PostgreSQL cannot be reached', () => {
  let database: TestDatabase;
  let relay: SwitchableRelay;

  /** The test database, reached through the relay, with a password in the URL (trust auth ignores it). */
  function relayedUrl(): string {
    const url = new URL(database.url);
    url.username = 'postgres';
    url.password = PASSWORD;
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    return url.toString();
  }

  beforeAll(async () => {
    database = await createTestDatabase('mcpgw_store_down');
    relay = await SwitchableRelay.onFreePort();
  });

  afterAll(async () => {
    await relay?.stop();
    await database?.drop();
  });

  it('fails to open with code unavailable, naming where but never the password', async () => {
    const log = recordingLogger();
    for (const migrate of [true, false]) {
      const error = await rejection(
        openStore({ databaseUrl: `postgres://gateway:${PASSWORD}@127.0.0.1:1/gatewaydb`, dataDir, log, connectTimeoutMs: 2_000, migrate }),
      );
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('unavailable');
      expect((error as StoreError).message).toContain('127.0.0.1:1/gatewaydb');
      expect((error as StoreError).message).not.toContain(PASSWORD);
      expect((error as StoreError).message).not.toContain('gateway:');
    }
    expect(log.text()).not.toContain(PASSWORD);
  });

  it('gives up within the connect timeout on a server that accepts but never answers', async () => {
    const silent = createServer(() => undefined);
    const held = new Set<Socket>();
    silent.on('connection', (socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const error = await rejection(openStore({ databaseUrl: `postgres://gateway:${PASSWORD}@127.0.0.1:${port}/db`, dataDir, log: recordingLogger(), connectTimeoutMs: 300 }));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('unavailable');
      expect((error as StoreError).message).not.toContain(PASSWORD);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('opens anyway when lazy, and migrates on the first ping that reaches the server', async () => {
    const log = recordingLogger();
    const store = await openStore({ databaseUrl: relayedUrl(), dataDir, log, lazy: true, connectTimeoutMs: 2_000 });
    try {
      expect(store.location).toBe(`127.0.0.1:${relay.port}/${database.name}`);
      expect(log.entries.some((e) => e.level === 'warn' && /unreachable/.test(e.msg ?? ''))).toBe(true);
      for (const attempt of [store.ping(), store.keys.list(), store.audit.query({ limit: 1 })]) {
        const error = await rejection(attempt);
        expect((error as StoreError).code).toBe('unavailable');
        expect((error as StoreError).message).not.toContain(PASSWORD);
      }
      await relay.start();
      await store.ping();
      expect(log.entries.some((e) => e.msg === 'gateway store migrated')).toBe(true);
      expect((await database.query('SELECT version FROM mcpgw.schema_migrations ORDER BY version')).rows).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
      expect(await store.keys.list()).toEqual([]);
    } finally {
      await store.close();
      await relay.stop();
    }
    expect(log.text()).not.toContain(PASSWORD);
  });

  it('turns a server that goes away into code unavailable, logging (not throwing) the broken idle connections', async () => {
    const log = recordingLogger();
    await relay.start();
    const store = await openStore({ databaseUrl: relayedUrl(), dataDir, log, connectTimeoutMs: 2_000 });
    try {
      await store.keys.list();
      await relay.stop();
      await waitFor(() => log.entries.some((e) => e.level === 'error' && e.msg === 'a gateway store connection failed while idle'), 10_000, 'the idle-connection error log');
      const error = await rejection(store.keys.list());
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('unavailable');
      await relay.start();
      await store.ping();
      expect(await store.keys.list()).toEqual([]);
    } finally {
      await store.close();
      await relay.stop();
    }
    expect(log.text()).not.toContain(PASSWORD);
  });
});
