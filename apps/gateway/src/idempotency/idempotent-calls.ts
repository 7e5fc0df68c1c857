import { GatewayError, type SuccessEnvelope } from '@mcpgw/protocol';
import type { AuditOutcome } from '@mcpgw/store';
import { markAudited } from '../audit/audited-errors.js';
import type { AuditWriter } from '../audit/audit-writer.js';
import type { Caller } from '../auth/caller.js';
import type { GatewayLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { requestFingerprint, type IdempotencyStore } from './idempotency-store.js';

/** One call that carries an idempotency key. */
export interface IdempotentCall {
  caller: Caller;
  requestId: string;
  /** `performance.now()` when the HTTP request arrived. */
  startedAt: number;
  /** A bounded label value: where the call came in. */
  endpoint: 'rpc' | 'execute';
  /** The caller's key, already checked with validIdempotencyKey. */
  key: string;
  /** What identifies the request (fingerprinted in canonical JSON): same key + other request = 422. */
  request: unknown;
  /** Names for the audit row of a refusal or replay (as asked; null when not known yet). */
  service: string | null;
  tool: string | null;
}

/**
 * Wraps `dispatcher.call` for calls with an idempotency key (security.md D2): the first call with
 * a key runs and, when it succeeds, its envelope is stored; the same caller, key and request again
 * gets that envelope with `metadata.idempotent: "replayed"` and runs nothing; another request with
 * the key is IDEMPOTENCY_KEY_REUSED (422); the key while its call runs is IDEMPOTENCY_IN_FLIGHT
 * (409). A failed call releases the key (only successes are stored), so a retry runs. Calls without
 * a key never come here and pay nothing.
 */
export class IdempotentCalls {
  constructor(
    /** The backend itself, for other kinds of work with keys (async job submission: `begin` with its own in-flight TTL). */
    readonly store: IdempotencyStore,
    private readonly metrics: GatewayMetrics,
    private readonly audit: AuditWriter,
    private readonly log: GatewayLogger,
  ) {}

  async run(call: IdempotentCall, execute: () => Promise<SuccessEnvelope>): Promise<SuccessEnvelope> {
    let begun;
    try {
      begun = await this.store.begin(call.caller.agent, call.key, requestFingerprint(call.request));
    } catch (error) {
      throw this.refused(call, error instanceof GatewayError ? error : new GatewayError('INTERNAL_ERROR', 'idempotency check failed', { cause: error }));
    }
    switch (begun.kind) {
      case 'new': {
        this.metrics.idempotencyMisses.labels(call.endpoint).inc();
        let result: SuccessEnvelope;
        try {
          result = await execute();
        } catch (error) {
          // Released so a retry runs; if Redis is gone too the marker expires by itself.
          await begun.fail().catch((e: unknown) => this.warn(call, e, 'could not release an idempotency key after a failed call; it is held until its in-flight marker expires'));
          throw error;
        }
        // The call ran: its answer goes back even if it cannot be stored (a retry then gets 409 until the marker expires).
        await begun.complete(result).catch((e: unknown) => this.warn(call, e, 'could not store the result of a call with an idempotency key'));
        return result;
      }
      case 'replay': {
        const stored = begun.result as SuccessEnvelope;
        // Scopes may have been narrowed since: a replay is allowed only where a new call would be.
        try {
          call.caller.scopes.requireService(stored.metadata.service);
          call.caller.scopes.requireTool(stored.metadata.service, stored.metadata.tool);
        } catch (error) {
          if (error instanceof GatewayError && error.spec.name === 'FORBIDDEN') this.metrics.forbidden.inc();
          throw this.refused(call, error as GatewayError, 'denied', stored.metadata.service, stored.metadata.tool);
        }
        this.metrics.idempotencyHits.labels(call.endpoint).inc();
        this.record(call, 'ok', null, stored.metadata.service, stored.metadata.tool);
        return { ...stored, metadata: { ...stored.metadata, requestId: call.requestId, idempotent: 'replayed' } };
      }
      case 'mismatch':
        throw this.refused(
          call,
          new GatewayError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was already used for a different request (service, tool or arguments); use a new key for a new request'),
        );
      case 'in_flight':
        throw this.refused(
          call,
          new GatewayError('IDEMPOTENCY_IN_FLIGHT', 'a call with this idempotency key is still running; retry to get its result', { retryAfterSeconds: 1 }),
        );
    }
  }

  /** Audits a refusal (one row, like every call) and returns the error to throw. */
  private refused(call: IdempotentCall, error: GatewayError, outcome: AuditOutcome = 'error', service = call.service, tool = call.tool): GatewayError {
    this.record(call, outcome, error, service, tool);
    markAudited(error);
    return error;
  }

  private record(call: IdempotentCall, outcome: AuditOutcome, error: GatewayError | null, service: string | null, tool: string | null): void {
    this.audit.record({
      at: new Date(),
      requestId: call.requestId,
      agent: call.caller.agent,
      authMethod: call.caller.method,
      service: service?.slice(0, 128) ?? null,
      tool: tool?.slice(0, 128) ?? null,
      outcome,
      errorCode: error ? error.spec.code : null,
      errorName: error ? error.spec.name : null,
      durationMs: Math.round((performance.now() - call.startedAt) * 100) / 100,
      peer: call.caller.peer,
      endpoint: call.endpoint,
    });
  }

  private warn(call: IdempotentCall, error: unknown, msg: string): void {
    this.log.warn({ requestId: call.requestId, reason: error instanceof Error ? error.message : String(error) }, msg);
  }
}
