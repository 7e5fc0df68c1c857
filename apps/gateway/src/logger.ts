import type { FastifyBaseLogger } from 'fastify';
import pino, { type Logger, type LoggerOptions } from 'pino';
import type { GatewayConfig } from './config.js';

/**
 * Paths that never reach a log line: credentials in headers, and any field named like a secret
 * (at the top level or one object down, e.g. `err.password`, `config.secret`).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-mcp-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-mcp-key"]',
  'headers.cookie',
  'authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'connectionString',
  '*.connectionString',
];

export function loggerOptions(config: Pick<GatewayConfig, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { name: 'mcp-gateway' },
  };
}

/** The logger type gateway modules accept (Fastify's view of pino). */
export type GatewayLogger = FastifyBaseLogger;

/** The gateway's logger: JSON lines on stdout, or pino-pretty when LOG_FORMAT=pretty. */
export function createLogger(config: Pick<GatewayConfig, 'logLevel' | 'logFormat'>): Logger {
  if (config.logFormat === 'pretty') {
    return pino(loggerOptions(config), pino.transport({ target: 'pino-pretty', options: { colorize: true } }));
  }
  return pino(loggerOptions(config));
}
