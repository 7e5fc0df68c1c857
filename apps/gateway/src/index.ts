export { buildApp, type BuildOptions } from './app.js';
export { loadConfig, ConfigError, envSchema, GATEWAY_VERSION, type GatewayConfig } from './config.js';
export { BUILTIN_WORKERS } from './workers/builtin-workers.js';
export { StdioConnection } from './workers/stdio-connection.js';
export { GatewayMetrics } from './metrics/gateway-metrics.js';
