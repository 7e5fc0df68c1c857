/**
 * Log fields never written out, by the gateway or any worker (pino `redact` paths): credentials in
 * headers, and any field named like a secret at the top level or one object down.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-mcp-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-mcp-key"]',
  'headers.cookie',
  ...['authorization', 'password', 'secret', 'token', 'apiKey', 'connectionString'].flatMap((field) => [field, `*.${field}`]),
];
