import { GatewayError } from '@mcpgw/protocol';
import type { FastifyReply } from 'fastify';
import type { Caller } from '../auth/caller.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from '../rate-limit/rate-limiter.js';

/**
 * The per-agent call limit (RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS, or the key's own):
 * one unit per call, so a JSON-RPC batch of n calls takes n. `max: 0` turns it off.
 */
export class CallLimiter {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly defaultRule: RateLimitRule,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Takes `cost` units from the caller's window; undefined when rate limiting is off. */
  async take(caller: Caller, cost: number): Promise<RateLimitDecision | undefined> {
    const rule = caller.rateLimit ?? this.defaultRule;
    if (rule.max === 0) return undefined;
    const decision = await this.limiter.consume(caller.rateKey, cost, rule);
    if (decision.allowed < cost) this.metrics.rateLimited.labels('agent').inc(cost - decision.allowed);
    return decision;
  }

  /** `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the window resets). */
  static setHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
    void reply.header('ratelimit-limit', decision.limit);
    void reply.header('ratelimit-remaining', decision.remaining);
    void reply.header('ratelimit-reset', Math.ceil(decision.resetMs / 1000));
  }

  /** The error for a call over the limit. */
  static refusal(decision: RateLimitDecision, caller: Caller): GatewayError {
    const retryAfter = Math.max(1, Math.ceil(decision.resetMs / 1000));
    return new GatewayError('RATE_LIMITED', `agent ${caller.agent} has used its ${decision.limit} calls for this window; retry after ${retryAfter} s`, {
      retryAfterSeconds: retryAfter,
      data: { limit: decision.limit },
    });
  }
}
