export * from './ops-migrations.js';
export * from './migrate-ops.js';
export * from './reference-agencies.js';
export * from './seed-ops.js';
export * from './civil-date.js';
export * from './seed-random.js';
