export { buildApp, type BuildOptions } from './app.js';
export { loadConfig, ConfigError, envSchema, GATEWAY_VERSION, type GatewayConfig } from './config.js';
export { BUILTIN_WORKERS } from './workers/builtin-workers.js';
export { StdioConnection } from './workers/stdio-connection.js';
export { RemoteConnection } from './workers/remote-connection.js';
export { WorkerConnection } from './workers/worker-connection.js';
export { GatewayMetrics } from './metrics/gateway-metrics.js';
/** The BullMQ the gateway's jobs run on: the jobs bench measures raw BullMQ with this same version beside the gateway. */
export { Queue as BullQueue, QueueEvents as BullQueueEvents, Worker as BullWorker } from 'bullmq';
export { consumerLanes } from './jobs/job-consumer.js';
