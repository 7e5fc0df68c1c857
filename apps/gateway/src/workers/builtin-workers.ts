import { createRequire } from 'node:module';
import type { SandboxEndpoints } from '@mcpgw/fakes';

const require = createRequire(import.meta.url);

/** A worker shipped with the gateway. */
export interface BuiltinWorker {
  name: string;
  /** Absolute path of the worker's compiled entry point. */
  entry: () => string;
  /** Prefixes of environment variables the worker reads, besides `<NAME>_*`. */
  envPrefixes: readonly string[];
  /**
   * Sandbox mode: the variables that connect the worker to its real upstream (when none is set and
   * SANDBOX=auto, the worker is pointed at the sandbox's fakes instead), and the variables that do so.
   */
  sandbox?: {
    credentials: readonly string[];
    env(endpoints: SandboxEndpoints): Record<string, string>;
  };
}

const odooEnv = (e: SandboxEndpoints): Record<string, string> => ({
  ODOO_URL: e.odoo.url,
  ODOO_DB: e.odoo.db,
  ODOO_USERNAME: e.odoo.username,
  ODOO_API_KEY: e.odoo.apiKey,
  ODOO_SANDBOX: 'true',
});

const supabaseEnv = (e: SandboxEndpoints): Record<string, string> => ({
  SUPABASE_URL: e.supabase.url,
  SUPABASE_SERVICE_ROLE_KEY: e.supabase.serviceRoleKey,
  SUPABASE_DB_URL: e.databaseUrl,
  SUPABASE_SANDBOX: 'true',
});

/** Workers started by default (`WORKERS=all`). */
export const BUILTIN_WORKERS: readonly BuiltinWorker[] = [
  {
    name: 'postgres',
    entry: () => require.resolve('@mcpgw/worker-postgres/main'),
    envPrefixes: ['DB_'],
  },
  {
    name: 'odoo',
    entry: () => require.resolve('@mcpgw/worker-odoo/main'),
    envPrefixes: [],
    sandbox: { credentials: ['ODOO_URL', 'ODOO_API_KEY'], env: odooEnv },
  },
  {
    name: 'supabase',
    entry: () => require.resolve('@mcpgw/worker-supabase/main'),
    envPrefixes: [],
    sandbox: { credentials: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_DB_URL'], env: supabaseEnv },
  },
  {
    name: 'bir',
    entry: () => require.resolve('@mcpgw/worker-bir/main'),
    envPrefixes: [],
    sandbox: { credentials: ['BIR_DATABASE_URL'], env: (e) => ({ BIR_DATABASE_URL: e.databaseUrl, BIR_SANDBOX: 'true' }) },
  },
  {
    name: 'monitor',
    entry: () => require.resolve('@mcpgw/worker-monitor/main'),
    // The cross-domain tools read the same systems with the same variables as the domain workers.
    envPrefixes: ['ODOO_', 'SUPABASE_', 'BIR_'],
    sandbox: {
      credentials: ['ODOO_URL', 'ODOO_API_KEY', 'SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_DB_URL', 'BIR_DATABASE_URL'],
      env: (e) => ({ ...odooEnv(e), ...supabaseEnv(e), BIR_DATABASE_URL: e.databaseUrl, MONITOR_SANDBOX: 'true' }),
    },
  },
];
