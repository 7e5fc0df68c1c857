import type { RequestContext } from './request-context.js';

/**
 * Values a completer suggests: a plain list (the kit sends the first 100 and says whether there were
 * more), or the list with the total the completer knows of.
 */
export type CompletionValues = string[] | { values: string[]; total?: number; hasMore?: boolean };

/**
 * Suggests values for one prompt argument or resource-template variable (`completion/complete`), from
 * what the user typed so far and the arguments already filled in.
 */
export type Completer<D = unknown> = (
  value: string,
  otherArguments: Readonly<Record<string, string>>,
  ctx: RequestContext<D>,
) => CompletionValues | Promise<CompletionValues>;

/** MCP caps a completion answer at 100 values. */
export const MAX_COMPLETION_VALUES = 100;
