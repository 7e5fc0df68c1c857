import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeN8n, type FakeN8n } from '@mcpgw/fakes';
import { MetaKeys, WorkerMethods, healthReportSchema, serviceManifestSchema } from '@mcpgw/protocol';
import { connectInMemory, type InMemoryConnection } from '@mcpgw/worker-kit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { n8nWorker } from './n8n-worker.js';

/** The n8n worker in-process (SDK client over an in-memory transport) against the fake n8n over real HTTP. */
const connect = (env: Record<string, string>): Promise<InMemoryConnection> => connectInMemory(n8nWorker, env);

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  const meta = (result._meta ?? {}) as Record<string, unknown>;
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    data: result.structuredContent as any,
    error: result.isError ? ((meta[MetaKeys.error] as { kind: string; message: string; retryAfter?: number; missing?: string[] }) ?? { kind: 'unknown', message: '' }) : undefined,
  };
}

let fake: FakeN8n;
let n8n: InMemoryConnection;

beforeAll(async () => {
  fake = await startFakeN8n();
  n8n = await connect({ N8N_API_URL: `${fake.url}/api/v1`, N8N_API_KEY: fake.apiKey, N8N_TIMEOUT_MS: '2000', N8N_PAGE_SIZE: '4' });
});
afterAll(async () => {
  await n8n?.close();
  await fake?.close();
});
afterEach(() => {
  fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, authFail: false, keyExpired: false, deniedScopes: [], legacyStatusFilter: false };
});

describe('n8n worker: manifest and configuration', () => {
  it('announces its tools, commands and required variables, and marks deactivate destructive', async () => {
    const manifest = await n8n.client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest).toMatchObject({ name: 'n8n', mode: 'live', requiredEnv: ['N8N_API_URL', 'N8N_API_KEY'] });
    expect(manifest.tools.map((t) => t.name).sort()).toEqual([
      'activate_workflow',
      'deactivate_workflow',
      'execute_workflow',
      'get_execution',
      'get_workflow',
      'list_executions',
      'list_failed_executions',
      'list_workflows',
      'n8n_health',
      'retry_execution',
    ]);
    const byName = new Map(manifest.tools.map((t) => [t.name, t]));
    expect(byName.get('deactivate_workflow')!.annotations).toMatchObject({ destructiveHint: true });
    expect((byName.get('deactivate_workflow')!.inputSchema as { required?: string[] }).required).toContain('confirm');
    for (const read of ['list_workflows', 'get_workflow', 'list_executions', 'get_execution', 'list_failed_executions', 'n8n_health']) {
      expect(byName.get(read)!.annotations).toMatchObject({ readOnlyHint: true });
    }
    for (const write of ['activate_workflow', 'deactivate_workflow', 'execute_workflow', 'retry_execution']) {
      expect(byName.get(write)!.annotations?.readOnlyHint).not.toBe(true);
    }
  });

  it('is unconfigured without its variables, naming them', async () => {
    const bare = await connect({});
    try {
      const result = await call(bare.client, 'list_workflows');
      expect(result.error).toMatchObject({ kind: 'unconfigured', missing: ['N8N_API_URL', 'N8N_API_KEY'] });
    } finally {
      await bare.close();
    }
  });

  it('reports health ok, and down with the variable to fix when the key is refused', async () => {
    expect((await n8n.client.request({ method: WorkerMethods.health }, healthReportSchema)).status).toBe('ok');
    fake.knobs = { authFail: true };
    const health = await n8n.client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health.status).toBe('down');
    expect(health.reason).toMatch(/N8N_API_KEY/);
  });
});

