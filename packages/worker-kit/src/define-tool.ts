import type { ToolAnnotations } from '@mcpgw/protocol';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** What a tool handler receives besides its validated arguments. */
export interface ToolContext<D> {
  /** The worker's dependencies (pools, clients) built by its setup. */
  deps: D;
  /** Aborted when the caller cancels or the gateway times the call out. */
  signal: AbortSignal;
  /** The gateway's request id, when the call came through the gateway. */
  requestId: string | undefined;
  log: Logger;
  /** Overrides the tool's declared token cost for this call (e.g. real LLM usage). */
  reportTokens(tokens: number): void;
  /** Sends an MCP progress notification when the caller asked for progress. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

export type ToolResultData = Record<string, unknown>;

/** A tool, defined once: its zod input schema is the JSON Schema in tools/list and the validator. */
export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, D = unknown, O extends ToolResultData = ToolResultData> {
  name: string;
  title?: string;
  description: string;
  input: I;
  /** Optional zod schema of the result, published as `outputSchema`. */
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
