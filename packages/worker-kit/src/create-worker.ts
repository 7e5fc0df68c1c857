import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolRequest,
  type CallToolResult,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  MANIFEST_VERSION,
  MetaKeys,
  WorkerMethods,
  compileCommand,
  errorSpec,
  serviceManifestSchema,
  type CommandDescriptor,
  type HealthReport,
  type PoolStats,
  type ServiceManifest,
  type ServiceMode,
  type ToolDescriptor,
  type ToolErrorInfo,
  type ToolErrorKind,
} from '@mcpgw/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PromptDefinition } from './define-prompt.js';
import type { ResourceDefinition, ResourceTemplateDefinition } from './define-resource.js';
import type { ToolDefinition, ToolResultData } from './define-tool.js';
import { RESOURCE_NOT_FOUND, compileMcpFeatures, type McpFeatures, type RunWithContext } from './mcp-features.js';
import { ServerSession, createRequestContext, reportedCost, reportedTokens, type RequestExtra, type WorkerHub } from './request-context.js';
import { ToolError } from './tool-error.js';
import { unwrapToolResult } from './tool-result.js';
import type { EnvSource } from './worker-env.js';

/** What a worker's setup decided: ready to serve (dependencies may still be opening) or unconfigured. */
export type WorkerSetup<D> =
  | {
      status: 'configured';
      mode: ServiceMode;
      /** Shown in the catalog, e.g. what the embedded data is. */
      notes?: string;
      /** Opens upstream connections. Runs once in the background; calls wait for it. */
      deps: () => Promise<D>;
      close?: (deps: D) => Promise<void>;
    }
  | {
      status: 'unconfigured';
      /** Variables to set. */
      missing: string[];
      /** One line, no secrets: what to do. */
      reason: string;
    };

/** A worker's own view of its upstream, without timing (the kit adds that). */
export interface HealthCheck {
  status: 'ok' | 'degraded' | 'down';
  reason?: string;
  pools?: PoolStats[];
}

export interface WorkerOptions<D> {
  name: string;
  version: string;
  description: string;
  // Tools are heterogeneous in their input types; each one is checked where it is defined.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tools: ToolDefinition<any, D, any>[];
  /** Resources at fixed URIs. Declares the `resources` capability (with subscribe and listChanged). */
  resources?: ResourceDefinition<D>[];
  /** Resources named by URI templates; their variables may have completers. */
  resourceTemplates?: ResourceTemplateDefinition<D>[];
  /** Prompts; their arguments may have completers. Declares the `prompts` capability. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  prompts?: PromptDefinition<D, any>[];
  commands?: CommandDescriptor[];
  /** Variables a live setup needs (documentation and the catalog). */
  requiredEnv?: string[];
  /** Reads the worker's configuration. Must not throw for bad configuration: return `unconfigured`. */
  setup: (env: EnvSource, log: Logger) => WorkerSetup<D>;
  /** Checks the upstream; called by the gateway's health polling and `/health` in HTTP mode. */
  health?: (deps: D, signal: AbortSignal) => Promise<HealthCheck>;
}

/**
 * Runs one tools/call inside a span (tool-call-span.ts, when tracing is on): `meta` is the request's
 * `_meta`, whose `traceparent` names the parent span.
 */
export type ToolCallTracer = <T>(tool: string, meta: Record<string, unknown> | undefined, run: () => Promise<T>) => Promise<T>;

/** How long a health check may take before it reports `down`. */
const HEALTH_TIMEOUT_MS = 5_000;

type DepsState<D> = { kind: 'pending' } | { kind: 'ready'; deps: D } | { kind: 'failed'; reason: string };

/** A worker that has been set up: it can build MCP servers and answer health checks. */
export interface PreparedWorker {
  readonly manifest: ServiceManifest;
  /**
   * What the worker's servers declare: `tools` (when it has tools), `resources` (when it has resources
   * or templates), `prompts`, `completions` (when any completer is defined) and always `logging`.
   */
  readonly capabilities: ServerCapabilities;
  /** A new MCP server with every handler registered (one per stdio connection or HTTP session). */
  createServer(): Server;
  health(): Promise<HealthReport>;
  /** Tells every client subscribed to `uri` that it changed (`notifications/resources/updated`). */
  notifyResourceUpdated(uri: string): Promise<void>;
  close(): Promise<void>;
}

/** Everything a worker is, before it has read its environment. */
export interface WorkerBlueprint<D> {
  readonly options: WorkerOptions<D>;
  /** Runs setup against an environment and returns a worker ready to serve; with a tracer, every tool call gets a span. */
  prepare(env: EnvSource, log: Logger, traceCall?: ToolCallTracer): PreparedWorker;
}

