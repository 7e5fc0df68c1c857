import pino, { type Logger } from 'pino';

/** Paths never written to logs, in any worker. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'connectionString',
  '*.connectionString',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-mcp-key"]',
];

/**
 * A worker's logger. Workers log to stderr: stdout carries the MCP stream when running over stdio.
 */
export function createWorkerLogger(name: string, level: string, pretty: boolean): Logger {
  const options = { name: `worker:${name}`, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (pretty) {
    return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: false } }));
  }
  return pino(options, pino.destination({ fd: 2, sync: false }));
}
