import type { AuditOutcome, AuthMethod } from '@mcpgw/store';
import { GatewayError } from '@mcpgw/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import { AuthFailure, Authenticator } from '../auth/authenticator.js';
import { createJwtVerifier } from '../auth/jwt-verifier.js';
import { CallLimiter } from '../calls/call-limiter.js';
import { createRateLimiter } from '../rate-limit/create-rate-limiter.js';
import { warnUnlessNoEviction } from '../redis/eviction-policy-check.js';

/** Routes behind the front door: every call and catalog route, and the admin API. */
export function isProtectedRoute(url: string | undefined): boolean {
  return url !== undefined && (url.startsWith('/mcp/') || url.startsWith('/admin/'));
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
    const jwtVerifier =
      jwt.secret || jwt.publicKeyPem || jwt.jwksUrl
        ? await createJwtVerifier({
            ...(jwt.secret ? { secret: jwt.secret } : {}),
            ...(jwt.publicKeyPem ? { publicKeyPem: jwt.publicKeyPem } : {}),
            ...(jwt.jwksUrl ? { jwksUrl: jwt.jwksUrl } : {}),
            ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
            ...(jwt.audience ? { audience: jwt.audience } : {}),
            clockToleranceSec: jwt.clockToleranceSec,
          })
        : undefined;
    const limiter = createRateLimiter({
      ...(redis.url ? { redisUrl: redis.url } : {}),
      prefix: redis.keyPrefix,
      log: app.log.child({ component: 'rate-limit' }),
      events: {
        onBackendChange: (backend) => metrics.rateLimitBackend.set(backend === 'redis' ? 1 : 0),
        onFallbackCall: () => metrics.rateLimitFallback.inc(),
      },
    });
    metrics.rateLimitBackend.set(redis.url ? 1 : 0);
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
      if (!isProtectedRoute(url)) return;
      let caller;
      try {
        caller = await authenticator.authenticate(request);
      } catch (error) {
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

    /** An audit row for a request refused at the door (no service or tool: nothing was resolved). */
    function auditRefusal(request: FastifyRequest, outcome: AuditOutcome, method: AuthMethod, error: GatewayError): void {
      app.audit.record({
        at: new Date(),
        requestId: request.id,
        agent: request.caller?.agent ?? null,
        authMethod: method,
        service: null,
        tool: null,
        outcome,
        errorCode: error.spec.code,
        errorName: error.spec.name,
        durationMs: 0,
        peer: request.caller?.peer ?? request.ip,
        endpoint: request.routeOptions.url ?? request.url.slice(0, 100),
      });
    }

    app.addHook('onClose', async () => {
      await keyVerifier.close();
      await limiter.close();
    });
  },
  { name: 'auth', dependencies: ['store', 'metrics'] },
);
