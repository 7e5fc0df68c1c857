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

const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+):[^\s@/]+@/gi, '$1:[redacted]@'],
  // "password": "...", token: '...', api_key=... (quoted values keep their quotes)
  [/\b(password|passwd|pwd|secret|token|api[_-]?key)(["']?\s*[=:]\s*)(["'])(?:(?!\3).)*\3/gi, '$1$2$3[redacted]$3'],
  [/\b(password|passwd|pwd|secret|token|api[_-]?key)(["']?\s*[=:]\s*)(?!\[redacted\])[^\s,;&"']+/gi, '$1$2[redacted]'],
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/g, 'Bearer [redacted]'],
  [/\bmcp_live_[A-Za-z0-9_-]+/g, 'mcp_live_[redacted]'],
];

/**
 * Removes credentials from free text (error messages, stack traces): path-based redaction cannot
 * see a password a library put inside a message, e.g. a connection string in a connect error.
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Scrubs a serialized error's message and stack in place (for pino's `err` serializer). */
export function scrubSerializedError<E extends { message?: unknown; stack?: unknown }>(error: E): E {
  if (typeof error.message === 'string') error.message = scrubSecrets(error.message);
  if (typeof error.stack === 'string') error.stack = scrubSecrets(error.stack);
  return error;
}

/** A connection URL with its password replaced by `***`, for logs and printed configuration. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparsable URL]';
  }
}
