import type { GetPromptResult, Icon, PromptArgument, PromptMessage } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Completer } from './completer.js';
import type { RequestContext } from './request-context.js';

/** Prompt arguments as MCP sends them: strings, by name (absent when optional and not given). */
export type PromptArguments = Record<string, string | undefined>;

/** What a prompt handler returns: its messages, or a full `prompts/get` result (with a description). */
export type PromptResult = PromptMessage[] | GetPromptResult;

/**
 * A prompt (`prompts/list`, `prompts/get`). Its arguments are either a zod object of strings — the
 * argument list is derived from it (descriptions from `.describe()`) and it validates each call — or
 * an MCP argument list, checked for required and unknown names.
 */
export interface PromptDefinition<D = unknown, A = PromptArguments> {
  name: string;
  title?: string;
  description?: string;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
  arguments?: z.ZodObject | PromptArgument[];
  /** Completers for the prompt's arguments, by argument name. */
  complete?: Record<string, Completer<D>>;
  handler(args: A, ctx: RequestContext<D>): PromptResult | Promise<PromptResult>;
}

type ZodPromptDefinition<D, S extends z.ZodObject> = Omit<PromptDefinition<D, z.output<S>>, 'arguments'> & { arguments: S };

/** Declares a prompt; with a zod `arguments` object the handler's arguments are typed from it. */
export function definePrompt<S extends z.ZodObject, D = unknown>(definition: ZodPromptDefinition<D, S>): PromptDefinition<D, z.output<S>>;
export function definePrompt<D = unknown>(definition: PromptDefinition<D>): PromptDefinition<D>;
export function definePrompt(definition: PromptDefinition<unknown, never>): PromptDefinition<unknown, never> {
  return definition;
}

/**
 * Returns a `definePrompt` bound to a worker's dependency type, so handlers see typed `ctx.deps`:
 * `const prompt = promptDefiner<Deps>(); const summary = prompt({ ... })`.
 */
export function promptDefiner<D>() {
  function define<S extends z.ZodObject>(definition: ZodPromptDefinition<D, S>): PromptDefinition<D, z.output<S>>;
  function define(definition: PromptDefinition<D>): PromptDefinition<D>;
  function define(definition: PromptDefinition<D, never>): PromptDefinition<D, never> {
    return definition;
  }
  return define;
}
