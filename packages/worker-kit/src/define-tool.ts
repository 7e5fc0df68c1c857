import type { ToolAnnotations } from '@mcpgw/protocol';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ClientFeatures } from './request-context.js';

/**
 * What a tool handler receives besides its validated arguments. The kit always sets the MCP client
 * features (`sendLog`, `createMessage`, `elicit`, `listRoots`, `notifyResourceUpdated`); they are
 * optional in the type only so that contexts built by hand (tests, one tool calling another's
 * handler) stay valid. Call them as methods (`ctx.elicit(...)`), not detached.
 */
export interface ToolContext<D> extends Partial<ClientFeatures> {
  /** The worker's dependencies (pools, clients) built by its setup. */
  deps: D;
  /** Aborted when the caller cancels or the gateway times the call out. */
  signal: AbortSignal;
  /** The gateway's request id, when the call came through the gateway. */
  requestId: string | undefined;
  /**
   * The calling agent's identity (key name, JWT `sub`, or `local` / its X-Agent-Id), sent by the
   * gateway as `_meta["mcpgw/agent"]`; undefined when the call did not come through the gateway.
   * Optional so that contexts built by hand stay valid.
   */
  agent?: string | undefined;
  /** The worker's own log (stderr), bound to this call. For MCP logging to the client, use `sendLog`. */
  log: Logger;
  /** Overrides the tool's declared token cost for this call (e.g. real LLM usage). */
  reportTokens(tokens: number): void;
  /**
   * The call's cost in US dollars, when the tool knows it (e.g. what an LLM API billed); the gateway
   * counts it in `mcp_token_cost_usd_total` instead of tokens × TOKEN_PRICES_USD. Optional in the
   * type only so that contexts built by hand stay valid; the kit always sets it.
   */
  reportCost?(usd: number): void;
  /** Sends an MCP progress notification when the caller asked for progress. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/**
 * What a handler returns: data, sent as `structuredContent` plus the same JSON as text — or a full
 * MCP result wrapped with `toolResult(...)`, sent as it is.
 */
export type ToolResultData = Record<string, unknown>;

/** A tool, defined once: its zod input schema is the JSON Schema in tools/list and the validator. */
export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, D = unknown, O extends ToolResultData = ToolResultData> {
  name: string;
  title?: string;
  description: string;
  input: I;
  /**
   * Optional zod schema of the result, published as `outputSchema`. The kit does not check results
   * against it: what the handler returns is what the caller gets.
   */
  output?: z.ZodObject;
  /** Approximate tokens a call costs an agent. */
  tokenCost: number;
  annotations?: Omit<ToolAnnotations, 'title'>;
  handler(args: z.output<I>, ctx: ToolContext<D>): Promise<O>;
}

/** Declares a tool with full type inference of its arguments. */
export function defineTool<I extends z.ZodObject, D, O extends ToolResultData>(definition: ToolDefinition<I, D, O>): ToolDefinition<I, D, O> {
  return definition;
}

/**
 * Returns a `defineTool` bound to a worker's dependency type, so handlers see typed `ctx.deps`:
 * `const tool = toolDefiner<Deps>(); const query = tool({ ... })`.
 */
export function toolDefiner<D>() {
  return <I extends z.ZodObject, O extends ToolResultData>(definition: ToolDefinition<I, D, O>): ToolDefinition<I, D, O> => definition;
}
