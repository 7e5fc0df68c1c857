import { randomUUID } from 'node:crypto';
import { GatewayError } from '@mcpgw/protocol';
import type { AlertRepository } from '@mcpgw/store';
import type { AlertManager, AlertTransition } from '../alerts/alert-manager.js';
import type { Caller } from '../auth/caller.js';
import { Scopes } from '../auth/scopes.js';
import type { CallDispatcher } from '../calls/call-dispatcher.js';
import type { GatewayLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { CallControl } from '../workers/call-control.js';
import { readCheckItems } from './check-items.js';
import type { CheckItemsStore } from './check-items-store.js';
import type { CheckDefinition } from './checks-file.js';
import { countNewParts, evaluateCondition, renderMessage } from './condition.js';

/** The identity scheduled checks call tools as: every service, audited as agent `scheduler`, endpoint `check`. */
export const SCHEDULER_CALLER: Caller = {
  agent: 'scheduler',
  method: 'local',
  scopes: new Scopes(['*']),
  peer: 'internal',
  rateLimit: undefined,
  rateKey: 'scheduler',
};

/** How one run ended: `ok` (condition false), `alert` (true), `error` (the tool call failed; no alert changes). */
export type CheckOutcome = 'ok' | 'alert' | 'error';

export interface CheckRunnerOptions {
  dispatcher: Pick<CallDispatcher, 'call'>;
  alerts: AlertManager;
  memory: Pick<AlertRepository, 'seenItems' | 'saveSeenItems'>;
  metrics: GatewayMetrics;
  log: GatewayLogger;
  /** Where the counts of checks with `gauges` go (read back at scrape time by every replica). */
  items?: Pick<CheckItemsStore, 'save'>;
}

/**
 * Runs one check: the tool call through the dispatcher (same scopes, breaker, metrics and audit as
 * any call), the condition on its result, and the alert transition. A failed call changes no alert
 * — an unreachable upstream neither raises nor clears one — and is counted as outcome `error`.
 */
export class CheckRunner {
  constructor(private readonly options: CheckRunnerOptions) {}

  async run(check: CheckDefinition): Promise<{ outcome: CheckOutcome; transition?: AlertTransition }> {
    const { dispatcher, alerts, memory, metrics, log, items } = this.options;
    const requestId = `check-${randomUUID()}`;
    let data: unknown;
    try {
      const envelope = await dispatcher.call({
        service: check.service,
        tool: check.tool,
        arguments: check.arguments,
        requestId,
        control: new CallControl(),
        startedAt: performance.now(),
        endpoint: 'check',
        caller: SCHEDULER_CALLER,
      });
      data = envelope.data;
    } catch (error) {
      const name = error instanceof GatewayError ? error.spec.name : 'INTERNAL_ERROR';
      log.warn({ check: check.name, requestId, error: name, reason: error instanceof GatewayError ? error.message : undefined }, 'check run failed: the tool call did not succeed');
      metrics.checkRuns.labels(check.name, 'error').inc();
      return { outcome: 'error' };
    }
    try {
      if (items && Object.keys(check.gauges).length > 0) await items.save(check.name, readCheckItems(check.gauges, data));
      const previous = countNewParts(check.condition) > 0 ? await memory.seenItems(check.name) : undefined;
      const evaluation = evaluateCondition(check.condition, data, previous);
      if (evaluation.seen) await memory.saveSeenItems(check.name, evaluation.seen);
      const { transition } = await alerts.record(
        {
          check: check.name,
          dedupeKey: check.name,
          service: check.service,
          tool: check.tool,
          severity: check.severity,
          message: renderMessage(check.message, data),
          details: evaluation.matched ? { requestId, matched: evaluation.details } : null,
        },
        evaluation.matched,
      );
      const outcome: CheckOutcome = evaluation.matched ? 'alert' : 'ok';
      metrics.checkRuns.labels(check.name, outcome).inc();
      log.debug({ check: check.name, requestId, outcome, transition }, 'check run');
      return { outcome, transition };
    } catch (error) {
      // The store is down: the run is counted as failed and the next tick tries again.
      log.error({ check: check.name, requestId, err: error }, 'check run could not record its outcome');
      metrics.checkRuns.labels(check.name, 'error').inc();
      return { outcome: 'error' };
    }
  }
}
