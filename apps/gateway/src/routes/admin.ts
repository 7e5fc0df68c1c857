import { GatewayError } from '@mcpgw/protocol';
import type { AuditOutcome, AuditQuery } from '@mcpgw/store';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseDuration } from '../auth/duration.js';
import { isKeyPrefix } from '../auth/api-key.js';
import { checkKeyInput, createApiKey, keyView } from '../auth/key-admin.js';
import { checkApproveInput, toolPinView } from '../pins/tool-pin-view.js';
import { requireJsonBody } from '../plugins/json-body.js';
import { invalidParam as invalid, storeCall as storeOperation } from '../http/store-errors.js';

/** Admin store operations: an unreachable store is STORE_UNAVAILABLE (503). */
const storeCall = <T>(fn: () => Promise<T>): Promise<T> => storeOperation(fn, 'retry the admin operation shortly');

const OUTCOMES: readonly AuditOutcome[] = ['ok', 'error', 'denied', 'unauthenticated', 'rate_limited'];

/**
 * The admin API (scope `admin`; local callers have it unless LOCAL_SCOPES narrows them):
 * `POST/GET /admin/keys`, `DELETE /admin/keys/:prefix`, `GET /admin/audit`, `GET /admin/tool-pins`,
 * `POST /admin/tool-pins/approve`. Key changes and approvals are audited.
 */
export const adminRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('preHandler', async (request) => {
    request.caller.scopes.requireAdmin();
  });

  app.post('/admin/keys', async (request, reply) => {
    const body = requireJsonBody(request.body, request.headers['content-type']);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid('body', 'send {"name": "agent-x", "scopes": ["postgres"], "expiresIn": "30d", "rateLimit": {"max": 500, "window": "1m"}}');
    }
    const b = body as Record<string, unknown>;
    const { name, scopes } = checkKeyInput({ name: b['name'], scopes: b['scopes'] });
    const expiresAt = parseExpiry(b['expiresIn'], b['expiresAt']);
    const rateLimit = parseRateLimit(b['rateLimit']);
    const { key, record } = await storeCall(() => createApiKey(app.store.keys, { name, scopes, expiresAt, rateLimit }));
    auditAdmin(request, 'keys.create', record.prefix);
    request.log.info({ prefix: record.prefix, name, scopes }, 'API key created');
    return reply.code(201).send({ key, ...keyView(record), note: 'store the key now: it is shown only once' });
  });

  app.get<{ Querystring: { all?: string } }>('/admin/keys', async (request) => {
    const records = await storeCall(() => app.store.keys.list({ includeRevoked: request.query.all === 'true' }));
    return { keys: records.map((r) => keyView(r)) };
  });

  app.delete<{ Params: { prefix: string } }>('/admin/keys/:prefix', async (request) => {
    const { prefix } = request.params;
    if (!isKeyPrefix(prefix)) throw invalid('prefix', 'a key prefix is the 12 hex characters after mcp_live_');
    const record = await storeCall(() => app.store.keys.revoke(prefix));
    if (!record) throw new GatewayError('KEY_NOT_FOUND', `no API key has the prefix ${prefix}; list them with GET /admin/keys?all=true`);
    app.keyVerifier.invalidate(prefix);
    auditAdmin(request, 'keys.revoke', prefix);
    request.log.info({ prefix, name: record.name }, 'API key revoked');
    return { revoked: keyView(record) };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/audit', async (request) => {
    const q = request.query;
    const query: AuditQuery = { limit: 100 };
    if (q['limit'] !== undefined) {
      const limit = Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw invalid('limit', 'limit is a whole number from 1 to 1000');
      query.limit = limit;
    }
    if (q['agent']) query.agent = q['agent'];
    if (q['service']) query.service = q['service'];
    if (q['outcome']) {
      if (!OUTCOMES.includes(q['outcome'] as AuditOutcome)) throw invalid('outcome', `outcome is one of ${OUTCOMES.join(', ')}`);
      query.outcome = q['outcome'] as AuditOutcome;
    }
    if (q['since']) query.since = parseSince(q['since']);
    if (q['cursor']) {
      if (!/^\d{1,19}$/.test(q['cursor'])) throw invalid('cursor', 'cursor is the nextCursor of a previous page');
      query.before = q['cursor'];
    }
    const page = await storeCall(() => app.store.audit.query(query));
    return { rows: page.rows, nextCursor: page.nextCursor };
  });

  app.get<{ Querystring: { service?: string; definitions?: string } }>('/admin/tool-pins', async (request) => {
    const { service, definitions } = request.query;
    const filter = service ? { service: checkApproveInput({ service, tools: undefined }).service } : {};
    const records = await storeCall(() => app.store.toolPins.list(filter));
    return { enforced: app.toolPins.enforcing, pins: records.map((r) => toolPinView(r, { definitions: definitions === 'true' })) };
  });

  app.post('/admin/tool-pins/approve', async (request) => {
    const body = requireJsonBody(request.body, request.headers['content-type']);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid('body', 'send {"service": "postgres"} to approve every changed tool of a service, or {"service": "postgres", "tools": ["query"]}');
    }
    const b = body as Record<string, unknown>;
    const { service, tools } = checkApproveInput({ service: b['service'], tools: b['tools'] });
    const approved = await storeCall(() => app.toolPins.approve(service, tools));
    for (const record of approved) auditAdmin(request, 'tools.approve', `${service}.${record.tool}`);
    if (approved.length > 0) {
      request.log.info({ service, tools: approved.map((r) => r.tool), hashes: approved.map((r) => r.hash) }, 'tool definitions approved as the new pins');
    }
    const done = new Set(approved.map((r) => r.tool));
    return {
      approved: approved.map((r) => toolPinView(r)),
      notChanged: (tools ?? []).filter((t) => !done.has(t)),
    };
  });

  function auditAdmin(request: FastifyRequest, tool: string, prefix: string): void {
    app.audit.record({
      at: new Date(),
      requestId: request.id,
      agent: request.caller.agent,
      authMethod: request.caller.method,
      service: 'admin',
      tool: `${tool}:${prefix}`,
      outcome: 'ok',
      errorCode: null,
      errorName: null,
      durationMs: 0,
      peer: request.caller.peer,
      endpoint: 'admin',
    });
  }
};


