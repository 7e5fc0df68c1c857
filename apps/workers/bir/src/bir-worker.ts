import { HolidayCalendar, type HolidayInput } from '@mcpgw/bir-calendar';
import { createWorker } from '@mcpgw/worker-kit';
import { loadBirConfig } from './config.js';
import type { BirDeps } from './deps.js';
import { loadHolidaysFile } from './holidays-file.js';
import { OpsStore } from './ops-store.js';
import { listBirRules } from './tools/list-bir-rules.js';
import { monitorComplianceStatus } from './tools/monitor-compliance-status.js';
import { recordBirFiling } from './tools/record-bir-filing.js';
import { trackBirFilingDeadlines } from './tools/track-filing-deadlines.js';

/**
 * Philippine BIR compliance: the filing calendar as data (@mcpgw/bir-calendar) applied to the
 * agencies and filings in the ops tables (`agencies`, `compliance_tracking`). The BIR has no API,
 * so the database is the upstream.
 */
export const birWorker = createWorker<BirDeps>({
  name: 'bir',
  version: '1.0.0',
  description: 'BIR filing deadlines, compliance status (ATPs, certificates, registrations, filings), filing records and the rules calendar.',
  tools: [trackBirFilingDeadlines, monitorComplianceStatus, recordBirFiling, listBirRules],
  commands: [
    {
      pattern: 'deadlines [<agency>] [<period>]',
      tool: 'track_bir_filing_deadlines',
      description: 'Deadlines and their status: /mcp-bir deadlines ACME-MNL 2026-04 (agency and period optional; --status=overdue)',
    },
    { pattern: 'compliance [<agency>]', tool: 'monitor_compliance_status', description: 'Expired/expiring ATPs and certificates, missing filings: /mcp-bir compliance ACME-MNL' },
    {
      pattern: 'record <agency> <form> <period> <filed_at>',
      tool: 'record_bir_filing',
      description: 'Record a filing: /mcp-bir record ACME-MNL 1601-C 2026-03 2026-04-10 --reference=EFPS-123 --amount=125000',
    },
    { pattern: 'rules [<form>]', tool: 'list_bir_rules', description: 'The filing calendar and this year\'s holidays: /mcp-bir rules 1601-C' },
  ],
  requiredEnv: ['BIR_DATABASE_URL'],
  setup: (env, log) => {
    const loaded = loadBirConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    let holidays: HolidayInput[] = [];
    if (config.holidaysFile) {
      const file = loadHolidaysFile(config.holidaysFile);
      if (!file.ok) return { status: 'unconfigured', missing: [], reason: file.reason };
      holidays = file.holidays;
    }
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      notes: `${config.sandbox ? 'Sandbox: the gateway\'s sample database for the reference agencies. ' : ''}Ops tables in schema "${config.schema}"; ${holidays.length} operator holiday entr${holidays.length === 1 ? 'y' : 'ies'}${config.holidaysFile ? ' from BIR_HOLIDAYS_FILE' : ''}.`,
      deps: async () => ({ config, store: new OpsStore(config, log), calendar: new HolidayCalendar(holidays), now: () => new Date() }),
      close: (deps) => deps.store.close(),
    };
  },
  health: (deps, signal) => deps.store.health(signal),
});

export { birEnvSchema } from './config.js';
