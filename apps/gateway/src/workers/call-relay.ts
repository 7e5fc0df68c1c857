/** A client's answer to a request the worker sent it (sampling, elicitation, roots). */
export type RelayAnswer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

/**
 * Where a worker's messages about one call go: back to the MCP client that made the call. Many
 * clients share one worker connection, so the connection finds the call a message belongs to
 * (by progress token, or by the related-request tag the worker kit adds) and hands it here.
 */
export interface CallRelay {
  /** The client's own progress token (the worker saw a gateway-made one), or undefined. */
  readonly progressToken: string | number | undefined;
  /** A notification about the call: progress, a log message. */
  notify(method: string, params: Record<string, unknown> | undefined): void;
  /** A request about the call (sampling/createMessage, elicitation/create, roots/list). */
  request(method: string, params: Record<string, unknown> | undefined): Promise<RelayAnswer>;
}

/** A worker message not about any call: list changes, resource updates, log lines. */
export type WorkerNotificationListener = (method: string, params: Record<string, unknown> | undefined) => void;
