import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { IdempotencyStore, IdempotencyTimings } from './idempotency-store.js';
import { IdempotentCalls } from './idempotent-calls.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

/**
 * Beyond the call timeout, how long an unsettled in-flight marker holds its key: covers time queued
 * for a worker, and bounds how long a replica that died mid-call blocks the key (then it may run again).
 */
export const IN_FLIGHT_MARGIN_MS = 60_000;

/**
 * `app.idempotentCalls`: the idempotency store (Redis when REDIS_URL is set, shared by replicas;
 * process memory otherwise) behind the wrapper the call routes use for calls with a key. The Redis
 * connection is opened at start-up, so a call with a key waits for no connect, and a call without
 * one never touches it.
 */
export const idempotencyPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const { redis, idempotency, defaultTimeoutMs } = app.config;
    const log = app.log.child({ component: 'idempotency' });
    const timings: IdempotencyTimings = { ttlMs: idempotency.ttlMs, inFlightTtlMs: defaultTimeoutMs + IN_FLIGHT_MARGIN_MS };
    let outage = false;
    const store: IdempotencyStore = redis.url
      ? RedisIdempotencyStore.connect(redis.url, {
          ...timings,
          prefix: redis.keyPrefix,
          onError: (error) => {
            if (outage) return;
            outage = true;
            log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'idempotency store (Redis) unreachable: calls with an idempotency key are refused (503) until it answers');
          },
        })
      : new MemoryIdempotencyStore(timings);
    if (store instanceof RedisIdempotencyStore) store.onReady(() => {
      if (outage) log.info('idempotency store (Redis) reachable again');
      outage = false;
    });
    const isReadOnly = (service: string, tool: string): boolean => app.registry.get(service)?.tools.get(tool)?.annotations?.readOnlyHint === true;
    app.decorate('idempotentCalls', new IdempotentCalls(store, app.metrics, app.audit, log, isReadOnly));
    app.addHook('onClose', async () => {
      await store.close();
    });
  },
  { name: 'idempotency', dependencies: ['store', 'metrics'] },
);
