import { createWorker } from '@mcpgw/worker-kit';
import { loadOdooConfig } from './config.js';
import type { OdooDeps } from './deps.js';
import { OdooClient } from './odoo-client.js';
import { probeOdoo } from './odoo-probe.js';
import { getAccountingStatus } from './tools/get-accounting-status.js';
import { getOdooLogs } from './tools/get-odoo-logs.js';
import { listQueueJobs } from './tools/list-queue-jobs.js';
import { odooHealth } from './tools/odoo-health.js';
import { searchRead } from './tools/search-read.js';

/**
 * Odoo over its external JSON-RPC API: month-end accounting state, failed queue jobs and crons,
 * server logs, and a guarded search_read over allow-listed models. Read-only.
 */
export const odooWorker = createWorker<OdooDeps>({
  name: 'odoo',
  version: '1.0.0',
  description:
    'Odoo ERP (JSON-RPC, read-only): month-end accounting status per company, failed queue jobs and crons, ir.logging errors, health, and a guarded search_read over allow-listed finance models.',
  tools: [getAccountingStatus, listQueueJobs, getOdooLogs, odooHealth, searchRead],
  commands: [
    { pattern: 'status <period> [<company>]', tool: 'get_accounting_status', description: 'Draft vs posted entries and overdue receivables: /mcp-odoo status 2026-03 ACME-MNL' },
    { pattern: 'jobs [<state>]', tool: 'list_queue_jobs', description: 'Failed (or other state) queue jobs and failing crons: /mcp-odoo jobs failed' },
    { pattern: 'logs [<level>]', tool: 'get_odoo_logs', description: 'ir.logging records at or above a level: /mcp-odoo logs error' },
    { pattern: 'health', tool: 'odoo_health', description: 'Version probe and authentication latency.' },
    { pattern: 'search <model> [<domain>]', tool: 'search_read', description: 'search_read on an allowed model: /mcp-odoo search account.move [["state","=","draft"]] --limit=20' },
  ],
  requiredEnv: ['ODOO_URL', 'ODOO_DB', 'ODOO_USERNAME', 'ODOO_API_KEY'],
  setup: (env, log) => {
    const loaded = loadOdooConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      ...(config.sandbox ? { notes: 'Sandbox: talking to a fake Odoo with generated sample data, not a real ERP.' } : {}),
      // Nothing to open: the client authenticates on first use, so the worker starts even while Odoo is down.
      deps: async () => ({
        config,
        client: new OdooClient({ url: config.url, db: config.db, username: config.username, apiKey: config.apiKey, timeoutMs: config.timeoutMs, log }),
      }),
    };
  },
  health: async (deps, signal) => {
    const probe = await probeOdoo(deps.client, signal);
    return probe.reason === undefined ? { status: probe.status } : { status: probe.status, reason: probe.reason };
  },
});

export { odooEnvSchema, loadOdooConfig, DEFAULT_ALLOWED_MODELS, type OdooConfig } from './config.js';
export { OdooClient } from './odoo-client.js';
