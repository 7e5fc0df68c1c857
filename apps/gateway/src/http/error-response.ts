import { GatewayError, type ErrorData, type ErrorEnvelope, type ErrorSpec, errorSpec } from '@mcpgw/protocol';
import type { FastifyBaseLogger } from 'fastify';

/** An error ready to be sent: its table entry, a caller-safe message and data. */
export interface ResolvedError {
  spec: ErrorSpec;
  message: string;
  data: ErrorData | undefined;
  retryAfterSeconds: number | undefined;
}

/**
 * Turns anything thrown into a caller-safe error. GatewayErrors pass through; Fastify's own
 * client errors (body too large, wrong media type, ...) get their table codes; anything else is
 * logged with the request id and answered as INTERNAL_ERROR without its message or stack.
 */
export function resolveError(error: unknown, requestId: string, log: FastifyBaseLogger): ResolvedError {
  if (error instanceof GatewayError) {
    return { spec: error.spec, message: error.message, data: error.data, retryAfterSeconds: error.retryAfterSeconds };
  }
  const framework = error as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const code = typeof framework?.code === 'string' ? framework.code : '';
  const status = typeof framework?.statusCode === 'number' ? framework.statusCode : 0;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return plain('PAYLOAD_TOO_LARGE', 'the request body is larger than BODY_LIMIT_BYTES allows');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return plain('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return plain('PARSE_ERROR', 'the body is empty; send a JSON document');
  if (code.startsWith('FST_ERR_CTP_') || (status >= 400 && status < 500)) {
    return plain('INVALID_REQUEST', `the request is malformed (${code || status})`);
  }
  log.error({ err: error, requestId }, 'unexpected error');
  return plain('INTERNAL_ERROR', `internal error; the gateway log has details under request id ${requestId}`);
}

function plain(name: Parameters<typeof errorSpec>[0], message: string): ResolvedError {
  return { spec: errorSpec(name), message, data: undefined, retryAfterSeconds: undefined };
}

/** The REST error envelope for a resolved error. */
export function errorEnvelope(resolved: ResolvedError, requestId: string, context: { service?: string; tool?: string } = {}): ErrorEnvelope {
  return {
    status: 'error',
    error: {
      code: resolved.spec.code,
      name: resolved.spec.name,
      message: resolved.message,
      ...(resolved.data === undefined ? {} : { data: resolved.data }),
    },
    metadata: { requestId, ...context },
  };
}

/** The JSON-RPC error object for a resolved error. */
export function rpcErrorObject(resolved: ResolvedError): { code: number; message: string; data?: ErrorData } {
  return {
    code: resolved.spec.code,
    message: resolved.message,
    data: { name: resolved.spec.name, ...resolved.data },
  };
}
