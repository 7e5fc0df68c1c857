import { z } from 'zod';

/**
 * Version of the gateway↔worker envelope (manifest, health, `_meta` keys). A worker announces the
 * version it speaks; the gateway accepts every version listed in SUPPORTED_MANIFEST_VERSIONS, so a
 * newer gateway keeps talking to an older worker.
 */
export const MANIFEST_VERSION = 1;
export const SUPPORTED_MANIFEST_VERSIONS: readonly number[] = [1];

/** Custom MCP methods every worker-kit worker answers besides the standard MCP ones. */
export const WorkerMethods = {
  manifest: 'mcpgw/manifest',
  health: 'mcpgw/health',
  /** Notification from a worker: its health changed (e.g. its upstream connections opened); ask again. */
  healthChanged: 'notifications/mcpgw/healthChanged',
} as const;

/** `_meta` keys the gateway and workers exchange (MCP allows prefixed keys in `_meta`). */
export const MetaKeys = {
  /** On a request: the gateway's request id, logged by the worker. Echoed back on the result. */
  requestId: 'mcpgw/requestId',
  /**
   * On a request: the caller reads `structuredContent` only, so the worker may leave `content`
   * empty instead of repeating the data as JSON text (halves what large results cost to move).
   */
  structuredOnly: 'mcpgw/structuredOnly',
  /** On a tool definition: the tool's declared token cost. */
  tokenCost: 'mcpgw/tokenCost',
  /** On an `isError` result: a ToolErrorInfo describing what went wrong. */
  error: 'mcpgw/error',
  /** On a result: facts for the response's `metadata` (for example `embedded: true`). */
  metadata: 'mcpgw/metadata',
  /** On a result: tokens actually used, when a tool knows better than its declared cost. */
  tokensUsed: 'mcpgw/tokensUsed',
  /** On a result: what the call cost in US dollars, when a tool knows (e.g. an LLM API's billed usage). */
  costUsd: 'mcpgw/costUsd',
  /**
   * On a request or notification a worker sends over stdio while handling a request (progress, log,
   * sampling, elicitation, roots): the id of that request. Many clients share one worker connection,
   * so this is how the gateway knows whose call a worker→client message belongs to.
   */
  relatedRequestId: 'mcpgw/relatedRequestId',
  /**
   * On a tools/call request from the gateway: the calling agent's identity (key name, JWT `sub`, or
   * `local` / its X-Agent-Id), set by the gateway only — a client's own value is replaced or dropped.
   */
  agent: 'mcpgw/agent',
} as const;

/** Service names become URL segments and slash prefixes (`/mcp-<name>`), so they are kept simple. */
export const serviceNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'service names are 1-32 characters of a-z, 0-9 and -, starting with a letter');

/** MCP tool names: letters, digits, `_`, `-`, `.`, at most 64 characters. */
export const toolNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'tool names are 1-64 characters of A-Z, a-z, 0-9, _, - and .');

export const toolAnnotationsSchema = z.object({
  title: z.string().optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});

const jsonSchemaObject = z.record(z.string(), z.unknown());

export const toolDescriptorSchema = z.object({
  name: toolNameSchema,
  title: z.string().optional(),
  description: z.string(),
  inputSchema: jsonSchemaObject,
  outputSchema: jsonSchemaObject.optional(),
  /** Approximate tokens a call costs an agent (used for `metadata.tokensUsed` and metrics). */
  tokenCost: z.number().int().nonnegative(),
  annotations: toolAnnotationsSchema,
});

export const commandDescriptorSchema = z.object({
  /** The grammar, without the `/mcp-<service>` prefix, e.g. `<database> describe <table>`. */
  pattern: z.string().min(1),
  /** The tool the command calls. */
  tool: toolNameSchema,
  description: z.string(),
  /** Arguments added to every call made through this command. */
  defaults: z.record(z.string(), z.unknown()).optional(),
});

export const serviceModeSchema = z.enum(['live', 'embedded', 'sandbox']);

export const serviceManifestSchema = z.object({
  manifestVersion: z.number().int().positive(),
  name: serviceNameSchema,
  version: z.string(),
  description: z.string(),
  /** `live` talks to a real upstream; `embedded` serves built-in sample data; `sandbox` talks to a fake. */
  mode: serviceModeSchema,
  /** Human-readable note about the mode (for example what the embedded data is). */
  notes: z.string().optional(),
  /** Environment variables the worker needs for `live` mode. */
  requiredEnv: z.array(z.string()),
  tools: z.array(toolDescriptorSchema),
  commands: z.array(commandDescriptorSchema),
});

export const healthStatusSchema = z.enum(['ok', 'degraded', 'down', 'unconfigured']);

export const poolStatsSchema = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  idle: z.number().int().nonnegative(),
  waiting: z.number().int().nonnegative(),
});

export const healthReportSchema = z.object({
  status: healthStatusSchema,
  reason: z.string().optional(),
  /** Variables that must be set before the worker can serve calls (status `unconfigured`). */
  missing: z.array(z.string()).optional(),
  latencyMs: z.number().nonnegative().optional(),
  checkedAt: z.string(),
  pools: z.array(poolStatsSchema).optional(),
});

export const toolErrorKindSchema = z.enum([
  'invalid_arguments',
  'unconfigured',
  'not_found',
  'rejected',
  'upstream',
  'upstream_timeout',
  'failed',
]);

export const toolErrorInfoSchema = z.object({
  kind: toolErrorKindSchema,
  message: z.string(),
  /** For invalid_arguments: each failing path and why. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** For unconfigured: the variables to set. */
  missing: z.array(z.string()).optional(),
  /** Seconds after which the upstream said a retry may succeed. */
  retryAfter: z.number().nonnegative().optional(),
});

export type ToolAnnotations = z.infer<typeof toolAnnotationsSchema>;
export type ToolDescriptor = z.infer<typeof toolDescriptorSchema>;
export type CommandDescriptor = z.infer<typeof commandDescriptorSchema>;
export type ServiceMode = z.infer<typeof serviceModeSchema>;
export type ServiceManifest = z.infer<typeof serviceManifestSchema>;
export type HealthStatus = z.infer<typeof healthStatusSchema>;
export type PoolStats = z.infer<typeof poolStatsSchema>;
export type HealthReport = z.infer<typeof healthReportSchema>;
export type ToolErrorKind = z.infer<typeof toolErrorKindSchema>;
export type ToolErrorInfo = z.infer<typeof toolErrorInfoSchema>;
