import { markFailed } from '@mcpgw/tracing';
import { SpanKind, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const SPAN = Symbol('mcpgw.requestSpan');
type TracedRequest = FastifyRequest & { [SPAN]?: Span };

/**
 * A SERVER span per HTTP request, `<METHOD> <route template>`, continuing an incoming `traceparent`.
 * Registered only when tracing is on (app.ts). The span becomes the active context in preHandler —
 * AsyncLocalStorage context does not survive body parsing, so onRequest is too early — and the
 * handler runs inside it: breaker and worker-call spans become its children.
 */
export const tracingPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const tracer = app.tracing!.tracer;
    app.addHook('onRequest', (request: TracedRequest, _reply, done) => {
      const route = request.routeOptions.url;
      const parent = propagation.extract(context.active(), request.headers);
      request[SPAN] = tracer.startSpan(
        route === undefined ? request.method : `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            ...(route === undefined ? {} : { 'http.route': route }),
            'mcpgw.request_id': request.id,
          },
        },
        parent,
      );
      done();
    });
    app.addHook('preHandler', (request: TracedRequest, _reply, done) => {
      const span = request[SPAN];
      if (span) context.with(trace.setSpan(context.active(), span), done);
      else done();
    });
    app.addHook('onResponse', (request: TracedRequest, reply, done) => {
      const span = request[SPAN];
      if (span) {
        request[SPAN] = undefined;
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) markFailed(span, String(reply.statusCode));
        span.end();
      }
      done();
    });
    app.addHook('onRequestAbort', (request: TracedRequest, done) => {
      const span = request[SPAN];
      if (span) {
        request[SPAN] = undefined;
        span.setAttribute('error.type', 'client_aborted');
        span.end();
      }
      done();
    });
  },
  { name: 'tracing' },
);