function parseExpiry(expiresIn: unknown, expiresAt: unknown): Date | null {
  if (expiresIn !== undefined && expiresAt !== undefined) throw invalid('expiresIn', 'give expiresIn or expiresAt, not both');
  if (expiresIn !== undefined) {
    if (typeof expiresIn !== 'string') throw invalid('expiresIn', 'expiresIn is a duration such as 30d, 24h or 15m');
    try {
      return new Date(Date.now() + parseDuration(expiresIn));
    } catch (error) {
      throw invalid('expiresIn', (error as Error).message);
    }
  }
  if (expiresAt !== undefined) {
    const at = typeof expiresAt === 'string' ? new Date(expiresAt) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) throw invalid('expiresAt', 'expiresAt is a future ISO 8601 time such as 2027-01-31T00:00:00Z');
    return at;
  }
  return null;
}

function parseRateLimit(value: unknown): { max: number; windowMs: number } | null {
  if (value === undefined || value === null) return null;
  const v = value as { max?: unknown; window?: unknown };
  if (typeof value !== 'object' || !Number.isInteger(v.max) || (v.max as number) < 1 || typeof v.window !== 'string') {
    throw invalid('rateLimit', 'rateLimit is {"max": <calls>, "window": "1m"}');
  }
  try {
    return { max: v.max as number, windowMs: parseDuration(v.window) };
  } catch (error) {
    throw invalid('rateLimit.window', (error as Error).message);
  }
}

/** `since` is an ISO time or a duration back from now (`15m`, `24h`). */
export function parseSince(text: string): Date {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) return new Date(Date.now() - parseDuration(text));
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw invalid('since', 'since is an ISO 8601 time (2026-11-27T10:00:00Z) or a duration back from now (15m, 24h)');
  return at;
}
