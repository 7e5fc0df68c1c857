/**
 * The code of the embedded engine's thread: PGlite on a NodeFS data dir, served by
 * PGLiteSocketServer, so the store reaches it with the same `pg` code as a real server, and a
 * long statement blocks that thread, not the gateway's event loop.
 *
 * It is plain JavaScript in a string, started from a `data:` URL, because the thread must run
 * both from compiled `dist/` and from TypeScript sources under Jest; it imports PGlite from the
 * absolute URLs the parent resolved (a `data:` module cannot resolve package names).
 *
 * Creating a data dir runs initdb (seconds, hundreds of MB). A gzip dump of a fresh, empty cluster
 * is kept in the cache file, and new data dirs are loaded from it; a dump that fails to load (other
 * PGlite version, damaged file) is replaced by a plain create and a new dump.
 *
 * workerData: { pgdata, cacheFile?, listen: { path } | { host, port }, modules: { pglite, socket } }.
 * Messages out: { type: 'ready', socket, fromCache, cacheWritten } then { type: 'stopped' } after
 * { type: 'stop' } in.
 */
export const ENGINE_THREAD_SOURCE = String.raw`
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';

const { pgdata, cacheFile, listen, modules } = workerData;
const { PGlite } = await import(modules.pglite);
const { PGLiteSocketServer } = await import(modules.socket);

async function open() {
  const fresh = !existsSync(pgdata + '/PG_VERSION');
  if (fresh && cacheFile && existsSync(cacheFile)) {
    try {
      const db = await PGlite.create({ dataDir: pgdata, loadDataDir: new Blob([readFileSync(cacheFile)]) });
      return { db, fromCache: true, cacheWritten: false };
    } catch {
      rmSync(pgdata, { recursive: true, force: true });
    }
  }
  const db = await PGlite.create({ dataDir: pgdata });
  let cacheWritten = false;
  if (fresh && cacheFile) {
    try {
      const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
      mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
      const partial = cacheFile + '.' + process.pid + '-' + threadId + '.partial';
      writeFileSync(partial, dump, { mode: 0o600 });
      renameSync(partial, cacheFile);
      cacheWritten = true;
    } catch {
      // No cache this time; the next new data dir runs initdb again.
    }
  }
  return { db, fromCache: false, cacheWritten };
}

const { db, fromCache, cacheWritten } = await open();
const server = listen.path
  ? new PGLiteSocketServer({ db, path: listen.path, maxConnections: 8 })
  : new PGLiteSocketServer({ db, host: listen.host, port: listen.port, maxConnections: 8 });
await server.start();
parentPort.postMessage({ type: 'ready', socket: server.getServerConn(), fromCache, cacheWritten });
parentPort.on('message', (message) => {
  if (message?.type !== 'stop') return;
  void (async () => {
    try {
      await server.stop();
    } finally {
      await db.close();
      parentPort.postMessage({ type: 'stopped' });
    }
  })();
});
`;
