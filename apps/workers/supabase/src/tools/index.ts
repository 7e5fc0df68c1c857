/** The supabase tools, for the aggregate monitor worker (which runs some of them with its own deps). */
export { checkDatabasePerformance } from './check-database-performance.js';
export { getAgencyMetrics } from './get-agency-metrics.js';
export { getMonthEndStatus } from './get-month-end-status.js';
export { listBackgroundJobs } from './list-background-jobs.js';
export { listErrorLogs } from './list-error-logs.js';
export { supabaseHealth } from './supabase-health.js';
export type { SupabaseDeps } from '../deps.js';
