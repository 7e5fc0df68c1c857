/** One versioned change to the operational schema; `sql` gets the (validated) schema name. */
export interface OpsMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a schema name: it is spliced into SQL as a quoted identifier, so it must be plain. */
export function validateOpsSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid ops schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _ (at most 63, not starting with a digit)`);
  }
  return schema;
}

/** The tables the migrations create, in dependency order (agencies first). */
export const OPS_TABLES = ['agencies', 'month_end_tasks', 'background_jobs', 'error_logs', 'compliance_tracking', 'agency_metrics'] as const;

/** One of the operational tables. */
export type OpsTable = (typeof OPS_TABLES)[number];

/**
 * Every version of the operational schema (the Supabase project's tables of the reference
 * deployment), in order. Applied versions are recorded in `<schema>.ops_schema_migrations` and
 * never edited: a change is a new entry.
 */
export const OPS_MIGRATIONS: readonly OpsMigration[] = [
  {
    version: 1,
    name: 'operational-tables',
    sql: (schema) => {
      const s = `"${validateOpsSchemaName(schema)}"`;
      return `
CREATE TABLE ${s}.agencies (
  code text PRIMARY KEY,
  name text NOT NULL,
  tin text NOT NULL,
  branch_code text NOT NULL DEFAULT '000',
  efps_group text NULL CHECK (efps_group IN ('A','B','C','D','E')),
  vat_registered boolean NOT NULL,
  has_employees boolean NOT NULL DEFAULT true,
  taxpayer_class text NOT NULL CHECK (taxpayer_class IN ('micro','small','medium','large')),
  fiscal_year_end_month int NOT NULL DEFAULT 12
);

CREATE TABLE ${s}.month_end_tasks (
  id bigserial PRIMARY KEY,
  agency_code text NOT NULL REFERENCES ${s}.agencies(code),
  period date NOT NULL, -- first day of the month being closed
  task text NOT NULL,
  category text NOT NULL,
  owner text NULL,
  status text NOT NULL CHECK (status IN ('pending','in_progress','blocked','done')),
  due_date date NOT NULL,
  completed_at timestamptz NULL,
  blocked_reason text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX month_end_tasks_agency_period_idx ON ${s}.month_end_tasks (agency_code, period);
CREATE INDEX month_end_tasks_status_due_idx ON ${s}.month_end_tasks (status, due_date);

CREATE TABLE ${s}.background_jobs (
  id bigserial PRIMARY KEY,
  agency_code text NULL REFERENCES ${s}.agencies(code),
  job_type text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
  attempts int NOT NULL DEFAULT 0,
  max_attempts int NOT NULL DEFAULT 5,
  last_error text NULL,
  payload jsonb NULL,
  scheduled_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz NULL,
  finished_at timestamptz NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX background_jobs_status_created_idx ON ${s}.background_jobs (status, created_at);
CREATE INDEX background_jobs_agency_created_idx ON ${s}.background_jobs (agency_code, created_at);

CREATE TABLE ${s}.error_logs (
  id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  level text NOT NULL CHECK (level IN ('debug','info','warning','error','critical')),
  source text NOT NULL,
  agency_code text NULL,
  message text NOT NULL,
  context jsonb NULL,
  trace text NULL
);
CREATE INDEX error_logs_occurred_idx ON ${s}.error_logs (occurred_at);
CREATE INDEX error_logs_level_occurred_idx ON ${s}.error_logs (level, occurred_at);
CREATE INDEX error_logs_source_occurred_idx ON ${s}.error_logs (source, occurred_at);

CREATE TABLE ${s}.compliance_tracking (
  id bigserial PRIMARY KEY,
  agency_code text NOT NULL REFERENCES ${s}.agencies(code),
  kind text NOT NULL CHECK (kind IN ('filing','atp','certificate','registration')),
  form_code text NOT NULL, -- '1601-C', '2307', 'ATP', 'COR', ...
  period_start date NULL,
  period_end date NULL,
  filed_at timestamptz NULL,
  reference text NULL,
  amount numeric(14,2) NULL,
  expires_on date NULL,
  notes text NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One filing per agency, form and period (ON CONFLICT (agency_code, form_code, period_start, period_end) WHERE kind = 'filing').
CREATE UNIQUE INDEX compliance_tracking_filing_key ON ${s}.compliance_tracking (agency_code, form_code, period_start, period_end) WHERE kind = 'filing';
CREATE INDEX compliance_tracking_agency_kind_idx ON ${s}.compliance_tracking (agency_code, kind);
CREATE INDEX compliance_tracking_expires_idx ON ${s}.compliance_tracking (expires_on);
CREATE INDEX compliance_tracking_form_period_end_idx ON ${s}.compliance_tracking (form_code, period_end);

CREATE TABLE ${s}.agency_metrics (
  id bigserial PRIMARY KEY,
  agency_code text NOT NULL REFERENCES ${s}.agencies(code),
  metric_date date NOT NULL,
  metric text NOT NULL,
  value numeric NOT NULL,
  unit text NULL,
  UNIQUE (agency_code, metric_date, metric)
);
CREATE INDEX agency_metrics_agency_date_idx ON ${s}.agency_metrics (agency_code, metric_date);
`;
    },
  },
];
