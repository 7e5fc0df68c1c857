import { Redis } from 'ioredis';

/**
 * Queued jobs survive a Redis restart only when Redis persists every write (`appendonly yes`).
 * Returns the setting, or undefined when it cannot be read (Redis down, CONFIG disabled as on some
 * managed services); never throws.
 */
export async function readAppendOnly(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, commandTimeout: timeoutMs, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const reply = (await redis.config('GET', 'appendonly')) as string[];
    return reply[1];
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Logs a warning at start-up when Redis may lose queued jobs on a restart. */
export async function warnUnlessAppendOnly(url: string, log: { warn(o: object, m?: string): void }): Promise<string | undefined> {
  const value = await readAppendOnly(url);
  if (value !== undefined && value !== 'yes') {
    log.warn({ appendonly: value }, 'Redis runs with appendonly no: queued async jobs are lost if Redis restarts; set appendonly yes (see docs/jobs.md)');
  }
  return value;
}
