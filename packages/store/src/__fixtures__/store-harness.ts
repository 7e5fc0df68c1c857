import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { createTestDatabase } from '@mcpgw/test-support';
import { openStore, type GatewayStore, type OpenStoreOptions, type StoreEngine, type StoreLogger } from '../index.js';

/** One log call, as the store made it. */
export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A logger that keeps what it is given, so tests can look for lines (and for secrets in them). */
export function recordingLogger(): StoreLogger & { entries: LogEntry[]; text(): string } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, info: at('info'), warn: at('warn'), error: at('error'), text: () => JSON.stringify(entries) };
}

/** A throwaway place for one engine: opens stores on it and runs raw SQL as the owner. */
export interface StoreHarness {
  engine: StoreEngine;
  /** The data dir (embedded) or a scratch dir (postgres, where it is unused). */
  dataDir: string;
  open(extra?: Partial<OpenStoreOptions>): Promise<GatewayStore>;
  /** Runs SQL as the owning role (embedded: through the running owner's socket). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  cleanup(): Promise<void>;
}

/** A cache dir for the empty-cluster dump, shared by a test file so only its first engine runs initdb. */
export function tmpCacheDir(): string {
  return mkdtempSync(`${tmpdir()}/mcpgw-store-cache-`);
}

export async function storeHarness(engine: StoreEngine, cacheDir: string, log: StoreLogger): Promise<StoreHarness> {
  const dataDir = mkdtempSync(`${tmpdir()}/mcpgw-store-`);
  if (engine === 'postgres') {
    const database = await createTestDatabase('mcpgw_store');
    return {
      engine,
      dataDir,
      open: (extra = {}) => openStore({ databaseUrl: database.url, dataDir, log, ...extra }),
      sql: async <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => (await database.query<R>(text, params)).rows,
      cleanup: async () => {
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  return {
    engine,
    dataDir,
    open: (extra = {}) => openStore({ dataDir, cacheDir, log, ...extra }),
    sql: async <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => {
      const client = new pg.Client({ ...embeddedConnection(dataDir), user: 'postgres', database: 'postgres' });
      await client.connect();
      try {
        return (await client.query<R>(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Where the owner of an embedded data dir listens, from its lock file. */
export function embeddedConnection(dataDir: string): { host: string; port: number } {
  const { socket } = JSON.parse(readFileSync(`${dataDir}/store.lock`, 'utf8')) as { socket: string };
  if (socket.startsWith('/')) return { host: dataDir, port: 5432 };
  const [host, port] = socket.split(':');
  return { host: host!, port: Number(port) };
}
