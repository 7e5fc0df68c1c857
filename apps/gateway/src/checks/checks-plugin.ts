import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { AlertManager } from '../alerts/alert-manager.js';
import { WebhookNotifier } from '../alerts/webhook-notifier.js';
import { ConfigError } from '../config.js';
import { CheckItemsStore } from './check-items-store.js';
import { CheckRunner } from './check-runner.js';
import { CheckScheduler } from './check-scheduler.js';
import { DEFAULT_CHECKS_FILE, loadChecksFile, type CheckDefinition } from './checks-file.js';

/**
 * Scheduled checks and alerts: loads CHECKS_FILE (or the shipped default), builds the alert manager
 * and webhook notifier (always: acknowledgements need them even without checks), and — with
 * REDIS_URL — consumes the queued webhook deliveries and schedules the checks on BullMQ once the
 * app is ready. Without Redis checks are off
 * (one warning): BullMQ's schedulers are what make each tick run once across replicas.
 * Nothing here is on the synchronous call path.
 */
export const checksPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const log = app.log.child({ component: 'checks' });
    const { checks: checksConfig, alerts: alertsConfig, redis } = app.config;
    const notifier = new WebhookNotifier({
      urls: alertsConfig.webhookUrls,
      secret: alertsConfig.webhookSecret ?? '',
      allowHosts: alertsConfig.allowHosts,
      attempts: alertsConfig.attempts,
      timeoutMs: alertsConfig.timeoutMs,
      backoffBaseMs: alertsConfig.backoffMs,
      log: app.log.child({ component: 'alerts' }),
      onOutcome: (outcome) => app.metrics.alertNotifications.labels(outcome).inc(),
      // Durable deliveries (BullMQ jobs on `alert-webhooks`) whenever Redis is configured.
      ...(redis.url ? { redis: { url: redis.url, keyPrefix: redis.keyPrefix } } : {}),
    });
    const alerts = new AlertManager(app.store.alerts, notifier, app.log.child({ component: 'alerts' }));
    app.decorate('alerts', alerts);
    app.decorate('alertWebhooks', notifier);
    app.metrics.openAlerts = () => app.store.alerts.countOpen();
    app.metrics.alertWebhookQueue = () => notifier.queueCounts();
    // Every process with webhooks consumes queued deliveries, checks or not (an acknowledgement notifies too).
    app.addHook('onReady', async () => {
      notifier.start();
    });
    app.addHook('onClose', async () => {
      await notifier.close(Math.min(5_000, Math.floor(app.config.shutdownTimeoutMs / 2)));
    });

    const checks = selectChecks(checksConfig.file, app.config.workers.map((w) => w.name), log);
    if (checks.length === 0) return;
    for (const check of checks) app.metrics.checkRuns.labels(check.name, 'ok').inc(0);
    if (!redis.url) {
      log.warn({ checks: checks.map((c) => c.name) }, 'scheduled checks are off: they need REDIS_URL (BullMQ job schedulers); set it to run them');
      return;
    }
    const items = exportItems(checks, app, redis.url, redis.keyPrefix);
    const runner = new CheckRunner({ dispatcher: app.dispatcher, alerts, memory: app.store.alerts, metrics: app.metrics, log, ...(items ? { items } : {}) });
    const scheduler = new CheckScheduler({ redisUrl: redis.url, prefix: `${redis.keyPrefix}bull`, checks, runner, log });
    app.addHook('onReady', async () => {
      // In the background: Redis being down at start-up must not keep the gateway from serving calls.
      void scheduler.start().catch((error: unknown) => log.error({ error: (error as Error).message }, 'scheduled checks could not start (Redis unreachable?)'));
    });
    // Before the workers stop: a run in progress finishes, no new one starts.
    app.addHook('preClose', async () => {
      await scheduler.close();
    });
  },
  { name: 'checks', dependencies: ['metrics', 'store', 'workers'] },
);

/**
 * With checks that declare `gauges`: the Redis store their runs write to, and the scrape-time read of
 * `mcp_check_items` (only the checks and states of this file, so a removed check or gauge disappears).
 */
function exportItems(checks: CheckDefinition[], app: FastifyInstance, url: string, keyPrefix: string): CheckItemsStore | undefined {
  const withGauges = checks.filter((c) => Object.keys(c.gauges).length > 0);
  if (withGauges.length === 0) return undefined;
  const store = new CheckItemsStore(url, keyPrefix);
  const names = withGauges.map((c) => c.name);
  const states = new Map(withGauges.map((c) => [c.name, new Set(Object.keys(c.gauges))]));
  app.metrics.checkItems = async () =>
    (await store.read(names)).flatMap(({ check, counts }) =>
      Object.entries(counts)
        .filter(([state]) => states.get(check)?.has(state))
        .map(([state, count]) => ({ check, state, count })),
    );
  app.addHook('onClose', async () => {
    store.close();
  });
  return store;
}

/**
 * The checks to run. CHECKS_FILE=none → none. CHECKS_FILE set → all of them, and a check naming a
 * service that is not configured stops start-up (a typo would otherwise never alert). Unset → the
 * shipped defaults whose services are configured.
 */
function selectChecks(file: string | null | undefined, services: string[], log: { info(o: object, m: string): void }): CheckDefinition[] {
  if (file === null) return [];
  if (file === undefined) {
    const defaults = loadChecksFile(DEFAULT_CHECKS_FILE);
    const kept = defaults.filter((c) => services.includes(c.service));
    if (kept.length < defaults.length) log.info({ skipped: defaults.filter((c) => !kept.includes(c)).map((c) => c.name) }, 'default checks skipped: their services are not configured');
    return kept;
  }
  const checks = loadChecksFile(file);
  for (const check of checks) {
    if (!services.includes(check.service)) {
      throw new ConfigError(`CHECKS_FILE: ${file}: check "${check.name}" calls service "${check.service}", which is not configured (configured: ${services.join(', ') || 'none'})`);
    }
  }
  return checks;
}
