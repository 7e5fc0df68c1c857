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

const cloudflareEnv = (e: SandboxEndpoints): Record<string, string> => ({
  CLOUDFLARE_API_URL: e.cloudflare.apiUrl,
  CLOUDFLARE_API_TOKEN: e.cloudflare.apiToken,
  CLOUDFLARE_ACCOUNT_ID: e.cloudflare.accountId,
  CLOUDFLARE_ZONE: 'example.com',
  CLOUDFLARE_UPLOAD_ROOT: e.cloudflare.uploadRoot,
  CLOUDFLARE_SANDBOX: 'true',
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
  {
    name: 'n8n',
    entry: () => require.resolve('@mcpgw/worker-n8n/main'),
    envPrefixes: [],
    sandbox: { credentials: ['N8N_API_URL', 'N8N_API_KEY'], env: (e) => ({ N8N_API_URL: e.n8n.url, N8N_API_KEY: e.n8n.apiKey, N8N_SANDBOX: 'true' }) },
  },
  {
    name: 'mem0',
    entry: () => require.resolve('@mcpgw/worker-mem0/main'),
    envPrefixes: [],
    sandbox: {
      credentials: ['MEM0_API_URL', 'MEM0_API_KEY'],
      env: (e) => ({ MEM0_API_URL: e.mem0.url, MEM0_API_KEY: e.mem0.apiKey, MEM0_API_KIND: 'platform', MEM0_SANDBOX: 'true' }),
    },
  },
  {
    name: 'cloudflare',
    entry: () => require.resolve('@mcpgw/worker-cloudflare/main'),
    envPrefixes: [],
    sandbox: { credentials: ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID'], env: cloudflareEnv },
  },
  {
    name: 'github',
    entry: () => require.resolve('@mcpgw/worker-github/main'),
    envPrefixes: [],
    // A token or any GitHub App variable means "talk to the real GitHub".
    sandbox: {
      credentials: ['GITHUB_TOKEN', 'GITHUB_APP_ID', 'GITHUB_PRIVATE_KEY', 'GITHUB_INSTALLATION_ID'],
      env: (e) => ({
        GITHUB_API_URL: e.github.apiUrl,
        GITHUB_TOKEN: e.github.token,
        GITHUB_DEFAULT_REPO: e.github.defaultRepo,
        GITHUB_DEFAULT_HEAD: e.github.defaultHead,
        GITHUB_SANDBOX: 'true',
      }),
    },
  },
];
