import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DEMO_SEED_SQL } from './demo-seed.js';

/**
 * Runs the embedded demo PostgreSQL (PGlite, in memory) in its own thread and serves it on a
 * loopback port, so the worker reaches it with the same `pg` code as a real server — and a
 * statement that never ends (PGlite ignores statement_timeout) blocks this thread, not the worker.
 */
const db = await PGlite.create();
await db.exec(DEMO_SEED_SQL);
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
