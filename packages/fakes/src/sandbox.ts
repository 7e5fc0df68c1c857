import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { migrateOps, seedOps } from '@mcpgw/ops-schema';
import pg from 'pg';
import { startFakeCloudflare } from './fake-cloudflare.js';
import { startFakeGithub } from './fake-github.js';
import { startFakeN8n } from './fake-n8n.js';
import { startFakeMem0 } from './fake-mem0.js';
import { startFakeOdoo } from './fake-odoo.js';
import { startFakeSupabase } from './fake-supabase.js';

/** Where the sandbox's fakes listen, and the credentials that open them (sample data only). */
export interface SandboxEndpoints {
  odoo: { url: string; db: string; username: string; apiKey: string };
  supabase: { url: string; serviceRoleKey: string };
  /** Fake n8n: public API under `<url>/api/v1`, production webhooks under `<url>/webhook`. */
  n8n: { url: string; apiKey: string };
  /** Fake Cloudflare API v4, and a folder with sample videos (`videos/lesson1.mp4`) as the Stream upload root. */
  cloudflare: { apiUrl: string; apiToken: string; accountId: string; uploadRoot: string };
  /** Fake Mem0 serving the platform API (`Authorization: Token <apiKey>`) and the open-source server's, with sample memories. */
  mem0: { url: string; apiKey: string };
  /** Fake GitHub REST API with sample repositories (`acme/platform` is the default repo; `feature/add-feature` a branch without a pull request). */
  github: { apiUrl: string; token: string; defaultRepo: string; defaultHead: string };
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
  const mem0 = await startFakeMem0({ now });
  const n8n = await startFakeN8n({ now });
  const cloudflare = await startFakeCloudflare({ now });
  const github = await startFakeGithub({ now });
  const uploadRoot = SANDBOX_MEDIA;
  return {
    odoo: { url: odoo.url, db: odoo.db, username: odoo.login, apiKey: odoo.apiKey },
    supabase: { url: supabase.url, serviceRoleKey: supabase.secretKey },
    mem0: { url: mem0.url, apiKey: mem0.apiKey },
    n8n: { url: n8n.url, apiKey: n8n.apiKey },
    cloudflare: { apiUrl: cloudflare.apiUrl, apiToken: cloudflare.apiToken, accountId: cloudflare.accountId, uploadRoot },
    github: { apiUrl: github.url, token: github.token, defaultRepo: github.defaultRepo, defaultHead: github.featureBranch },
    databaseUrl,
    close: async () => {
      await Promise.allSettled([odoo.close(), supabase.close(), mem0.close(), n8n.close(), cloudflare.close(), github.close()]);
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The sandbox's Stream upload root: a read-only folder shipped with this package holding
 * `videos/lesson1.mp4` (64 KiB of filler, not a real video). Nothing is written at run time, so
 * nothing is left behind when a sandbox is killed.
 */
const SANDBOX_MEDIA = fileURLToPath(new URL('../sandbox-media/', import.meta.url));
