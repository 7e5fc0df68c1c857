import type { AuditOutcome, AuthMethod } from '@mcpgw/store';
import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { markAudited, wasAudited } from '../audit/audited-errors.js';
import { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import { AuthFailure, Authenticator } from '../auth/authenticator.js';
import { createJwtVerifier, type JwtVerifier } from '../auth/jwt-verifier.js';
import { ConfigError, type GatewayConfig } from '../config.js';
import { CallLimiter } from '../calls/call-limiter.js';
import { createRateLimiter } from '../rate-limit/create-rate-limiter.js';
import { FailoverRateLimiter } from '../rate-limit/failover-rate-limiter.js';
import { warnUnlessNoEviction } from '../redis/eviction-policy-check.js';

/** The bearer-token verifier when any JWT key source is configured; a bad key stops start-up with ConfigError. */
async function buildJwtVerifier(jwt: GatewayConfig['auth']['jwt']): Promise<JwtVerifier | undefined> {
  if (!jwt.secret && !jwt.publicKeyPem && !jwt.jwksUrl) return undefined;
  try {
    return await createJwtVerifier({
      ...(jwt.secret ? { secret: jwt.secret } : {}),
      ...(jwt.publicKeyPem ? { publicKeyPem: jwt.publicKeyPem } : {}),
      ...(jwt.jwksUrl ? { jwksUrl: jwt.jwksUrl } : {}),
      ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
      ...(jwt.audience ? { audience: jwt.audience } : {}),
      clockToleranceSec: jwt.clockToleranceSec,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function isAdminRoute(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/admin/');
}

/** Routes behind the front door: every call and catalog route, and the admin API. */
export function isProtectedRoute(url: string | undefined): boolean {
  return url !== undefined && (url === '/mcp' || url.startsWith('/mcp/') || url.startsWith('/admin/') || url.startsWith('/jobs/') || url === '/alerts' || url.startsWith('/alerts/'));
}

/**
 * The front door. Before any /mcp or /admin handler runs: who is calling (Authenticator), and —
 * except on /mcp/rpc, which counts each call of a batch itself — one unit of the caller's rate
 * limit. Refusals are counted, audited and answered in the endpoint's own error shape.
 */
export const authPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const { auth, redis, rateLimit } = app.config;
    const metrics = app.metrics;
    const log = app.log.child({ component: 'auth' });
    const keyVerifier = new ApiKeyVerifier({ keys: app.store.keys, ttlMs: auth.keyCacheTtlMs, staleMs: auth.keyStaleMs, log });
    const { jwt } = auth;
    const jwtVerifier = await buildJwtVerifier(jwt);
    const limiter = createRateLimiter({
      ...(redis.url ? { redisUrl: redis.url } : {}),
      prefix: redis.keyPrefix,
      log: app.log.child({ component: 'rate-limit' }),
      events: {
        onBackendChange: () => undefined, // read at scrape time below; the limiter logs the change
        onFallbackCall: () => metrics.rateLimitFallback.inc(),
      },
    });
    metrics.rateLimitsInRedis = () => limiter instanceof FailoverRateLimiter && limiter.backend === 'redis';
    if (redis.url) void warnUnlessNoEviction(redis.url, log);
    const authenticator = new Authenticator({
      localhostBypass: auth.localhostBypass,
      localScopes: auth.localScopes,
      trustedNetworks: auth.trustedNetworks,
      keys: keyVerifier,
      jwt: jwtVerifier,
      failures: limiter,
      failureRule: auth.failureLimit,
    });
    const callLimiter = new CallLimiter(limiter, rateLimit, metrics);
    app.decorate('authenticator', authenticator);
    app.decorate('keyVerifier', keyVerifier);
    app.decorate('limiter', callLimiter);
    app.decorateRequest('caller', null as never);

    const authenticated = new Map(['local', 'api_key', 'jwt'].map((m) => [m, metrics.authenticated.labels(m)]));

    app.addHook('preHandler', async (request, reply) => {
      const url = request.routeOptions.url;
      // CORS preflights carry no credentials by design; they get headers only, never data.
      if (!isProtectedRoute(url) || request.method === 'OPTIONS') return;
      let caller;
      try {
        caller = await authenticator.authenticate(request);
      } catch (error) {
        if (error instanceof GatewayError && error.spec.name === 'UNAUTHENTICATED') void reply.header('www-authenticate', 'Bearer realm="mcp-gateway"');
        if (error instanceof AuthFailure) {
          metrics.authFailures.labels(error.method, error.reason).inc();
          if (error.spec.name === 'RATE_LIMITED') metrics.rateLimited.labels('auth_failures').inc();
          auditRefusal(request, error.spec.name === 'RATE_LIMITED' ? 'rate_limited' : 'unauthenticated', error.method, error);
        }
        throw error;
      }
      authenticated.get(caller.method)!.inc();
      request.caller = caller;
      if (url === '/mcp/rpc') return; // counts each call of a batch itself
      const decision = await callLimiter.take(caller, 1);
      if (!decision) return;
      CallLimiter.setHeaders(reply, decision);
      if (decision.allowed < 1) {
        const error = CallLimiter.refusal(decision, caller);
        auditRefusal(request, 'rate_limited', caller.method, error);
        throw error;
      }
    });

    /** An audit row for a request refused at the door, or for a FORBIDDEN listing or admin request (no call was made). */
    function auditRefusal(request: FastifyRequest, outcome: AuditOutcome, method: AuthMethod, error: GatewayError, service: string | null = null, tool: string | null = null): void {
      app.audit.record({
        at: new Date(),
        requestId: request.id,
        agent: request.caller?.agent ?? null,
        authMethod: method,
        service,
        tool,
        outcome,
        errorCode: error.spec.code,
        errorName: error.spec.name,
        durationMs: 0,
        peer: request.caller?.peer ?? request.ip,
        endpoint: request.routeOptions.url ?? request.url.slice(0, 100),
      });
    }

    /** A scope refusal that did not come from a call (admin API, catalog, describeService): audited and counted here. */
    const auditForbidden = (request: FastifyRequest, error: unknown): void => {
      if (!(error instanceof GatewayError) || error.spec.name !== 'FORBIDDEN' || wasAudited(error) || !request.caller) return;
      markAudited(error);
      metrics.forbidden.inc();
      const service = typeof error.data?.['service'] === 'string' ? error.data['service'] : isAdminRoute(request.routeOptions.url) ? 'admin' : null;
      auditRefusal(request, 'denied', request.caller.method, error, service, null);
    };
    app.decorate('auditForbidden', auditForbidden);
    app.addHook('onError', async (request, _reply, error) => auditForbidden(request, error));

    app.addHook('onClose', async () => {
      await keyVerifier.close();
      await limiter.close();
    });
  },
  { name: 'auth', dependencies: ['store', 'metrics'] },
);
