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
  endpoint: 'rpc' | 'execute' | 'mcp';
  /** The caller's key, already checked with validIdempotencyKey. */
  key: string;
  /** What identifies the request (fingerprinted in canonical JSON): same key + other request = 422. */
  request: unknown;
  /** Names for the audit row of a refusal or replay (as asked; null when not known yet). */
  service: string | null;
  tool: string | null;
}

/**
 * How one kind of answer is stored and replayed: the success envelope of `/mcp/rpc` and
 * `/mcp/execute` ({@link ENVELOPE_REPLAY}), or an MCP CallToolResult (mcp/mcp-idempotency.ts).
 */
export interface ReplayForm<T> {
  /** The service and tool a stored answer belongs to: a replay is allowed only where a new call would be. */
  target(stored: T, call: IdempotentCall): { service: string; tool: string };
  /** The stored answer as the replaying call gets it, marked as a replay. */
  replayed(stored: T, call: IdempotentCall): T;
}

/** Success envelopes: the names are the stored ones; a replay gets this request's id and `metadata.idempotent: "replayed"`. */
export const ENVELOPE_REPLAY: ReplayForm<SuccessEnvelope> = {
  target: (stored) => ({ service: stored.metadata.service, tool: stored.metadata.tool }),
  replayed: (stored, call) => ({ ...stored, metadata: { ...stored.metadata, requestId: call.requestId, idempotent: 'replayed' } }),
};

/**
 * Wraps `dispatcher.call` (and the MCP front's `dispatcher.callMcp`) for calls with an idempotency key (security.md D2): the first call with
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
    /** Whether a tool only reads (for `service:read` scopes when a replay is checked); none: treated as not read-only. */
    private readonly isReadOnly: (service: string, tool: string) => boolean = () => false,
  ) {}

  /** A call answered with a success envelope (`mcp.execute`, `/mcp/execute`). */
  run(call: IdempotentCall, execute: () => Promise<SuccessEnvelope>): Promise<SuccessEnvelope> {
    return this.runAs(call, execute, ENVELOPE_REPLAY);
  }

  /**
   * A call with any kind of answer: whatever `execute` resolves with is stored (so a result that
   * reports a failure, such as an MCP `isError` result, is stored like a success); whatever it
   * throws releases the key.
   */
  async runAs<T>(call: IdempotentCall, execute: () => Promise<T>, form: ReplayForm<T>): Promise<T> {
    let begun;
    try {
      begun = await this.store.begin(call.caller.agent, call.key, requestFingerprint(call.request));
    } catch (error) {
      throw this.refused(call, error instanceof GatewayError ? error : new GatewayError('INTERNAL_ERROR', 'idempotency check failed', { cause: error }));
    }
    switch (begun.kind) {
      case 'new': {
        this.metrics.idempotencyMisses.labels(call.endpoint).inc();
        let result: T;
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
        const stored = begun.result as T;
        const { service, tool } = form.target(stored, call);
        // Scopes may have been narrowed since: a replay is allowed only where a new call would be.
        try {
          call.caller.scopes.requireService(service);
          call.caller.scopes.requireTool(service, tool, this.isReadOnly(service, tool));
        } catch (error) {
          if (error instanceof GatewayError && error.spec.name === 'FORBIDDEN') this.metrics.forbidden.inc();
          throw this.refused(call, error as GatewayError, 'denied', service, tool);
        }
        this.metrics.idempotencyHits.labels(call.endpoint).inc();
        this.record(call, 'ok', null, service, tool);
        return form.replayed(stored, call);
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
