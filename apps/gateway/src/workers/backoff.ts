/** Restart delays: exponential from `baseMs`, capped at `maxMs`, with jitter so replicas don't restart in step. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * The delay before restart number `attempt` (0-based): "equal jitter", i.e. half of the exponential
 * delay is fixed and half is random, so delays grow reliably yet spread out.
 */
export function restartDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}
