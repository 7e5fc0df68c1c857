/** The odoo tools, for the aggregate monitor worker (which runs some of them with its own deps). */
export { getAccountingStatus } from './get-accounting-status.js';
export { getOdooLogs } from './get-odoo-logs.js';
export { listQueueJobs } from './list-queue-jobs.js';
export { odooHealth } from './odoo-health.js';
export { searchRead } from './search-read.js';
export type { OdooDeps } from '../deps.js';
