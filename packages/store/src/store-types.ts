/** What the store logs through (pino's method shape, so the gateway passes its logger straight in). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of `openStore`; parsed from the environment elsewhere and passed in as plain values. */
export interface OpenStoreOptions {
  /** Set → the PostgreSQL engine; unset → the embedded engine under `dataDir`. */
  databaseUrl?: string;
  /** Schema every table lives in (default `mcpgw`; `^[a-z_][a-z0-9_]{0,62}$`). */
  schema?: string;
  /** The embedded engine's directory (absolute; resolved by the caller). */
  dataDir: string;
  /** Where the dump of an empty cluster is cached so new data dirs skip initdb (embedded only). */
  cacheDir?: string;
  /** `auto` (default): own the embedded data dir if free, else join its owner as a client. `owner`: own it or fail. */
  embeddedRole?: 'auto' | 'owner';
  /** PostgreSQL pool size (default 5; the embedded engine always uses 1). */
  poolMax?: number;
  /** How long to wait for a connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Client-side limit on one query (default 10000 ms). */
  queryTimeoutMs?: number;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL only: open even when the server is unreachable; migrations run on the first successful use. */
  lazy?: boolean;
  log: StoreLogger;
}

export type StoreEngine = 'postgres' | 'embedded';

/** An API key as stored: only the prefix and the hash of the whole key, never the key itself. */
export interface ApiKeyRecord {
  prefix: string;
  hash: string;
  name: string;
  scopes: string[];
  rateLimitMax: number | null;
  rateLimitWindowMs: number | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What `keys.create` needs; the store sets `createdAt`. */
export interface NewApiKey {
  prefix: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
  rateLimitMax: number | null;
  rateLimitWindowMs: number | null;
}

export type AuditOutcome = 'ok' | 'error' | 'denied' | 'unauthenticated' | 'rate_limited';
export type AuthMethod = 'local' | 'api_key' | 'jwt' | 'none';

/** One audited call. */
export interface AuditRow {
  at: Date;
  requestId: string;
  agent: string | null;
  authMethod: AuthMethod;
  service: string | null;
  tool: string | null;
  outcome: AuditOutcome;
  errorCode: number | null;
  errorName: string | null;
  durationMs: number;
  peer: string | null;
  endpoint: string;
}

/** An audit row read back; `id` is a bigint as a decimal string (also the paging cursor). */
export interface StoredAuditRow extends AuditRow {
  id: string;
}

/** Filters of `audit.query`; every given filter must match. */
export interface AuditQuery {
  agent?: string;
  service?: string;
  outcome?: AuditOutcome;
  /** Rows at or after this time. */
  since?: Date;
  /** Rows older than this cursor (a `nextCursor` from the previous page). */
  before?: string;
  /** Page size, 1..1000. */
  limit: number;
}

/** The API keys table. */
export interface KeyRepository {
  /** Stores a new key; a prefix already in use → StoreError `duplicate`. */
  create(key: NewApiKey): Promise<ApiKeyRecord>;
  findByPrefix(prefix: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first; revoked keys only when asked. */
  list(options?: { includeRevoked?: boolean }): Promise<ApiKeyRecord[]>;
  /** Undefined when no such key; revoking again keeps the first `revokedAt`. */
  revoke(prefix: string, at?: Date): Promise<ApiKeyRecord | undefined>;
  /** Records uses of many keys in one statement; `lastUsedAt` never moves back. */
  touch(uses: { prefix: string; at: Date }[]): Promise<void>;
}

/** The append-only audit log. */
export interface AuditRepository {
  /** Inserts every row in one statement (nothing for an empty batch). */
  append(rows: AuditRow[]): Promise<void>;
  /** Newest first, keyset-paged by id: pass `nextCursor` back as `before`; null on the last page. */
  query(q: AuditQuery): Promise<{ rows: StoredAuditRow[]; nextCursor: string | null }>;
}

/** A tool definition as a worker announced it: the gateway hashes it, the store keeps both. */
export interface AnnouncedToolDefinition {
  tool: string;
  /** Hex SHA-256 of the definition's canonical JSON (computed by the gateway, never by the store). */
  hash: string;
  definition: Record<string, unknown>;
}

/** One tool's pin: the definition trusted on first use (or approved since), and a change waiting for approval. */
export interface ToolPinRecord {
  service: string;
  tool: string;
  hash: string;
  definition: Record<string, unknown>;
  pinnedAt: Date;
  /** A different definition announced since the pin; null when the tool matches its pin. */
  pendingHash: string | null;
  pendingDefinition: Record<string, unknown> | null;
  /** When `pendingHash` was first announced. */
  changedAt: Date | null;
}

/** Tool-definition pins (`<schema>.tool_pins`), shared by every replica. */
export interface ToolPinRepository {
  /**
   * Records what a worker announced: a tool never seen is pinned (trust on first use); one whose
   * hash differs from its pin is recorded as pending (its `changedAt` kept while the same change is
   * announced again); one matching its pin again clears any pending change. Writes only what
   * changed. Returns the rows of the announced tools afterwards, and the tools pinned by this call.
   */
  observe(service: string, tools: AnnouncedToolDefinition[]): Promise<{ records: ToolPinRecord[]; pinned: string[] }>;
  /** Every pin (of one service when given), by service and tool. */
  list(filter?: { service?: string }): Promise<ToolPinRecord[]>;
  /**
   * Makes the pending definitions of a service (only `tools`, when given) the new pins. Returns the
   * rows approved; tools with nothing pending are left alone.
   */
  approve(service: string, tools?: string[]): Promise<ToolPinRecord[]>;
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** One alert raised by a scheduled check; `id` is a bigint as a decimal string. */
export interface AlertRecord {
  id: string;
  /** One unresolved alert per key at a time (the check name). */
  dedupeKey: string;
  check: string;
  service: string;
  tool: string;
  severity: string;
  message: string;
  status: AlertStatus;
  /** Runs that found the condition true while this alert was unresolved. */
  count: number;
  details: Record<string, unknown> | null;
  openedAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
}

/** What a check run that found its condition true reports. */
export interface RaisedAlert {
  dedupeKey: string;
  check: string;
  service: string;
  tool: string;
  severity: string;
  message: string;
  details: Record<string, unknown> | null;
  at: Date;
}

/** Alerts (`<schema>.alerts`) and what checks remember between runs (`<schema>.check_state`). */
export interface AlertRepository {
  /**
   * Opens an alert for the key, or — when one is already open or acknowledged — records another
   * sighting (`count`, `lastSeenAt`, latest message and details). `opened` says which happened.
   */
  raise(alert: RaisedAlert): Promise<{ alert: AlertRecord; opened: boolean }>;
  /** Resolves the key's unresolved alert; undefined when there is none. */
  resolve(dedupeKey: string, at: Date): Promise<AlertRecord | undefined>;
  /**
   * Acknowledges an open alert. `changed` is false when it was already acknowledged or resolved
   * (the record says which); undefined when no alert has that id.
   */
  acknowledge(id: string, by: string, at: Date): Promise<{ alert: AlertRecord; changed: boolean } | undefined>;
  get(id: string): Promise<AlertRecord | undefined>;
  /** Newest first; `before` is an id cursor (the last id of the previous page). */
  list(query: { status?: AlertStatus; limit: number; before?: string }): Promise<AlertRecord[]>;
  /** Alerts in status `open` (not acknowledged, not resolved) per check, for the open-alerts gauge. */
  countOpen(): Promise<{ check: string; count: number }[]>;
  /** The item keys a check's `new` condition saw on its previous run; undefined before its first run. */
  seenItems(check: string): Promise<string[] | undefined>;
  saveSeenItems(check: string, keys: string[]): Promise<void>;
}

/** An async job's lifecycle state as the gateway reports it. */
export type JobStatus = 'queued' | 'active' | 'completed' | 'failed' | 'dead';

/** One async job in the history table (`<schema>.jobs`); the queue itself is in Redis. */
export interface JobHistoryRecord {
  id: string;
  service: string;
  tool: string;
  agent: string;
  status: JobStatus;
  attempts: number;
  errorName: string | null;
  errorMessage: string | null;
  submittedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  /** The job's result, bounded by the gateway; null until completed. */
  result: unknown;
}

/** Filters of `jobs.list`; every given filter must match. Newest first. */
export interface JobHistoryQuery {
  agent?: string;
  service?: string;
  status?: JobStatus;
  /** A `nextCursor` from the previous page. */
  before?: string;
  /** Page size, 1..500. */
  limit: number;
}

/** Async job history, shared by every gateway and jobs-worker process. */
export interface JobRepository {
  /** Inserts or updates the row; a finished row is never moved back to queued/active by a late write. */
  upsert(record: JobHistoryRecord): Promise<void>;
  /** Several rows in one statement, at most one per job id. */
  upsertMany(records: readonly JobHistoryRecord[]): Promise<void>;
  get(id: string): Promise<JobHistoryRecord | undefined>;
  list(q: JobHistoryQuery): Promise<{ rows: JobHistoryRecord[]; nextCursor: string | null }>;
}

/** The gateway's own data, on PostgreSQL or on the embedded engine: same schema, same SQL. */
export interface GatewayStore {
  readonly engine: StoreEngine;
  /** Where the store is, safe to log: host:port/db (no user/password) or the data dir. */
  readonly location: string;
  readonly keys: KeyRepository;
  readonly audit: AuditRepository;
  readonly toolPins: ToolPinRepository;
  readonly jobs: JobRepository;
  readonly alerts: AlertRepository;
  /** Runs pending migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  /** Throws StoreError `unavailable` when the database cannot be reached. */
  ping(): Promise<void>;
  /** Idempotent; the embedded owner also stops its engine and removes its lock and socket. */
  close(): Promise<void>;
}
