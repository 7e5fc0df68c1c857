/**
 * Runs a Redis operation that must not hang (a scrape, a check run, an enqueue): rejects with
 * `timeout()` when it has not settled within `ms`. The operation itself is not cancelled.
 */
export async function withinDeadline<T>(operation: () => Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      operation(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
