import { REDACTED_LOG_PATHS, scrubSerializedError } from '@mcpgw/protocol';
import pino, { type Logger } from 'pino';

/**
 * A worker's logger. Workers log to stderr: stdout carries the MCP stream when running over stdio.
 * `mixin` adds fields to every line (with tracing on: the active span's `trace_id` and `span_id`).
 */
export function createWorkerLogger(name: string, level: string, pretty: boolean, destination?: pino.DestinationStream, mixin?: () => object): Logger {
  const options = {
    ...(mixin ? { mixin } : {}),
    name: `worker:${name}`,
    level,
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    // Credentials a library put inside an error message are scrubbed too.
    serializers: { err: (error: Error) => scrubSerializedError(pino.stdSerializers.err(error)) },
  };
  if (destination) return pino(options, destination);
  if (pretty) {
    return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: false } }));
  }
  return pino(options, pino.destination({ fd: 2, sync: false }));
}
