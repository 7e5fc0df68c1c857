import { StoreError } from './store-error.js';

/** One schema change; `sql` gets the (validated) schema name and returns the statements to run. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a schema name (it is spliced into SQL as a quoted identifier, so it must be plain). */
export function validateSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreError('invalid', `invalid store schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _ (at most 63, not starting with a digit)`);
  }
  return schema;
}

/**
 * Every schema version, in order. Applied ones are recorded in `<schema>.schema_migrations` and
 * never edited: a change is a new entry. The same SQL runs on PostgreSQL and on PGlite (Postgres 17).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api-keys-and-audit',
    sql: (schema) => {
      const s = `"${validateSchemaName(schema)}"`;
      return `
CREATE TABLE ${s}.api_keys (
  prefix text PRIMARY KEY,
  hash text NOT NULL, -- hex SHA-256 of the whole key; the key itself is never stored
  name text NOT NULL,
  scopes text[] NOT NULL,
  rate_limit_max integer NULL,
  rate_limit_window_ms integer NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NULL,
  last_used_at timestamptz NULL,
  revoked_at timestamptz NULL
);

CREATE TABLE ${s}.audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  request_id text NOT NULL,
  agent text NULL,
  auth_method text NOT NULL,
  service text NULL,
  tool text NULL,
  outcome text NOT NULL,
  error_code integer NULL,
  error_name text NULL,
  duration_ms double precision NOT NULL,
  peer text NULL,
  endpoint text NOT NULL
);
-- Few indexes: every call inserts a row. Pages are read newest first by id; time ranges use a BRIN
-- index (rows arrive in time order), and the most common filter, the agent, has its own.
CREATE INDEX audit_log_at_brin ON ${s}.audit_log USING brin (at);
CREATE INDEX audit_log_agent_id_idx ON ${s}.audit_log (agent, id);

-- The audit log is append-only, even for the role that owns it: rows can be inserted and read,
-- never updated, deleted or truncated.
--
-- Deployments that run the gateway under its own role (not the owner) grant it exactly this:
--   GRANT USAGE ON SCHEMA ${s} TO gateway;
--   GRANT SELECT, INSERT ON ${s}.audit_log TO gateway;
--   GRANT USAGE ON SEQUENCE ${s}.audit_log_id_seq TO gateway;
--   GRANT SELECT, INSERT, UPDATE ON ${s}.api_keys TO gateway;
--   GRANT SELECT ON ${s}.schema_migrations TO gateway;
-- and no UPDATE, DELETE or TRUNCATE on audit_log (run migrations as the owner).
--
-- Retention is an explicit operator action, as the owner, inside one transaction:
--   BEGIN;
--   ALTER TABLE ${s}.audit_log DISABLE TRIGGER audit_log_append_only_rows;
--   DELETE FROM ${s}.audit_log WHERE at < now() - interval '90 days';
--   ALTER TABLE ${s}.audit_log ENABLE TRIGGER audit_log_append_only_rows;
--   COMMIT;
CREATE FUNCTION ${s}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING HINT = 'retention: as the owner, disable the trigger in a transaction (see the comment in migration 1)';
END
$fn$;
CREATE TRIGGER audit_log_append_only_rows BEFORE UPDATE OR DELETE ON ${s}.audit_log
  FOR EACH ROW EXECUTE FUNCTION ${s}.audit_log_append_only();
CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON ${s}.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_log_append_only();
`;
    },
  },
  {
    version: 2,
    name: 'tool-pins',
    sql: (schema) => {
      const s = `"${validateSchemaName(schema)}"`;
      return `
-- Tool-definition pinning: the hash of each tool's definition as first announced (trust on first
-- use), and a definition announced since that differs from it, until an operator approves it.
CREATE TABLE ${s}.tool_pins (
  service text NOT NULL,
  tool text NOT NULL,
  hash text NOT NULL, -- hex SHA-256 of the canonical JSON of the pinned definition
  definition jsonb NOT NULL, -- the pinned definition (name, title, description, schemas, annotations)
  pinned_at timestamptz NOT NULL DEFAULT now(),
  pending_hash text NULL, -- a different definition announced since, not approved yet
  pending_definition jsonb NULL,
  changed_at timestamptz NULL, -- when pending_hash was first announced
  PRIMARY KEY (service, tool),
  CONSTRAINT tool_pins_pending_complete CHECK (
    (pending_hash IS NULL) = (pending_definition IS NULL) AND (pending_hash IS NULL) = (changed_at IS NULL)
  )
);
-- The gateway role (see migration 1) also needs:
--   GRANT SELECT, INSERT, UPDATE ON ${s}.tool_pins TO gateway;
`;
    },
  },
  {
    version: 3,
    name: 'job-history',
    sql: (schema) => {
      const s = `"${validateSchemaName(schema)}"`;
      return `
-- Async job history (who, what, outcome, duration): written on submit, start and finish. The queue
-- itself lives in Redis (BullMQ); this table outlives BullMQ's own retention of finished jobs.
CREATE TABLE ${s}.jobs (
  id text PRIMARY KEY,
  service text NOT NULL,
  tool text NOT NULL,
  agent text NOT NULL,
  status text NOT NULL, -- queued | active | completed | failed | dead
  attempts integer NOT NULL DEFAULT 0,
  error_name text NULL,
  error_message text NULL,
  submitted_at timestamptz NOT NULL,
  started_at timestamptz NULL,
  finished_at timestamptz NULL,
  duration_ms double precision NULL,
  result jsonb NULL -- bounded by the gateway (large results are replaced by a marker)
);
CREATE INDEX jobs_agent_submitted_idx ON ${s}.jobs (agent, submitted_at DESC, id DESC);
CREATE INDEX jobs_submitted_idx ON ${s}.jobs (submitted_at DESC, id DESC);
-- The gateway role (see migration 1) also needs:
--   GRANT SELECT, INSERT, UPDATE ON ${s}.jobs TO gateway;
`;
    },
  },
  {
    version: 4,
    name: 'alerts',
    sql: (schema) => {
      const s = `"${validateSchemaName(schema)}"`;
      return `
-- Alerts raised by scheduled checks (CHECKS_FILE). One unresolved (open or acknowledged) alert per
-- dedupe key at a time, enforced by a partial unique index, so replicas racing on the same check
-- settle in the database; resolved alerts are kept as history.
CREATE TABLE ${s}.alerts (
  id bigserial PRIMARY KEY,
  dedupe_key text NOT NULL,
  check_name text NOT NULL,
  service text NOT NULL,
  tool text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  count integer NOT NULL DEFAULT 1, -- runs that found the condition true while the alert was unresolved
  details jsonb NULL, -- what the condition matched on its last true run (bounded by the gateway)
  opened_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  acknowledged_at timestamptz NULL,
  acknowledged_by text NULL,
  resolved_at timestamptz NULL
);
CREATE UNIQUE INDEX alerts_one_unresolved_per_key ON ${s}.alerts (dedupe_key) WHERE status <> 'resolved';
CREATE INDEX alerts_status_id_idx ON ${s}.alerts (status, id);

-- What a check remembers between runs (the item keys its "new" condition saw last time).
CREATE TABLE ${s}.check_state (
  check_name text PRIMARY KEY,
  seen jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The gateway role (see migration 1) also needs:
--   GRANT SELECT, INSERT, UPDATE ON ${s}.alerts, ${s}.check_state TO gateway;
--   GRANT USAGE ON SEQUENCE ${s}.alerts_id_seq TO gateway;
`;
    },
  },
];
