import { GatewayError } from '@mcpgw/protocol';
import type { AlertStatus } from '@mcpgw/store';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { alertView } from '../alerts/alert-manager.js';
import { DELIVERY_STATES, type DeliveryState } from '../alerts/webhook-queue.js';
import { invalidParam as invalid, storeCall } from '../http/store-errors.js';

const STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

/**
 * The alerts API (scope `admin`): `GET /alerts` (`?status=open|acknowledged|resolved`, `limit`,
 * `cursor`), `GET /alerts/:id`, `POST /alerts/:id/ack`, `GET /alerts/webhooks` (queued webhook
 * deliveries: `?state=failed|delayed|waiting|active|completed`, `limit`). Acknowledgements are
 * audited and sent to the alert webhooks.
 */
export const alertsRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('preHandler', async (request) => {
    request.caller.scopes.requireAdmin();
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/alerts', async (request) => {
    const q = request.query;
    const query: { status?: AlertStatus; limit: number; before?: string } = { limit: 100 };
    if (q['status'] !== undefined) {
      if (!STATUSES.includes(q['status'] as AlertStatus)) throw invalid('status', `status is one of ${STATUSES.join(', ')}`);
      query.status = q['status'] as AlertStatus;
    }
    if (q['limit'] !== undefined) {
      const limit = Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw invalid('limit', 'limit is a whole number from 1 to 1000');
      query.limit = limit;
    }
    if (q['cursor'] !== undefined) query.before = alertId(q['cursor'], 'cursor');
    const alerts = await storeCall(() => app.store.alerts.list(query));
    return { alerts: alerts.map(alertView), nextCursor: alerts.length === query.limit ? alerts.at(-1)!.id : null };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/alerts/webhooks', async (request) => {
    const q = request.query;
    let state: DeliveryState = 'failed';
    if (q['state'] !== undefined) {
      if (!DELIVERY_STATES.includes(q['state'] as DeliveryState)) throw invalid('state', `state is one of ${DELIVERY_STATES.join(', ')}`);
      state = q['state'] as DeliveryState;
    }
    let limit = 100;
    if (q['limit'] !== undefined) {
      limit = Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw invalid('limit', 'limit is a whole number from 1 to 1000');
    }
    const notifier = app.alertWebhooks;
    if (!notifier.durable) return { durable: false, state, counts: null, deliveries: [] };
    try {
      return { durable: true, state, ...(await notifier.deliveries(state, limit)) };
    } catch {
      throw new GatewayError('QUEUE_UNAVAILABLE', 'alert webhook deliveries are queued in Redis (REDIS_URL), which is unreachable; retry when it is back', { retryAfterSeconds: 5 });
    }
  });

  app.get<{ Params: { id: string } }>('/alerts/:id', async (request) => {
    const id = alertId(request.params.id, 'id');
    const alert = await storeCall(() => app.store.alerts.get(id));
    if (!alert) throw notFound(id);
    return { alert: alertView(alert) };
  });

  app.post<{ Params: { id: string } }>('/alerts/:id/ack', async (request) => {
    const id = alertId(request.params.id, 'id');
    const result = await storeCall(() => app.alerts.acknowledge(id, request.caller.agent));
    if (!result) throw notFound(id);
    if (result.alert.status === 'resolved') {
      throw new GatewayError('ALERT_RESOLVED', `alert ${id} was resolved at ${result.alert.resolvedAt?.toISOString()}; there is nothing to acknowledge`, {
        data: { alert: alertView(result.alert) },
      });
    }
    if (result.changed) auditAck(request, id);
    return { alert: alertView(result.alert), changed: result.changed };
  });

  function auditAck(request: FastifyRequest, id: string): void {
    app.audit.record({
      at: new Date(),
      requestId: request.id,
      agent: request.caller.agent,
      authMethod: request.caller.method,
      service: 'alerts',
      tool: `ack:${id}`,
      outcome: 'ok',
      errorCode: null,
      errorName: null,
      durationMs: 0,
      peer: request.caller.peer,
      endpoint: 'admin',
    });
  }
};

function alertId(text: string, field: string): string {
  if (!/^[1-9]\d{0,17}$/.test(text)) throw invalid(field, `${field} is an alert id (a positive whole number)`);
  return text;
}

function notFound(id: string): GatewayError {
  return new GatewayError('ALERT_NOT_FOUND', `no alert has id ${id}; list alerts with GET /alerts`);
}