describe('n8n worker: workflows', () => {
  it('lists workflows across pages with their triggers, and continues from nextCursor', async () => {
    const first = await call(n8n.client, 'list_workflows', { limit: 6 });
    expect(first.data.count).toBe(6);
    expect(first.data.pages).toBe(2);
    const sync = first.data.workflows.find((w: { id: string }) => w.id === 'workflow_123');
    expect(sync).toMatchObject({ name: 'Customer data sync', active: true, tags: ['ops', 'crm'] });
    expect(sync.triggers[0]).toMatchObject({ kind: 'webhook', methods: ['POST'], path: 'customer-sync', productionUrl: `${fake.url}/webhook/customer-sync` });
    const rest = await call(n8n.client, 'list_workflows', { cursor: first.data.nextCursor });
    const all = await call(n8n.client, 'list_workflows', { limit: 100 });
    expect([...first.data.workflows, ...rest.data.workflows].map((w: { id: string }) => w.id)).toEqual(all.data.workflows.map((w: { id: string }) => w.id));
    expect(all.data.nextCursor).toBeNull();
    const active = await call(n8n.client, 'list_workflows', { active: false, tags: 'finance' });
    expect(active.data.workflows.map((w: { name: string }) => w.name)).toEqual(['Payroll file import']);
  });

  it('gets one workflow without node parameters, and says which id is unknown', async () => {
    const one = await call(n8n.client, 'get_workflow', { id: 'workflow_123' });
    expect(one.data.nodes.map((n: { name: string }) => n.name)).toEqual(['Webhook', 'Normalize payload', 'Upsert CRM contact', 'Respond']);
    expect(JSON.stringify(one.data)).not.toContain('parameters');
    const missing = await call(n8n.client, 'get_workflow', { id: 'nope' });
    expect(missing.error).toMatchObject({ kind: 'not_found' });
    expect(missing.error!.message).toMatch(/no workflow "nope"/);
  });

  it('activates and deactivates (the latter only with confirm), with n8n\'s refusals', async () => {
    const listed = (await call(n8n.client, 'list_workflows', { limit: 100 })).data.workflows as { id: string; name: string }[];
    const id = (name: string) => listed.find((w) => w.name === name)!.id;
    const on = await call(n8n.client, 'activate_workflow', { id: id('BIR deadline digest') });
    expect(on.data).toMatchObject({ active: true, changed: true });
    expect((await call(n8n.client, 'activate_workflow', { id: id('BIR deadline digest') })).data).toMatchObject({ active: true, changed: false });
    const refused = await call(n8n.client, 'deactivate_workflow', { id: id('BIR deadline digest') });
    expect(refused.error).toMatchObject({ kind: 'invalid_arguments' });
    expect(refused.error!.message).toMatch(/confirm/);
    const off = await call(n8n.client, 'deactivate_workflow', { id: id('BIR deadline digest'), confirm: true });
    expect(off.data).toMatchObject({ active: false, changed: true });
    const conflict = await call(n8n.client, 'activate_workflow', { id: id('Lead enrichment (draft)') });
    expect(conflict.error).toMatchObject({ kind: 'rejected' });
    expect(conflict.error!.message).toMatch(/409.*conflict/);
    const noTrigger = await call(n8n.client, 'activate_workflow', { id: id('Manual data fix') });
    expect(noTrigger.error!.message).toMatch(/no node to start the workflow/);
    fake.knobs = { deniedScopes: ['workflow:activate'] };
    const scoped = await call(n8n.client, 'activate_workflow', { id: id('BIR deadline digest') });
    expect(scoped.error!.message).toMatch(/workflow:activate/);
  });
});

