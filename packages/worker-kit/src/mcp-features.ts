import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import {
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CompleteResult,
  type GetPromptResult,
  type Prompt,
  type PromptArgument,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { MAX_COMPLETION_VALUES, type Completer, type CompletionValues } from './completer.js';
import type { PromptArguments, PromptDefinition, PromptResult } from './define-prompt.js';
import type { ResourceDefinition, ResourceReadResult, ResourceTemplateDefinition } from './define-resource.js';
import type { KitContext, RequestExtra, ServerSession } from './request-context.js';

/** MCP's code for a resource URI the server does not have (spec: resources, error handling). */
export const RESOURCE_NOT_FOUND = -32002;

/** Runs a handler with a request context, turning its failures into JSON-RPC errors. Made by the worker. */
export type RunWithContext<D> = <T>(
  extra: RequestExtra,
  session: ServerSession,
  kind: 'resource' | 'prompt' | 'completion',
  label: string,
  handler: (ctx: KitContext<D>) => T | Promise<T>,
) => Promise<T>;

interface CompiledTemplate<D> {
  definition: ResourceTemplateDefinition<D>;
  template: UriTemplate;
}

interface CompiledPrompt<D> {
  // Prompts are heterogeneous in their argument types; each is checked where it is defined.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PromptDefinition<D, any>;
  listing: Prompt;
  /** Validates the arguments of a `prompts/get`, throwing InvalidParams that names what is wrong. */
  parse(args: Record<string, string>): unknown;
}

/** A worker's resources, templates and prompts, validated once at definition time. */
export interface McpFeatures<D> {
  /** The capabilities these features need (merged with tools and logging by the worker). */
  readonly capabilities: ServerCapabilities;
  /** Registers the handlers on one server (one per connection or HTTP session). */
  register(server: Server, session: ServerSession, run: RunWithContext<D>): void;
}

export interface McpFeatureOptions<D> {
  resources?: ResourceDefinition<D>[];
  resourceTemplates?: ResourceTemplateDefinition<D>[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  prompts?: PromptDefinition<D, any>[];
}

/**
 * Validates resources, templates and prompts (unique URIs and names, completers that name real
 * arguments or variables) and prepares their listings. Mistakes throw here, at start-up.
 */
export function compileMcpFeatures<D>(worker: string, options: McpFeatureOptions<D>): McpFeatures<D> {
  const statics = new Map<string, ResourceDefinition<D>>();
  for (const resource of options.resources ?? []) {
    if (statics.has(resource.uri)) throw new Error(`worker ${worker}: resource ${resource.uri} is defined twice`);
    statics.set(resource.uri, resource);
  }
  const templates: CompiledTemplate<D>[] = [];
  const templatesByUri = new Map<string, CompiledTemplate<D>>();
  for (const definition of options.resourceTemplates ?? []) {
    if (!UriTemplate.isTemplate(definition.uriTemplate)) {
      throw new Error(`worker ${worker}: resource template ${definition.uriTemplate} has no {variables}; define it as a resource`);
    }
    if (templatesByUri.has(definition.uriTemplate)) throw new Error(`worker ${worker}: resource template ${definition.uriTemplate} is defined twice`);
    const template = new UriTemplate(definition.uriTemplate);
    checkCompleters(worker, `resource template ${definition.uriTemplate}`, definition.complete, template.variableNames);
    const compiled = { definition, template };
    templates.push(compiled);
    templatesByUri.set(definition.uriTemplate, compiled);
  }
  const prompts = new Map<string, CompiledPrompt<D>>();
  for (const definition of options.prompts ?? []) {
    if (prompts.has(definition.name)) throw new Error(`worker ${worker}: prompt ${definition.name} is defined twice`);
    prompts.set(definition.name, compilePrompt(worker, definition));
  }

  const resourceListing: Resource[] = [...statics.values()].map((r) => ({
    uri: r.uri,
    ...metadata(r),
    ...(r.size === undefined ? {} : { size: r.size }),
  }));
  const templateListing: ResourceTemplate[] = templates.map(({ definition: t }) => ({ uriTemplate: t.uriTemplate, ...metadata(t) }));
  const promptListing = [...prompts.values()].map((p) => p.listing);
  const hasResources = statics.size > 0 || templates.length > 0;
  const hasCompleters =
    templates.some((t) => hasKeys(t.definition.complete)) || [...prompts.values()].some((p) => hasKeys(p.definition.complete));

  const capabilities: ServerCapabilities = {
    ...(hasResources ? { resources: { subscribe: true, listChanged: true } } : {}),
    ...(prompts.size > 0 ? { prompts: { listChanged: true } } : {}),
    ...(hasCompleters ? { completions: {} } : {}),
  };

  const knows = (uri: string): boolean => statics.has(uri) || templates.some((t) => t.template.match(uri) !== null);
  const notFound = (uri: string): McpError =>
    new McpError(RESOURCE_NOT_FOUND, `resource ${uri} not found; resources/list and resources/templates/list show what ${worker} has`, { uri });

  function register(server: Server, session: ServerSession, run: RunWithContext<D>): void {
    // Always: MCP logging is how handlers talk to the client, and the client sets its level.
    server.setRequestHandler(SetLevelRequestSchema, (request) => {
      session.level = request.params.level;
      return {};
    });

    if (hasResources) {
      server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: resourceListing }));
      server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: templateListing }));
      server.setRequestHandler(ReadResourceRequestSchema, async (request, extra): Promise<ReadResourceResult> => {
        const { uri } = request.params;
        const resource = statics.get(uri);
        if (resource) {
          const result = await run(extra, session, 'resource', uri, (ctx) => resource.read(ctx));
          return { contents: toContents(result, uri, resource.mimeType) };
        }
        for (const { definition, template } of templates) {
          const variables = template.match(uri);
          if (!variables) continue;
          const result = await run(extra, session, 'resource', uri, (ctx) => definition.read(variables, ctx, uri));
          return { contents: toContents(result, uri, definition.mimeType) };
        }
        throw notFound(uri);
      });
      server.setRequestHandler(SubscribeRequestSchema, (request) => {
        if (!knows(request.params.uri)) throw notFound(request.params.uri);
        session.subscriptions.add(request.params.uri);
        return {};
      });
      server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
        session.subscriptions.delete(request.params.uri);
        return {};
      });
    }

    if (prompts.size > 0) {
      server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: promptListing }));
      server.setRequestHandler(GetPromptRequestSchema, async (request, extra): Promise<GetPromptResult> => {
        const { name } = request.params;
        const prompt = prompts.get(name);
        if (!prompt) {
          throw new McpError(ErrorCode.InvalidParams, `unknown prompt "${name}"; ${worker} has: ${[...prompts.keys()].join(', ')}`);
        }
        const args = prompt.parse(request.params.arguments ?? {});
        const result: PromptResult = await run(extra, session, 'prompt', name, (ctx) => prompt.definition.handler(args, ctx));
        return Array.isArray(result) ? { messages: result } : result;
      });
    }

    if (hasCompleters) {
      server.setRequestHandler(CompleteRequestSchema, async (request, extra): Promise<CompleteResult> => {
        const { ref, argument, context } = request.params;
        let completers: Record<string, Completer<D>> | undefined;
        let label: string;
        if (ref.type === 'ref/prompt') {
          const prompt = prompts.get(ref.name);
          if (!prompt) throw new McpError(ErrorCode.InvalidParams, `unknown prompt "${ref.name}"; ${worker} has: ${[...prompts.keys()].join(', ')}`);
          completers = prompt.definition.complete;
          label = `prompt ${ref.name}`;
        } else {
          const template = templatesByUri.get(ref.uri);
          if (!template && !statics.has(ref.uri)) throw notFound(ref.uri);
          completers = template?.definition.complete;
          label = `resource ${ref.uri}`;
        }
        const completer = completers?.[argument.name];
        if (!completer) return { completion: { values: [], hasMore: false } };
        const values = await run(extra, session, 'completion', `${label} ${argument.name}`, (ctx) =>
          completer(argument.value, context?.arguments ?? {}, ctx),
        );
        return { completion: toCompletion(values) };
      });
    }
  }

  return { capabilities, register };
}

