export * from './paths.js';
export * from './test-database.js';
export * from './gateway-process.js';
export * from './http-client.js';
export * from './metrics.js';
