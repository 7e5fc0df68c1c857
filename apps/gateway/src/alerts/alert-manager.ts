import type { AlertRecord, AlertRepository } from '@mcpgw/store';
import type { GatewayLogger } from '../logger.js';
import type { AlertEvent } from './webhook-notifier.js';

/** What a check run means for its alert. */
export type AlertTransition = 'opened' | 'repeated' | 'resolved' | 'clear';

/** What the manager tells about state changes (the webhook notifier, in the gateway). */
export interface AlertSink {
  notify(event: AlertEvent, alert: Record<string, unknown>): void;
}

/** The alert as the API and webhooks show it. */
export function alertView(alert: AlertRecord): Record<string, unknown> {
  return {
    id: alert.id,
    check: alert.check,
    dedupeKey: alert.dedupeKey,
    status: alert.status,
    severity: alert.severity,
    message: alert.message,
    service: alert.service,
    tool: alert.tool,
    count: alert.count,
    details: alert.details,
    openedAt: alert.openedAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: alert.acknowledgedBy,
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
  };
}

/**
 * The alert state machine over the store: a true condition opens an alert for its key, or counts
 * another sighting of the one already open or acknowledged (no new notification: deduplicated); a
 * false condition resolves it; an operator acknowledges it. Each transition is one guarded statement
 * in the store, so only the run (or request) that made it happen notifies.
 */
export class AlertManager {
  constructor(
    private readonly repository: AlertRepository,
    private readonly sink: AlertSink,
    private readonly log: GatewayLogger,
  ) {}

  /** Records a check run's outcome for its dedupe key. */
  async record(
    run: { check: string; dedupeKey: string; service: string; tool: string; severity: string; message: string; details: Record<string, unknown> | null },
    matched: boolean,
    at = new Date(),
  ): Promise<{ transition: AlertTransition; alert?: AlertRecord }> {
    if (matched) {
      const { alert, opened } = await this.repository.raise({ ...run, at });
      if (!opened) return { transition: 'repeated', alert };
      this.log.warn({ alertId: alert.id, check: alert.check, severity: alert.severity }, `alert opened: ${alert.message}`);
      this.sink.notify('opened', alertView(alert));
      return { transition: 'opened', alert };
    }
    const resolved = await this.repository.resolve(run.dedupeKey, at);
    if (!resolved) return { transition: 'clear' };
    this.log.info({ alertId: resolved.id, check: resolved.check }, 'alert resolved: the condition cleared');
    this.sink.notify('resolved', alertView(resolved));
    return { transition: 'resolved', alert: resolved };
  }

  /** Acknowledges an open alert; undefined when no alert has that id. Notifies only on the change. */
  async acknowledge(id: string, by: string): Promise<{ alert: AlertRecord; changed: boolean } | undefined> {
    const result = await this.repository.acknowledge(id, by, new Date());
    if (result?.changed) {
      this.log.info({ alertId: id, check: result.alert.check, by }, 'alert acknowledged');
      this.sink.notify('acknowledged', alertView(result.alert));
    }
    return result;
  }
}
