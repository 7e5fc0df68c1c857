import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@mcpgw/store';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { AuditWriter } from '../audit/audit-writer.js';

/**
 * The gateway store (API keys, audit log): PostgreSQL at DATABASE_URL, or the embedded engine in
 * MCPGW_DATA_DIR. Migrations run here at start-up. An unreachable PostgreSQL does not stop the
 * gateway: keys are served from cache and audit rows are spooled until it returns (F6).
 * Also owns the audit writer, which is flushed (or spooled to disk) when the app closes.
 */
export const storePlugin: FastifyPluginAsync = fp(
  async (app) => {
    const log = app.log.child({ component: 'store' });
    const { store: config, audit: auditConfig } = app.config;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const store = await openStore({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      schema: config.schema,
      dataDir: config.dataDir,
      cacheDir: config.cacheDir,
      embeddedRole: 'owner',
      poolMax: config.poolMax,
      lazy: true,
      log,
    });
    log.info({ engine: store.engine, location: store.location }, 'gateway store open');
    const metrics = app.metrics;
    // Lazily opened PostgreSQL may not have answered yet: find out without delaying start-up.
    metrics.storeUp.set(0);
    void store.ping().then(
      () => metrics.storeUp.set(1),
      () => metrics.storeUp.set(0),
    );
    const audit = new AuditWriter({
      sink: store.audit,
      log: app.log.child({ component: 'audit' }),
      flushIntervalMs: auditConfig.flushIntervalMs,
      batchSize: auditConfig.batchSize,
      maxSpoolRows: auditConfig.maxSpoolRows,
      spoolFile: join(config.dataDir, 'audit-spool.ndjson'),
      events: {
        onWritten: (n) => metrics.auditWritten.inc(n),
        onDropped: (n) => metrics.auditDropped.inc(n),
        onSpoolSize: (n) => metrics.auditSpooled.set(n),
        onStoreState: (up) => metrics.storeUp.set(up ? 1 : 0),
      },
    });
    await audit.start();
    app.decorate('store', store);
    app.decorate('audit', audit);
    app.addHook('onClose', async () => {
      // Half the shutdown deadline: the rest is for the workers and the store to close.
      await audit.close({ deadlineMs: Math.min(5_000, Math.floor(app.config.shutdownTimeoutMs / 2)) });
      await store.close();
    });
  },
  { name: 'store', dependencies: ['metrics'] },
);
