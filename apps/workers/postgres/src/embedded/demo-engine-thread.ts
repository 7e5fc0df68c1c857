import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DEMO_SEED_SQL } from './demo-seed.js';

/**
 * Runs the embedded demo PostgreSQL (PGlite, in memory) in its own thread and serves it on a
 * loopback port, so the worker reaches it with the same `pg` code as a real server — and a
 * statement that never ends (PGlite ignores statement_timeout) blocks this thread, not the worker.
 *
 * Creating a database runs initdb (about 3 s and 700 MB of memory); loading a dump of the seeded
 * database takes a third of both, so the first start leaves a dump in the cache for the next ones.
 */
const { cacheFile } = workerData as { cacheFile: string | undefined };

async function open(): Promise<PGlite> {
  if (cacheFile && existsSync(cacheFile)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([readFileSync(cacheFile)]) });
    } catch {
      // A dump from another PGlite version, or a damaged file: build afresh below.
    }
  }
  const db = await PGlite.create();
  await db.exec(DEMO_SEED_SQL);
  if (cacheFile) {
    try {
      const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
      mkdirSync(cacheFile.slice(0, cacheFile.lastIndexOf('/')), { recursive: true, mode: 0o700 });
      const partial = `${cacheFile}.${process.pid}.partial`;
      writeFileSync(partial, dump, { mode: 0o600 });
      renameSync(partial, cacheFile);
    } catch {
      // No cache this time; the next start builds the database again.
    }
  }
  return db;
}

const db = await open();
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
await server.start();
const port = Number(server.getServerConn().split(':').pop());
parentPort!.postMessage({ type: 'ready', port });
parentPort!.on('message', (message: { type?: string }) => {
  if (message.type !== 'stop') return;
  void (async () => {
    await server.stop();
    await db.close();
    parentPort!.postMessage({ type: 'stopped' });
  })();
});
