/** The bir tools and its database access, for the aggregate monitor worker. */
export { listBirRules } from './list-bir-rules.js';
export { monitorComplianceStatus } from './monitor-compliance-status.js';
export { recordBirFiling } from './record-bir-filing.js';
export { trackBirFilingDeadlines } from './track-filing-deadlines.js';
export { OpsStore } from '../ops-store.js';
export { loadBirConfig, type BirConfig } from '../config.js';
export type { BirDeps } from '../deps.js';
