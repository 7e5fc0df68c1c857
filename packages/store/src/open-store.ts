import { mkdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import pg from 'pg';
import { credentialRedactor, describeDatabaseUrl } from './connection-url.js';
import { EmbeddedEngine } from './embedded-engine.js';
import { claimLock, type OwnedLock } from './embedded-lock.js';
import { connectionFor, socketPathFor } from './embedded-socket.js';
import { validateSchemaName } from './migrations.js';
import { SqlStore } from './sql-store.js';
import { isUnavailableError, StoreError } from './store-error.js';
import type { GatewayStore, OpenStoreOptions } from './store-types.js';

/** Idle connections are closed after this long (the embedded engine reconnects cheaply, Postgres frees slots). */
const IDLE_TIMEOUT_MS = 30_000;

/** How long a client waits for an owner that is still starting its engine (initdb can take a while). */
const CLIENT_WAIT_MS = 120_000;

interface PoolSettings {
  max: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/**
 * Opens the gateway store: PostgreSQL when `databaseUrl` is set, otherwise the embedded engine
 * under `dataDir` (owned by one process; others join it as clients through its socket). Runs the
 * migrations unless `migrate: false`. An unreachable database throws StoreError `unavailable`,
 * except PostgreSQL with `lazy: true`, which opens anyway and migrates on first contact.
 */
export async function openStore(options: OpenStoreOptions): Promise<GatewayStore> {
  const schema = validateSchemaName(options.schema ?? 'mcpgw');
  const settings: PoolSettings = {
    max: positiveInteger('poolMax', options.poolMax, 5),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs, 5_000),
    queryTimeoutMs: positiveInteger('queryTimeoutMs', options.queryTimeoutMs, 10_000),
  };
  return options.databaseUrl ? openPostgres(options.databaseUrl, schema, settings, options) : openEmbedded(schema, settings, options);
}

async function openPostgres(databaseUrl: string, schema: string, settings: PoolSettings, options: OpenStoreOptions): Promise<GatewayStore> {
  const location = describeDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    query_timeout: settings.queryTimeoutMs,
    application_name: 'mcp-gateway',
  });
  const store = new SqlStore({
    engine: 'postgres',
    location,
    pool,
    schema,
    log: options.log,
    redact: credentialRedactor(databaseUrl),
    migrationsPending: options.migrate !== false,
  });
  return finishOpen(store, options, options.lazy === true);
}

async function openEmbedded(schema: string, settings: PoolSettings, options: OpenStoreOptions): Promise<GatewayStore> {
  if (!isAbsolute(options.dataDir)) {
    throw new StoreError('invalid', `the embedded store's data dir must be an absolute path, got ${JSON.stringify(options.dataDir)}`);
  }
  // One spelling per directory, so the lock, the socket and the logs agree.
  const dataDir = resolve(options.dataDir);
  const { log } = options;
  prepareDataDir(dataDir, log);
  const role = options.embeddedRole ?? 'auto';
  const deadline = Date.now() + CLIENT_WAIT_MS;
  for (;;) {
    const claim = await claimLock(dataDir);
    if (claim.owned) return openAsOwner(claim.lock, dataDir, schema, settings, options);
    const { holder } = claim;
    if (role === 'owner') {
      throw new StoreError('locked', `the embedded store at ${dataDir} is in use by process ${holder.pid}; stop it or use another MCPGW_DATA_DIR`);
    }
    if (holder.socket !== null) return openAsClient(holder.pid, holder.socket, dataDir, schema, settings, options);
    if (Date.now() > deadline) {
      throw new StoreError('unavailable', `the embedded store at ${dataDir} is still starting in process ${holder.pid}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openAsOwner(lock: OwnedLock, dataDir: string, schema: string, settings: PoolSettings, options: OpenStoreOptions): Promise<GatewayStore> {
  const { log } = options;
  const socketPath = socketPathFor(dataDir);
  // A crashed owner leaves its socket file behind, and listen() refuses an existing path.
  rmSync(socketPath, { force: true });
  let engine: EmbeddedEngine | undefined;
  try {
    engine = await EmbeddedEngine.start(dataDir, options.cacheDir, log);
    lock.publish(engine.socket);
  } catch (error) {
    await engine?.stop();
    lock.release();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError('unavailable', `could not start the embedded store at ${dataDir}: ${reason}`);
  }
  const running = engine;
  const store = new SqlStore({
    engine: 'embedded',
    location: dataDir,
    pool: embeddedPool(running.socket, settings),
    schema,
    log,
    redact: (text) => text,
    migrationsPending: options.migrate !== false,
    onClose: async () => {
      await running.stop();
      if (running.socket.startsWith('/')) rmSync(running.socket, { force: true });
      lock.release();
    },
  });
  return finishOpen(store, options, false);
}

async function openAsClient(
  ownerPid: number,
  socket: string,
  dataDir: string,
  schema: string,
  settings: PoolSettings,
  options: OpenStoreOptions,
): Promise<GatewayStore> {
  options.log.info({ dataDir, owner: ownerPid }, 'the embedded store is owned by another process; connecting to it as a client');
  const store = new SqlStore({
    engine: 'embedded',
    location: dataDir,
    pool: embeddedPool(socket, settings),
    schema,
    log: options.log,
    redact: (text) => text,
    migrationsPending: options.migrate !== false,
  });
  return finishOpen(store, options, false);
}

/**
 * One connection: PGlite is a single session, so statements from this process run one at a time
 * (the engine's socket server interleaves the owner's and clients' statements).
 */
function embeddedPool(socket: string, settings: PoolSettings): pg.Pool {
  const { host, port } = connectionFor(socket);
  return new pg.Pool({
    host,
    port,
    user: 'postgres',
    database: 'postgres',
    ssl: false,
    max: 1,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    query_timeout: settings.queryTimeoutMs,
    application_name: 'mcp-gateway',
  });
}

/** Migrates (or just checks the connection); on failure closes the store, unless lazy allows opening degraded. */
async function finishOpen(store: SqlStore, options: OpenStoreOptions, lazy: boolean): Promise<GatewayStore> {
  try {
    if (options.migrate === false) await store.ping();
    else await store.migrate();
    return store;
  } catch (error) {
    if (lazy && isUnavailableError(error)) {
      options.log.warn(
        { engine: store.engine, location: store.location, error: error instanceof Error ? error.message : String(error) },
        'the gateway store is unreachable; continuing without it until it answers (migrations run then)',
      );
      return store;
    }
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** Creates the data dir private to this user; warns when an existing one is open to others (the socket has no password). */
function prepareDataDir(dataDir: string, log: OpenStoreOptions['log']): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    log.warn(
      { dataDir, mode: mode.toString(8) },
      'the embedded store data dir is accessible to other users, and its socket needs no password: chmod 700 it',
    );
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new StoreError('invalid', `store option ${name} must be a positive integer, got ${value}`);
  return value;
}