/**
 * Validates a worker's definition (tool names, command patterns) and returns its blueprint.
 * Mistakes in the definition throw here, at start-up, never during a call.
 */
export function defineWorker<D>(options: WorkerOptions<D>): WorkerBlueprint<D> {
  const toolsByName = new Map<string, CompiledTool<D>>();
  for (const tool of options.tools) {
    if (toolsByName.has(tool.name)) throw new Error(`worker ${options.name}: tool ${tool.name} is defined twice`);
    toolsByName.set(tool.name, compileTool(tool));
  }
  for (const command of options.commands ?? []) {
    const tool = toolsByName.get(command.tool);
    if (!tool) throw new Error(`worker ${options.name}: command "${command.pattern}" names unknown tool ${command.tool}`);
    compileCommand(options.name, command, tool.descriptor.inputSchema);
  }
  const features = compileMcpFeatures(options.name, options);
  return {
    options,
    prepare: (env, log, traceCall) => prepareWorker(options, toolsByName, features, env, log, traceCall),
  };
}

interface CompiledTool<D> {
  definition: ToolDefinition<z.ZodObject, D, ToolResultData>;
  /** The strict input schema: unknown argument names are errors, not silently dropped. */
  input: z.ZodObject;
  descriptor: ToolDescriptor;
  listing: Tool;
}

/** The argument every destructive tool takes: the caller must pass `confirm: true` (issue 8). */
export const CONFIRM_ARGUMENT = 'confirm';

/**
 * Destructive tools (annotations.destructiveHint) get a required `confirm: true` argument added to
 * their input, so a caller (or an agent) cannot merge, delete or purge by accident; the refusal says
 * what to add. Their declared input must not define `confirm` itself.
 */
function withConfirmation(definition: ToolDefinition<z.ZodObject, unknown, ToolResultData>): z.ZodObject {
  if (definition.annotations?.destructiveHint !== true) return definition.input;
  if (CONFIRM_ARGUMENT in definition.input.shape) throw new Error(`tool ${definition.name}: destructive tools get "confirm" from the kit; do not declare it`);
  return definition.input.extend({
    [CONFIRM_ARGUMENT]: z.literal(true, { error: `${definition.name} is destructive: call it again with "confirm": true to go ahead` }).describe('Must be true: this tool is destructive and acts at once.'),
  });
}

