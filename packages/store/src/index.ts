export type {
  AlertRecord,
  AlertRepository,
  AlertStatus,
  AnnouncedToolDefinition,
  ApiKeyRecord,
  AuditOutcome,
  AuditQuery,
  AuditRepository,
  AuditRow,
  AuthMethod,
  GatewayStore,
  JobHistoryQuery,
  JobHistoryRecord,
  JobRepository,
  JobStatus,
  KeyRepository,
  NewApiKey,
  OpenStoreOptions,
  RaisedAlert,
  StoreEngine,
  StoredAuditRow,
  StoreLogger,
  ToolPinRecord,
  ToolPinRepository,
} from './store-types.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { MAX_AUDIT_PAGE } from './audit-repository.js';
export { MAX_JOB_PAGE } from './job-repository.js';
export { openStore } from './open-store.js';
