import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { migrateOps, seedOps } from '@mcpgw/ops-schema';
import pg from 'pg';
import { startFakeOdoo } from './fake-odoo.js';
import { startFakeSupabase } from './fake-supabase.js';

/** Where the sandbox's fakes listen, and the credentials that open them (sample data only). */
export interface SandboxEndpoints {
  odoo: { url: string; db: string; username: string; apiKey: string };
  supabase: { url: string; serviceRoleKey: string };
  /** The sandbox's PostgreSQL (PGlite) holding the operational tables: Supabase's database. */
  databaseUrl: string;
}

export interface Sandbox extends SandboxEndpoints {
  close(): Promise<void>;
}

/**
 * The gateway's sandbox: an in-memory PostgreSQL (PGlite, served on a loopback port) with the
 * operational tables and seeded sample data for the reference agencies, a fake Supabase in front of
 * it, and a fake Odoo. Workers are pointed at these exactly as they would be at real systems.
 */
export async function startSandbox(options: { now?: Date } = {}): Promise<Sandbox> {
  const now = options.now ?? new Date();
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  const databaseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrateOps(pool, { schema: 'public' });
    await seedOps(pool, { schema: 'public', now });
  } finally {
    await pool.end();
  }
  const supabase = await startFakeSupabase({ databaseUrl, schema: 'public' });
  const odoo = await startFakeOdoo({ now });
  return {
    odoo: { url: odoo.url, db: odoo.db, username: odoo.login, apiKey: odoo.apiKey },
    supabase: { url: supabase.url, serviceRoleKey: supabase.secretKey },
    databaseUrl,
    close: async () => {
      await Promise.allSettled([odoo.close(), supabase.close()]);
      await server.stop();
      await db.close();
    },
  };
}
