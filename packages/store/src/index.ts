export type {
  AnnouncedToolDefinition,
  ApiKeyRecord,
  AuditOutcome,
  AuditQuery,
  AuditRepository,
  AuditRow,
  AuthMethod,
  GatewayStore,
  KeyRepository,
  NewApiKey,
  OpenStoreOptions,
  StoreEngine,
  StoredAuditRow,
  StoreLogger,
  ToolPinRecord,
  ToolPinRepository,
} from './store-types.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { MAX_AUDIT_PAGE } from './audit-repository.js';
export { openStore } from './open-store.js';
