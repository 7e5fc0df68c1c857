import { createWorker } from '@mcpgw/worker-kit';
import { loadN8nConfig } from './config.js';
import type { N8nDeps } from './deps.js';
import { N8nClient } from './n8n-client.js';
import { probeN8n } from './n8n-probe.js';
import { executeWorkflow } from './tools/execute-workflow.js';
import { getExecution, listExecutions, retryExecution } from './tools/executions.js';
import { getWorkflow } from './tools/get-workflow.js';
import { listWorkflows } from './tools/list-workflows.js';
import { listFailedExecutions } from './tools/list-failed-executions.js';
import { n8nHealth } from './tools/n8n-health.js';
import { activateWorkflow, deactivateWorkflow } from './tools/set-workflow-active.js';

/**
 * n8n over its public REST API (`/api/v1`, `X-N8N-API-KEY`) and production webhooks: workflows
 * (list, get, activate, deactivate), running a workflow with a JSON payload through its Webhook
 * trigger, and executions (list by status, get, failed ones, retry).
 */
export const n8nWorker = createWorker<N8nDeps>({
  name: 'n8n',
  version: '1.0.0',
  description:
    'n8n workflow automation (public REST API + webhooks): list, inspect, activate and deactivate workflows; run a workflow with a JSON payload through its Webhook trigger; list executions by status, read one with its error, list recent failures, retry one.',
  tools: [listWorkflows, getWorkflow, activateWorkflow, deactivateWorkflow, executeWorkflow, listExecutions, getExecution, listFailedExecutions, retryExecution, n8nHealth],
  commands: [
    { pattern: 'list-workflows', tool: 'list_workflows', description: 'Workflows with their triggers: /mcp-n8n list-workflows --active=true --tags=ops' },
    { pattern: 'get-workflow <id>', tool: 'get_workflow', description: 'One workflow: triggers, nodes, settings: /mcp-n8n get-workflow workflow_123' },
    { pattern: 'activate <id>', tool: 'activate_workflow', description: 'Activate a workflow: /mcp-n8n activate workflow_123' },
    { pattern: 'deactivate <id>', tool: 'deactivate_workflow', description: 'Deactivate a workflow (destructive: add --confirm): /mcp-n8n deactivate workflow_123 --confirm' },
    { pattern: 'execute <workflowId> [<payload>]', tool: 'execute_workflow', description: 'Run a workflow through its webhook with a JSON payload: /mcp-n8n execute workflow_123 {"data": "payload"}' },
    { pattern: 'list-executions [<status>]', tool: 'list_executions', description: 'Executions, newest first, by status: /mcp-n8n list-executions error --workflow-id=workflow_123' },
    { pattern: 'get-execution <id>', tool: 'get_execution', description: 'One execution with its error and node runs: /mcp-n8n get-execution exec_456' },
    { pattern: 'failed-executions [<workflowId>]', tool: 'list_failed_executions', description: 'Recent failed and crashed executions with their errors: /mcp-n8n failed-executions --since=2026-03-01' },
    { pattern: 'retry <id>', tool: 'retry_execution', description: 'Run a failed execution again: /mcp-n8n retry exec_456 --load-workflow' },
    { pattern: 'health', tool: 'n8n_health', description: 'Is n8n answering and the key accepted, and how fast.' },
  ],
  requiredEnv: ['N8N_API_URL', 'N8N_API_KEY'],
  setup: (env, log) => {
    const loaded = loadN8nConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      ...(config.sandbox ? { notes: 'Sandbox: talking to a fake n8n with sample workflows and executions, not a real instance.' } : {}),
      // Nothing to open: every call is one HTTP request, so the worker starts while n8n is down.
      deps: async () => ({
        config,
        client: new N8nClient({ baseUrl: config.baseUrl, webhookUrl: config.webhookUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs, log }),
      }),
    };
  },
  health: async (deps, signal) => {
    const probe = await probeN8n(deps.client, signal);
    return probe.reason === undefined ? { status: probe.status } : { status: probe.status, reason: probe.reason };
  },
});

export { n8nEnvSchema, loadN8nConfig, type N8nConfig } from './config.js';
export { N8nClient } from './n8n-client.js';