describe('n8n worker: running workflows', () => {
  it('runs a workflow through its webhook with the payload and finds the execution it started', async () => {
    const run = await call(n8n.client, 'execute_workflow', { workflowId: 'workflow_123', payload: { data: 'payload' } });
    expect(run.error).toBeUndefined();
    expect(run.data).toMatchObject({ workflowId: 'workflow_123', via: 'webhook', method: 'POST', status: 200, response: { received: { data: 'payload' } } });
    expect(run.data.execution).toMatchObject({ workflowId: 'workflow_123', status: 'success', mode: 'webhook' });
    expect(run.data.execution.id).toBe(run.data.response.executionId);
  });

  it('reports a run that failed with the execution and its error', async () => {
    const listed = (await call(n8n.client, 'list_workflows', { name: 'Invoice export' })).data.workflows as { id: string }[];
    const failed = await call(n8n.client, 'execute_workflow', { workflowId: listed[0]!.id });
    expect(failed.error).toMatchObject({ kind: 'failed' });
    expect(failed.error!.message).toMatch(/ran and failed.*execution \d+ failed in node "Create Odoo invoice": Authorization failed/);
  });

  it('refuses inactive workflows and workflows without a webhook trigger, saying what to do', async () => {
    const listed = (await call(n8n.client, 'list_workflows', { limit: 100 })).data.workflows as { id: string; name: string }[];
    const payroll = await call(n8n.client, 'execute_workflow', { workflowId: listed.find((w) => w.name === 'Payroll file import')!.id });
    expect(payroll.error!.message).toMatch(/inactive.*activate it first/);
    const schedule = await call(n8n.client, 'execute_workflow', { workflowId: listed.find((w) => w.name === 'Weekly KPI report')!.id });
    expect(schedule.error!.message).toMatch(/no enabled Webhook trigger.*retry_execution/);
  });

  it('sends the payload as the query string to a GET webhook', async () => {
    const listed = (await call(n8n.client, 'list_workflows', { name: 'Uptime ping' })).data.workflows as { id: string }[];
    const run = await call(n8n.client, 'execute_workflow', { workflowId: listed[0]!.id, payload: { probe: 'x' }, findExecution: false });
    expect(run.data).toMatchObject({ method: 'GET', response: { query: { probe: 'x' } } });
    expect(run.data.execution).toBeNull();
  });
});

describe('n8n worker: executions', () => {
  it('lists executions by status across pages, newest first', async () => {
    const errors = await call(n8n.client, 'list_executions', { status: 'error', limit: 9 });
    expect(errors.data.count).toBe(9);
    expect(errors.data.pages).toBe(3);
    expect(errors.data.executions.every((e: { status: string }) => e.status === 'error')).toBe(true);
    const starts = errors.data.executions.map((e: { startedAt: string }) => e.startedAt);
    expect(starts).toEqual([...starts].sort().reverse());
    expect((await call(n8n.client, 'list_executions', { status: 'running' })).data.count).toBe(1);
  });

  it('gets an execution with its error (no stack), node runs and output', async () => {
    const one = await call(n8n.client, 'get_execution', { id: 'exec_456' });
    expect(one.data).toMatchObject({
      id: 'exec_456',
      workflowId: 'workflow_123',
      status: 'error',
      lastNodeExecuted: 'Upsert CRM contact',
      error: { message: 'The resource you are requesting could not be found', node: 'Upsert CRM contact' },
    });
    expect(one.data.nodes.map((n: { node: string; status: string }) => [n.node, n.status])).toEqual([
      ['Webhook', 'success'],
      ['Normalize payload', 'success'],
      ['Upsert CRM contact', 'error'],
    ]);
    expect(JSON.stringify(one.data)).not.toMatch(/stack|at ExecuteContext/);
  });

  it('lists recent failures with workflow names, and only errors on n8n 1.x', async () => {
    const failed = await call(n8n.client, 'list_failed_executions', { limit: 50 });
    expect(failed.data.statuses).toEqual(['error', 'crashed']);
    expect(failed.data.executions.some((e: { status: string }) => e.status === 'crashed')).toBe(true);
    const exec = failed.data.executions.find((e: { id: string }) => e.id === 'exec_456');
    expect(exec).toMatchObject({ workflowName: 'Customer data sync', error: { node: 'Upsert CRM contact' } });
    fake.knobs = { legacyStatusFilter: true };
    const legacy = await call(n8n.client, 'list_failed_executions', {});
    expect(legacy.data).toMatchObject({ statuses: ['error'], crashedListed: false });
  });

  it('retries a failed execution into a new one', async () => {
    const retried = await call(n8n.client, 'retry_execution', { id: 'exec_456' });
    expect(retried.data).toMatchObject({ retryOf: 'exec_456', execution: { retryOf: 'exec_456', mode: 'retry', status: 'success' } });
  });
});
