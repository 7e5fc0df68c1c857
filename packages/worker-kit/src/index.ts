export { createWorker, type Worker, type RunningWorker, type StartOptions } from './start-worker.js';
export { defineWorker, type WorkerOptions, type WorkerSetup, type HealthCheck, type PreparedWorker, type WorkerBlueprint } from './create-worker.js';
export { defineTool, toolDefiner, type ToolDefinition, type ToolContext, type ToolResultData } from './define-tool.js';
export { ToolError } from './tool-error.js';
export { parseWorkerEnv, describeEnvProblems, commonWorkerEnvSchema, type EnvSource, type WorkerEnvResult } from './worker-env.js';
export { createWorkerLogger, REDACT_PATHS } from './logger.js';
export { serveHttp, type HttpServeOptions, type RunningHttpTransport } from './http-transport.js';
export { serveStdio, type RunningTransport } from './stdio-transport.js';
export { StdioLineTransport } from './stdio-line-transport.js';
