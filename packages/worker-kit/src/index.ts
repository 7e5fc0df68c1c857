export { createWorker, type Worker, type RunningWorker, type StartOptions } from './start-worker.js';
export { CONFIRM_ARGUMENT, defineWorker, type WorkerOptions, type WorkerSetup, type HealthCheck, type PreparedWorker, type WorkerBlueprint, type ToolCallTracer } from './create-worker.js';
export { defineTool, toolDefiner, type ToolDefinition, type ToolContext, type ToolResultData } from './define-tool.js';
export { toolResult, type FullToolResult } from './tool-result.js';
export { type ClientFeatures, type RequestContext } from './request-context.js';
export {
  defineResource,
  defineResourceTemplate,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ResourceMetadata,
  type ResourceContent,
  type ResourceReadResult,
  type TemplateVariables,
} from './define-resource.js';
export { definePrompt, promptDefiner, type PromptDefinition, type PromptArguments, type PromptResult } from './define-prompt.js';
export { MAX_COMPLETION_VALUES, type Completer, type CompletionValues } from './completer.js';
export { RESOURCE_NOT_FOUND } from './mcp-features.js';
export { ToolError } from './tool-error.js';
export { parseWorkerEnv, describeEnvProblems, commonWorkerEnvSchema, type EnvSource, type WorkerEnvResult } from './worker-env.js';
export { createWorkerLogger } from './logger.js';
export { isLoopbackHost, serveHttp, type HttpServeOptions, type RunningHttpTransport } from './http-transport.js';
export { serveStdio, type RunningTransport } from './stdio-transport.js';
export { StdioLineTransport, tagRelatedRequest } from './stdio-line-transport.js';
export type { Logger } from 'pino';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfter, sleep, type BackoffPolicy, type RetryPolicy } from './retry-policy.js';
export { runSqlTransaction, type SqlClient, type SqlPool, type SqlTransactionOptions } from './sql-transaction.js';
export { connectInMemory, type InMemoryConnection } from './in-memory-client.js';
