import { Redis } from 'ioredis';

/**
 * Redis must not evict keys the gateway relies on (rate-limit windows now, job queues later):
 * `maxmemory-policy noeviction` (security.md D6). Returns the policy, or undefined when it cannot be
 * read (Redis down, or CONFIG disabled as on some managed services); never throws.
 */
export async function readEvictionPolicy(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, commandTimeout: timeoutMs, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Logs a warning at start-up when Redis may evict the gateway's keys. */
export async function warnUnlessNoEviction(url: string, log: { warn(o: object, m?: string): void }): Promise<string | undefined> {
  const policy = await readEvictionPolicy(url);
  if (policy !== undefined && policy !== 'noeviction') {
    log.warn(
      { maxmemoryPolicy: policy },
      `Redis runs with maxmemory-policy ${policy}: under memory pressure it may evict rate-limit windows (and, later, queued jobs); set maxmemory-policy noeviction`,
    );
  }
  return policy;
}