function compilePrompt<D>(worker: string, definition: CompiledPrompt<D>['definition']): CompiledPrompt<D> {
  const spec = definition.arguments;
  let argumentList: PromptArgument[];
  let parse: CompiledPrompt<D>['parse'];
  if (spec === undefined || Array.isArray(spec)) {
    argumentList = spec ?? [];
    const known = new Set(argumentList.map((a) => a.name));
    const required = argumentList.filter((a) => a.required).map((a) => a.name);
    parse = (args) => {
      const missing = required.filter((name) => args[name] === undefined);
      const unknown = Object.keys(args).filter((name) => !known.has(name));
      if (missing.length > 0 || unknown.length > 0) {
        const problems = [
          ...(missing.length > 0 ? [`missing required argument(s) ${missing.join(', ')}`] : []),
          ...(unknown.length > 0 ? [`unknown argument(s) ${unknown.join(', ')} (known: ${[...known].join(', ') || 'none'})`] : []),
        ];
        throw new McpError(ErrorCode.InvalidParams, `invalid arguments for prompt ${definition.name}: ${problems.join('; ')}`);
      }
      return args as PromptArguments;
    };
  } else {
    const schema = spec.strict();
    argumentList = Object.entries(spec.shape).map(([name, field]) => {
      const zodField = field as z.ZodType;
      return {
        name,
        ...(zodField.description ? { description: zodField.description } : {}),
        required: !zodField.safeParse(undefined).success,
      };
    });
    parse = (args) => {
      const parsed = schema.safeParse(args);
      if (parsed.success) return parsed.data;
      const summary = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      throw new McpError(ErrorCode.InvalidParams, `invalid arguments for prompt ${definition.name}: ${summary}`);
    };
  }
  checkCompleters(worker, `prompt ${definition.name}`, definition.complete, argumentList.map((a) => a.name));
  const listing: Prompt = {
    name: definition.name,
    ...(definition.title ? { title: definition.title } : {}),
    ...(definition.description ? { description: definition.description } : {}),
    ...(argumentList.length > 0 ? { arguments: argumentList } : {}),
    ...(definition.icons ? { icons: definition.icons } : {}),
    ...(definition._meta ? { _meta: definition._meta } : {}),
  };
  return { definition, listing, parse };
}