function compileTool<D>(definition: ToolDefinition<z.ZodObject, D, ToolResultData>): CompiledTool<D> {
  const input = withConfirmation(definition as ToolDefinition<z.ZodObject, unknown, ToolResultData>).strict();
  const inputSchema = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const outputSchema = definition.output
    ? (z.toJSONSchema(definition.output, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>)
    : undefined;
  const annotations = { ...definition.annotations, ...(definition.title ? { title: definition.title } : {}) };
  const descriptor: ToolDescriptor = {
    name: definition.name,
    ...(definition.title ? { title: definition.title } : {}),
    description: definition.description,
    inputSchema,
    ...(outputSchema ? { outputSchema } : {}),
    tokenCost: definition.tokenCost,
    annotations,
  };
  const listing: Tool = {
    name: definition.name,
    ...(definition.title ? { title: definition.title } : {}),
    description: definition.description,
    inputSchema: inputSchema as Tool['inputSchema'],
    ...(outputSchema ? { outputSchema: outputSchema as Tool['outputSchema'] } : {}),
    annotations,
    _meta: { [MetaKeys.tokenCost]: definition.tokenCost },
  };
  return { definition, input, descriptor, listing };
}

const ManifestRequestSchema = z.object({
  method: z.literal(WorkerMethods.manifest),
  params: z.optional(z.looseObject({})),
});
const HealthRequestSchema = z.object({
  method: z.literal(WorkerMethods.health),
  params: z.optional(z.looseObject({})),
});

/**
 * Set by the gateway (or an operator) to run a worker under another service name, e.g. two postgres
 * workers as `postgres-eu` and `postgres-us`.
 */
export const SERVICE_NAME_VARIABLE = 'MCPGW_SERVICE_NAME';

function prepareWorker<D>(
  options: WorkerOptions<D>,
  tools: Map<string, CompiledTool<D>>,
  features: McpFeatures<D>,
  env: EnvSource,
  log: Logger,
  traceCall?: ToolCallTracer,
): PreparedWorker {
  const setup = options.setup(env, log);
  const name = env[SERVICE_NAME_VARIABLE] || options.name;
  const manifest = serviceManifestSchema.parse({
    manifestVersion: MANIFEST_VERSION,
    name,
    version: options.version,
    description: options.description,
    mode: setup.status === 'configured' ? setup.mode : 'live',
    ...(setup.status === 'configured' && setup.notes ? { notes: setup.notes } : {}),
    requiredEnv: options.requiredEnv ?? [],
    tools: [...tools.values()].map((t) => t.descriptor),
    commands: options.commands ?? [],
  });
  const toolListing = [...tools.values()].map((t) => t.listing);
  const resultMetadata =
    manifest.mode === 'embedded' ? { embedded: true } : manifest.mode === 'sandbox' ? { sandbox: true } : undefined;

  const capabilities: ServerCapabilities = {
    ...(tools.size > 0 ? { tools: { listChanged: true } } : {}),
    ...features.capabilities,
    logging: {},
  };

  let state: DepsState<D> = { kind: 'pending' };
  let depsPromise: Promise<D> | undefined;
  const sessions = new Set<ServerSession>();
  /** Tells every connected client that asking for health now gives a new answer. */
  const announceHealthChange = (): void => {
    for (const { server } of sessions) void server.notification({ method: WorkerMethods.healthChanged }).catch(() => undefined);
  };
  const hub: WorkerHub = {
    notifyResourceUpdated: async (uri) => {
      const sends: Promise<void>[] = [];
      for (const session of sessions) {
        if (session.subscriptions.has(uri)) sends.push(session.server.sendResourceUpdated({ uri }).catch(() => undefined));
      }
      await Promise.all(sends);
    },
  };
  if (setup.status === 'configured') {
    depsPromise = setup.deps().then(
      (deps) => {
        state = { kind: 'ready', deps };
        log.info({ mode: manifest.mode }, 'worker ready');
        announceHealthChange();
        return deps;
      },
      (error: unknown) => {
        const reason = error instanceof ToolError ? error.message : 'could not open its upstream connections (see the worker log)';
        state = { kind: 'failed', reason };
        log.error({ err: error }, 'worker setup failed');
        announceHealthChange();
        throw new ToolError('upstream', `${name} is down: ${reason}`);
      },
    );
    // The rejection is observed by calls and health; this keeps it from being "unhandled" meanwhile.
    depsPromise.catch(() => undefined);
  } else {
    log.warn({ missing: setup.missing }, `worker unconfigured: ${setup.reason}`);
  }

  async function callTool(toolName: string, args: unknown, meta: Record<string, unknown> | undefined, extra: RequestExtra, session: ServerSession): Promise<CallToolResult> {
    const tool = tools.get(toolName);
    if (!tool) {
      throw new McpError(ErrorCode.InvalidParams, `unknown tool "${toolName}"; ${name} has: ${[...tools.keys()].join(', ')}`);
    }
    const requestId = requestIdOf(meta);
    const resultMeta: Record<string, unknown> = {};
    if (requestId !== undefined) resultMeta[MetaKeys.requestId] = requestId;
    if (resultMetadata) resultMeta[MetaKeys.metadata] = resultMetadata;

    if (setup.status === 'unconfigured') {
      return errorResult(
        { kind: 'unconfigured', message: `${name} is not configured: ${setup.reason}`, missing: setup.missing },
        resultMeta,
      );
    }
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
      const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
      return errorResult({ kind: 'invalid_arguments', message: `invalid arguments for ${toolName}: ${summary}`, issues }, resultMeta);
    }
    try {
      const deps = state.kind === 'ready' ? state.deps : await depsPromise!;
      const ctx = createRequestContext(deps, extra, session, hub, log, requestId, 'tool', toolName);
      const data = await tool.definition.handler(parsed.data, ctx);
      const tokens = reportedTokens(ctx);
      if (tokens !== undefined) resultMeta[MetaKeys.tokensUsed] = tokens;
      const costUsd = reportedCost(ctx);
      if (costUsd !== undefined) resultMeta[MetaKeys.costUsd] = costUsd;
      const full = unwrapToolResult(data);
      if (full) return hasKeys(resultMeta) ? { ...full, _meta: { ...full._meta, ...resultMeta } } : full;
      return {
        content: meta?.[MetaKeys.structuredOnly] === true ? [] : [{ type: 'text', text: JSON.stringify(data) }],
        structuredContent: data,
        ...(hasKeys(resultMeta) ? { _meta: resultMeta } : {}),
      };
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error.toInfo(), resultMeta);
      log.error({ err: error, tool: toolName, requestId }, 'tool handler failed');
      return errorResult({ kind: 'failed', message: `${toolName} failed unexpectedly; the worker log has details under request ${requestId ?? '(none)'}` }, resultMeta);
    }
  }

  async function health(): Promise<HealthReport> {
    const checkedAt = new Date().toISOString();
    if (setup.status === 'unconfigured') {
      return { status: 'unconfigured', reason: setup.reason, missing: setup.missing, checkedAt };
    }
    if (state.kind === 'pending') return { status: 'degraded', reason: 'starting: opening upstream connections', checkedAt };
    if (state.kind === 'failed') return { status: 'down', reason: state.reason, checkedAt };
    if (!options.health) return { status: 'ok', checkedAt };
    const started = performance.now();
    try {
      const check = await options.health(state.deps, AbortSignal.timeout(HEALTH_TIMEOUT_MS));
      return { ...check, latencyMs: round(performance.now() - started), checkedAt };
    } catch (error) {
      const reason = error instanceof ToolError ? error.message : 'health check failed (see the worker log)';
      if (!(error instanceof ToolError)) log.warn({ err: error }, 'health check failed');
      return { status: 'down', reason, latencyMs: round(performance.now() - started), checkedAt };
    }
  }

  /** Resources, prompts and completions: the same deps and errors as tools, as JSON-RPC errors. */
  const runWithContext: RunWithContext<D> = async (extra, session, kind, label, handler) => {
    if (setup.status === 'unconfigured') {
      throw new McpError(errorSpec('SERVICE_UNCONFIGURED').code, `${name} is not configured: ${setup.reason}`, { missing: setup.missing });
    }
    const requestId = requestIdOf(extra._meta);
    try {
      const deps = state.kind === 'ready' ? state.deps : await depsPromise!;
      return await handler(createRequestContext(deps, extra, session, hub, log, requestId, kind, label));
    } catch (error) {
      if (error instanceof McpError) throw error;
      if (error instanceof ToolError) throw new McpError(jsonRpcCode(error.kind, kind), error.message, error.toInfo());
      log.error({ err: error, [kind]: label, requestId }, `${kind} handler failed`);
      throw new McpError(ErrorCode.InternalError, `${kind} ${label} failed unexpectedly; the worker log has details under request ${requestId ?? '(none)'}`);
    }
  };

  function createServer(): Server {
    const server = new Server({ name, version: options.version }, { capabilities, instructions: options.description });
    const session = new ServerSession(server);
    if (tools.size > 0) {
      server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolListing }));
      const call = (request: CallToolRequest, extra: RequestExtra) => callTool(request.params.name, request.params.arguments, request.params._meta, extra, session);
      server.setRequestHandler(
        CallToolRequestSchema,
        traceCall ? (request, extra) => traceCall(request.params.name, request.params._meta, () => call(request, extra)) : call,
      );
    }
    features.register(server, session, runWithContext);
    server.setRequestHandler(ManifestRequestSchema, () => manifest);
    server.setRequestHandler(HealthRequestSchema, () => health());
    server.onerror = (error) => log.warn({ err: error }, 'mcp transport error');
    sessions.add(session);
    server.onclose = () => sessions.delete(session);
    return server;
  }

  async function close(): Promise<void> {
    if (setup.status !== 'configured' || !setup.close || !depsPromise) return;
    const deps = await depsPromise.catch(() => undefined);
    if (deps !== undefined) await setup.close(deps);
  }

  return { manifest, capabilities, createServer, health, notifyResourceUpdated: hub.notifyResourceUpdated, close };
}

function requestIdOf(meta: Record<string, unknown> | undefined): string | undefined {
  const id = meta?.[MetaKeys.requestId];
  return typeof id === 'string' ? id : undefined;
}

/** The JSON-RPC code for a ToolError thrown by a resource, prompt or completion handler. */
function jsonRpcCode(kind: ToolErrorKind, handler: 'resource' | 'prompt' | 'completion'): number {
  switch (kind) {
    case 'invalid_arguments':
      return ErrorCode.InvalidParams;
    case 'not_found':
      return handler === 'resource' ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams;
    case 'unconfigured':
      return errorSpec('SERVICE_UNCONFIGURED').code;
    case 'upstream':
      return errorSpec('UPSTREAM_ERROR').code;
    case 'upstream_timeout':
      return errorSpec('UPSTREAM_TIMEOUT').code;
    case 'rejected':
    case 'failed':
      return errorSpec('TOOL_FAILED').code;
  }
}

function errorResult(info: ToolErrorInfo, meta: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text: info.message }],
    isError: true,
    _meta: { ...meta, [MetaKeys.error]: info },
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function hasKeys(record: Record<string, unknown>): boolean {
  for (const _ in record) return true;
  return false;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
