import type { FastifyBaseLogger } from 'fastify';
import { REDACTED_LOG_PATHS, scrubSerializedError } from '@mcpgw/protocol';
import pino, { type Logger, type LoggerOptions } from 'pino';
import type { GatewayConfig } from './config.js';
import { traceLogFields } from '@mcpgw/tracing';

/**
 * The gateway's pino options. With tracing on (an OTLP endpoint configured), lines logged inside a
 * span carry its `trace_id` and `span_id`; with tracing off there is no mixin at all.
 */
export function loggerOptions(config: Pick<GatewayConfig, 'logLevel'> & { tracing?: Pick<GatewayConfig['tracing'], 'endpoint'> }): LoggerOptions {
  return {
    ...(config.tracing?.endpoint ? { mixin: traceLogFields } : {}),
    level: config.logLevel,
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    // Credentials a library put inside an error message are scrubbed too.
    serializers: { err: (error: Error) => scrubSerializedError(pino.stdSerializers.err(error)) },
    base: { name: 'mcp-gateway' },
  };
}

/** The logger type gateway modules accept (Fastify's view of pino). */
export type GatewayLogger = FastifyBaseLogger;

/** The gateway's logger: JSON lines on stdout, or pino-pretty when LOG_FORMAT=pretty. */
export function createLogger(config: Pick<GatewayConfig, 'logLevel' | 'logFormat'> & { tracing?: Pick<GatewayConfig['tracing'], 'endpoint'> }): Logger {
  if (config.logFormat === 'pretty') {
    return pino(loggerOptions(config), pino.transport({ target: 'pino-pretty', options: { colorize: true } }));
  }
  return pino(loggerOptions(config));
}