function checkCompleters(worker: string, owner: string, completers: Record<string, unknown> | undefined, names: string[]): void {
  for (const name of Object.keys(completers ?? {})) {
    if (!names.includes(name)) {
      throw new Error(`worker ${worker}: ${owner} has a completer for "${name}", which is not one of its arguments (${names.join(', ') || 'none'})`);
    }
  }
}

function metadata(r: ResourceDefinition<never> | ResourceTemplateDefinition<never>) {
  return {
    name: r.name,
    ...(r.title ? { title: r.title } : {}),
    ...(r.description ? { description: r.description } : {}),
    ...(r.mimeType ? { mimeType: r.mimeType } : {}),
    ...(r.annotations ? { annotations: r.annotations } : {}),
    ...(r.icons ? { icons: r.icons } : {}),
    ...(r._meta ? { _meta: r._meta } : {}),
  };
}

/** A read handler's result as MCP contents: each with its URI, MIME type and text or base64 blob. */
export function toContents(result: ResourceReadResult, uri: string, mimeType: string | undefined): ReadResourceResult['contents'] {
  const items = Array.isArray(result) ? result : [result];
  return items.map((item) => {
    if (typeof item === 'string') return mimeType ? { uri, mimeType, text: item } : { uri, text: item };
    const type = item.mimeType ?? mimeType;
    const base = { uri: item.uri ?? uri, ...(type ? { mimeType: type } : {}), ...(item._meta ? { _meta: item._meta } : {}) };
    if ('text' in item) return { ...base, text: item.text };
    return { ...base, blob: typeof item.blob === 'string' ? item.blob : Buffer.from(item.blob).toString('base64') };
  });
}

function toCompletion(values: CompletionValues): CompleteResult['completion'] {
  const list = Array.isArray(values) ? values : values.values;
  const total = Array.isArray(values) ? list.length : (values.total ?? list.length);
  const hasMore = Array.isArray(values) ? list.length > MAX_COMPLETION_VALUES : (values.hasMore ?? total > Math.min(list.length, MAX_COMPLETION_VALUES));
  return { values: list.slice(0, MAX_COMPLETION_VALUES), total, hasMore };
}

function hasKeys(record: object | undefined): boolean {
  if (!record) return false;
  for (const _ in record) return true;
  return false;
}
