import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { JobConsumer } from './job-consumer.js';
import { JobHistory } from './job-history.js';
import { JobQueues } from './job-queues.js';
import { JobService } from './job-service.js';
import { warnUnlessAppendOnly } from './redis-persistence-check.js';

/**
 * Async jobs: the producer queues (only with REDIS_URL), the consumers of this process
 * (JOBS_CONSUMER), the job history in the store, and `app.jobs`, the API the routes use. Nothing
 * here touches the synchronous call path. On close the consumers stop taking jobs and finish the
 * active ones before the worker pool stops (this plugin's onClose runs before the workers').
 */
export const jobsPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const { config } = app;
    const log = app.log.child({ component: 'jobs' });
    const history = new JobHistory(app.store.jobs, log, config.jobs.historyFlushMs);
    let queues: JobQueues | undefined;
    let consumer: JobConsumer | undefined;
    if (config.redis.url) {
      queues = new JobQueues(config.redis.url, config.redis.keyPrefix);
      void warnUnlessAppendOnly(config.redis.url, log);
      const jobQueues = queues;
      app.metrics.jobCounts = () => jobQueues.counts(app.registry.names());
      if (config.jobs.consumer) {
        consumer = new JobConsumer({
          redisUrl: config.redis.url,
          prefix: queues.prefix,
          cancelChannel: queues.cancelChannel,
          services: app.registry.names(),
          concurrency: config.jobs.concurrency,
          serviceConcurrency: config.jobs.serviceConcurrency,
          lockMs: config.jobs.lockMs,
          dispatcher: app.dispatcher,
          history,
          log,
          ...(app.tracing ? { tracer: app.tracing.tracer } : {}),
        });
        await consumer.start();
      }
    }
    app.decorate('jobs', new JobService(config, queues, history, app.registry, app.audit, { store: app.idempotentCalls.store, metrics: app.metrics }));
    app.addHook('onClose', async () => {
      await consumer?.close();
      await history.flush();
      await queues?.close();
    });
  },
  { name: 'jobs', dependencies: ['workers', 'store', 'idempotency'] },
);
