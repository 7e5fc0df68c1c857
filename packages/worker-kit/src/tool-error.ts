import type { ToolErrorInfo, ToolErrorKind } from '@mcpgw/protocol';

/**
 * Thrown by a tool handler to report a failure the caller should see (bad SQL, upstream 429, a
 * rejected statement). The message goes back to the caller, so it must not contain secrets.
 * Any other error is logged in the worker and reported as a generic failure.
 */
export class ToolError extends Error {
  readonly kind: ToolErrorKind;
  readonly details: Omit<ToolErrorInfo, 'kind' | 'message'>;

  constructor(kind: ToolErrorKind, message: string, details: Omit<ToolErrorInfo, 'kind' | 'message'> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolError';
    this.kind = kind;
    this.details = details;
  }

  /** The wire form placed in the result's `_meta`. */
  toInfo(): ToolErrorInfo {
    return { kind: this.kind, message: this.message, ...this.details };
  }
}
