import { parseArgs } from 'node:util';
import { GatewayError } from '@mcpgw/protocol';
import { buildApp } from './app.js';
import type { GatewayConfig } from './config.js';
import { JobQueues } from './jobs/job-queues.js';
import { JobService } from './jobs/job-service.js';
import { createLogger } from './logger.js';
import { auditCli, withStore } from './store-commands.js';

type Out = (text: string) => void;

/**
 * `mcpgw jobs-worker`: a process that only consumes async jobs. It builds the gateway (store,
 * workers, dispatcher, job consumers) but never listens; run any number of them against the same
 * REDIS_URL and store. SIGTERM/SIGINT: stop taking jobs, finish the active ones within
 * SHUTDOWN_TIMEOUT_MS (the rest stay queued for other consumers); a second signal forces the exit.
 */
export async function jobsWorkerCommand(config: GatewayConfig, err: Out): Promise<number> {
  if (!config.redis.url) {
    err('mcpgw jobs-worker needs REDIS_URL (the job queues live in Redis)\n');
    return 2;
  }
  const logger = createLogger(config);
  const app = await buildApp({ ...config, jobs: { ...config.jobs, consumer: true } }, { logger });
  logger.info({ services: app.registry.names(), concurrency: config.jobs.concurrency, serviceConcurrency: config.jobs.serviceConcurrency }, 'mcpgw jobs-worker consuming async jobs');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'jobs-worker stopping: finishing active jobs');
    setTimeout(() => {
      logger.error('shutdown deadline (SHUTDOWN_TIMEOUT_MS) passed: forcing exit; unfinished jobs are retried by another consumer');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1; // keeps running
}

/** `mcpgw jobs dlq list|replay <id>|purge --yes`: the dead-letter queue, straight on Redis; changes are audited. */
export async function jobsCommand(args: string[], config: GatewayConfig, out: Out, err: Out): Promise<number> {
  const [group, sub, ...rest] = args;
  const usage = 'usage: mcpgw jobs dlq list [--json] | mcpgw jobs dlq replay <jobId> | mcpgw jobs dlq purge --yes\n';
  if (group !== 'dlq') {
    err(usage);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, yes: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (!config.redis.url) {
    err('the dead-letter queue is in Redis: set REDIS_URL\n');
    return 2;
  }
  const services = config.workers.map((w) => w.name);
  const queues = new JobQueues(config.redis.url, config.redis.keyPrefix);
  try {
    await waitReady(queues);
    const registry = { names: () => services, require: () => { throw new Error('not used'); }, resolveTool: () => { throw new Error('not used'); } };
    const jobs = new JobService(config, queues, undefined, registry, { record: () => undefined });
    switch (sub) {
      case 'list': {
        const { jobs: dead } = await jobs.listDeadLetters(undefined, { limit: 1_000 });
        if (values.json) out(`${JSON.stringify(dead, null, 2)}\n`);
        else if (dead.length === 0) out('the dead-letter queue is empty\n');
        else {
          for (const job of dead) {
            out(`${job.jobId}  ${job.service}.${job.tool}  agent=${job.agent}  attempts=${job.attempts}  finished=${job.finishedAt ?? '-'}\n`);
            for (const e of job.errors) out(`    attempt ${e.attempt}: ${e.name} (${e.code}) ${e.message}\n`);
          }
        }
        return 0;
      }
      case 'replay': {
        const id = positionals[0];
        if (!id || positionals.length !== 1) {
          err('usage: mcpgw jobs dlq replay <jobId>   (see mcpgw jobs dlq list)\n');
          return 2;
        }
        await jobs.replay(undefined, id, '');
        await withStore(config, err, (store) => auditCli(store, `jobs.replay:${id}`.slice(0, 128)));
        out(`replayed ${id}: queued again with fresh attempts\n`);
        return 0;
      }
      case 'purge': {
        if (!values.yes) {
          err('mcpgw jobs dlq purge deletes every dead (and cancelled) job for good: add --yes\n');
          return 2;
        }
        let removed = 0;
        for (const service of services) removed += (await queues.run(() => queues.queue(service).clean(0, 1_000_000, 'failed'))).length;
        await withStore(config, err, (store) => auditCli(store, 'jobs.purge'));
        out(`purged ${removed} job(s) from the dead-letter queue\n`);
        return 0;
      }
      default:
        err(usage);
        return 2;
    }
  } catch (error) {
    if (error instanceof GatewayError) {
      err(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await queues.close();
  }
}

/** Waits (up to 3 s) for the producer connection, so a CLI run does not fail on its first command. */
async function waitReady(queues: JobQueues): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (queues.connection.status !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}
