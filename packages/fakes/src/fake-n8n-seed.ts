import { randomUUID } from 'node:crypto';

/**
 * Sample data of the fake n8n: workflows of an operations team (webhook, schedule, manual and error
 * triggers; active and inactive; one whose webhook path conflicts with an active one; one that fails
 * when run) and three days of executions in every status, dated relative to `now`. The ids the
 * README's slash commands use (`workflow_123`, `exec_456`) are among them.
 */

/** A node as n8n stores it in a workflow. */
export interface FakeN8nNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  disabled?: boolean;
  webhookId?: string;
}

/** A workflow in the shape `GET /api/v1/workflows/{id}` returns. */
export interface FakeN8nWorkflow {
  id: string;
  name: string;
  active: boolean;
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
  versionId: string;
  triggerCount: number;
  tags: { id: string; name: string; createdAt: string; updatedAt: string }[];
  nodes: FakeN8nNode[];
  connections: Record<string, { main: { node: string; type: 'main'; index: number }[][] }>;
  settings: Record<string, unknown>;
  staticData: null;
  meta: null;
  pinData: Record<string, unknown>;
}

/** n8n's execution statuses (integrations.md §6.2). */
export const N8N_EXECUTION_STATUSES = ['canceled', 'crashed', 'error', 'new', 'running', 'success', 'unknown', 'waiting'] as const;
export type FakeN8nExecutionStatus = (typeof N8N_EXECUTION_STATUSES)[number];

/** An execution in the shape `GET /api/v1/executions/{id}?includeData=true` returns. */
export interface FakeN8nExecution {
  id: string;
  workflowId: string;
  mode: string;
  status: FakeN8nExecutionStatus;
  finished: boolean;
  startedAt: string;
  stoppedAt: string | null;
  waitTill: string | null;
  retryOf: string | null;
  retrySuccessId: string | null;
  data: { resultData: { runData: Record<string, unknown[]>; lastNodeExecuted?: string; error?: Record<string, unknown> } };
}

/** How a workflow behaves when its webhook is called (fake-only; n8n would run the nodes). */
export interface FakeN8nBehaviour {
  /** The run fails in this node with this message. */
  failIn?: { node: string; message: string };
}

export interface FakeN8nSeed {
  workflows: FakeN8nWorkflow[];
  executions: FakeN8nExecution[];
  behaviour: Map<string, FakeN8nBehaviour>;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A small deterministic PRNG (mulberry32), so the sample data is the same on every start. */
class SeedRandom {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  /** A 16-character id like the ones n8n generates for workflows and tags. */
  id(): string {
    let out = '';
    for (let i = 0; i < 16; i++) out += ALPHANUMERIC[this.int(ALPHANUMERIC.length)];
    return out;
  }
}

type Trigger =
  | { kind: 'webhook'; path: string; method: 'GET' | 'POST'; respond: 'onReceived' | 'lastNode' }
  | { kind: 'schedule'; rule: string }
  | { kind: 'manual' }
  | { kind: 'error' };

interface WorkflowSpec {
  id?: string;
  name: string;
  active: boolean;
  tags: string[];
  trigger: Trigger;
  steps: string[];
  failIn?: { node: string; message: string };
}

const WORKFLOWS: WorkflowSpec[] = [
  {
    id: 'workflow_123',
    name: 'Customer data sync',
    active: true,
    tags: ['ops', 'crm'],
    trigger: { kind: 'webhook', path: 'customer-sync', method: 'POST', respond: 'lastNode' },
    steps: ['Normalize payload', 'Upsert CRM contact', 'Respond'],
  },
  {
    name: 'Invoice export to Odoo',
    active: true,
    tags: ['finance'],
    trigger: { kind: 'webhook', path: 'invoice-export', method: 'POST', respond: 'lastNode' },
    steps: ['Map invoice lines', 'Create Odoo invoice'],
    failIn: { node: 'Create Odoo invoice', message: 'Authorization failed - please check your credentials' },
  },
  { name: 'Nightly Supabase backup check', active: true, tags: ['ops'], trigger: { kind: 'schedule', rule: '0 2 * * *' }, steps: ['List backups', 'Alert if stale'] },
  {
    name: 'Slack alert relay',
    active: true,
    tags: ['ops', 'alerts'],
    trigger: { kind: 'webhook', path: 'alerts', method: 'POST', respond: 'onReceived' },
    steps: ['Format message', 'Post to Slack'],
  },
  { name: 'Month-end reminder', active: true, tags: ['finance'], trigger: { kind: 'schedule', rule: '0 9 25-31 * *' }, steps: ['Find open tasks', 'Email owners'] },
  { name: 'BIR deadline digest', active: false, tags: ['compliance'], trigger: { kind: 'schedule', rule: '0 8 * * 1' }, steps: ['Read deadlines', 'Email digest'] },
  {
    name: 'Lead enrichment (draft)',
    active: false,
    tags: ['crm'],
    // Same production path as "Customer data sync": activating it is a webhook conflict (409).
    trigger: { kind: 'webhook', path: 'customer-sync', method: 'POST', respond: 'lastNode' },
    steps: ['Enrich lead'],
  },
  { name: 'Manual data fix', active: false, tags: ['ops'], trigger: { kind: 'manual' }, steps: ['Fix records'] },
  {
    name: 'Payroll file import',
    active: false,
    tags: ['finance'],
    trigger: { kind: 'webhook', path: 'payroll-import', method: 'POST', respond: 'lastNode' },
    steps: ['Parse file', 'Insert payroll rows'],
  },
  { name: 'Error handler', active: true, tags: ['ops'], trigger: { kind: 'error' }, steps: ['Notify on-call'] },
  { name: 'Weekly KPI report', active: true, tags: ['reporting'], trigger: { kind: 'schedule', rule: '0 7 * * 1' }, steps: ['Query KPIs', 'Build report', 'Email report'] },
  {
    name: 'Shopify order sync',
    active: true,
    tags: ['sales'],
    trigger: { kind: 'webhook', path: 'shopify-orders', method: 'POST', respond: 'onReceived' },
    steps: ['Map order', 'Create sales order'],
  },
  {
    name: 'Uptime ping',
    active: true,
    tags: ['ops'],
    trigger: { kind: 'webhook', path: 'ping', method: 'GET', respond: 'lastNode' },
    steps: ['Respond'],
  },
  { name: 'Archived experiment', active: false, tags: [], trigger: { kind: 'schedule', rule: '*/5 * * * *' }, steps: ['Do nothing'] },
];

const TRIGGER_NODE: Record<Trigger['kind'], { name: string; type: string; typeVersion: number }> = {
  webhook: { name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2 },
  schedule: { name: 'Schedule Trigger', type: 'n8n-nodes-base.scheduleTrigger', typeVersion: 1.2 },
  manual: { name: "When clicking 'Execute workflow'", type: 'n8n-nodes-base.manualTrigger', typeVersion: 1 },
  error: { name: 'Error Trigger', type: 'n8n-nodes-base.errorTrigger', typeVersion: 1 },
};

/** The node types n8n counts as triggers (what activation needs). */
export const TRIGGER_NODE_TYPES = new Set(['n8n-nodes-base.webhook', 'n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.errorTrigger', 'n8n-nodes-base.cron']);

function triggerParameters(trigger: Trigger): Record<string, unknown> {
  switch (trigger.kind) {
    case 'webhook':
      return { httpMethod: trigger.method, path: trigger.path, responseMode: trigger.respond, options: {} };
    case 'schedule':
      return { rule: { interval: [{ field: 'cronExpression', expression: trigger.rule }] } };
    default:
      return {};
  }
}

function buildWorkflow(spec: WorkflowSpec, random: SeedRandom, tagIds: Map<string, string>, now: number, index: number): FakeN8nWorkflow {
  const created = new Date(now - (90 - index * 3) * 86_400_000).toISOString();
  const updated = new Date(now - (10 - (index % 7)) * 86_400_000).toISOString();
  const trigger = TRIGGER_NODE[spec.trigger.kind];
  const nodes: FakeN8nNode[] = [
    {
      id: randomUUID(),
      name: trigger.name,
      type: trigger.type,
      typeVersion: trigger.typeVersion,
      position: [0, 0],
      parameters: triggerParameters(spec.trigger),
      ...(spec.trigger.kind === 'webhook' ? { webhookId: randomUUID() } : {}),
    },
    ...spec.steps.map((step, i): FakeN8nNode => ({
      id: randomUUID(),
      name: step,
      type: step === 'Respond' ? 'n8n-nodes-base.set' : i % 2 === 0 ? 'n8n-nodes-base.code' : 'n8n-nodes-base.httpRequest',
      typeVersion: step === 'Respond' ? 3.4 : i % 2 === 0 ? 2 : 4.2,
      position: [220 * (i + 1), 0],
      parameters: {},
    })),
  ];
  const connections: FakeN8nWorkflow['connections'] = {};
  for (let i = 0; i < nodes.length - 1; i++) connections[nodes[i]!.name] = { main: [[{ node: nodes[i + 1]!.name, type: 'main', index: 0 }]] };
  return {
    id: spec.id ?? random.id(),
    name: spec.name,
    active: spec.active,
    isArchived: false,
    createdAt: created,
    updatedAt: updated,
    versionId: randomUUID(),
    triggerCount: spec.active && spec.trigger.kind !== 'manual' ? 1 : 0,
    tags: spec.tags.map((name) => ({ id: tagIds.get(name)!, name, createdAt: created, updatedAt: created })),
    nodes,
    connections,
    settings: { executionOrder: 'v1', timezone: 'Asia/Manila', saveDataErrorExecution: 'all', saveDataSuccessExecution: 'all' },
    staticData: null,
    meta: null,
    pinData: {},
  };
}

/** The run data of one execution: each node's output (or the failing node's error), as n8n stores it. */
export function runDataFor(
  workflow: FakeN8nWorkflow,
  startedAt: number,
  input: Record<string, unknown>,
  failIn?: { node: string; message: string },
): FakeN8nExecution['data'] {
  const runData: Record<string, unknown[]> = {};
  let last: string | undefined;
  let error: Record<string, unknown> | undefined;
  let at = startedAt;
  for (const node of workflow.nodes) {
    last = node.name;
    const time = 3 + ((node.name.length * 7) % 40);
    if (failIn && node.name === failIn.node) {
      error = {
        message: failIn.message,
        name: 'NodeApiError',
        description: `${node.name} failed: ${failIn.message}`,
        timestamp: at,
        node: { name: node.name, type: node.type, typeVersion: node.typeVersion },
        stack: `NodeApiError: ${failIn.message}\n    at ExecuteContext.execute (/usr/local/lib/node_modules/n8n/node_modules/n8n-nodes-base/dist/nodes/HttpRequest/V3/HttpRequestV3.node.js:525:33)`,
      };
      runData[node.name] = [{ startTime: at, executionTime: time, executionStatus: 'error', source: [], error }];
      break;
    }
    const json = TRIGGER_NODE_TYPES.has(node.type) || node.type === 'n8n-nodes-base.manualTrigger' ? input : { ...input, step: node.name, ok: true };
    runData[node.name] = [{ startTime: at, executionTime: time, executionStatus: 'success', source: [], data: { main: [[{ json }]] } }];
    at += time;
  }
  return { resultData: { runData, ...(last ? { lastNodeExecuted: last } : {}), ...(error ? { error } : {}) } };
}

/** Builds the sample workflows and executions for a clock. */
export function seedFakeN8n(now: Date): FakeN8nSeed {
  const random = new SeedRandom(0x8a8);
  const clock = now.getTime();
  const tagNames = [...new Set(WORKFLOWS.flatMap((w) => w.tags))];
  const tagIds = new Map(tagNames.map((name) => [name, random.id()]));
  const workflows = WORKFLOWS.map((spec, index) => buildWorkflow(spec, random, tagIds, clock, index));
  const behaviour = new Map<string, FakeN8nBehaviour>();
  WORKFLOWS.forEach((spec, index) => {
    if (spec.failIn) behaviour.set(workflows[index]!.id, { failIn: spec.failIn });
  });

  const runnable = workflows.filter((w, i) => w.active && WORKFLOWS[i]!.trigger.kind !== 'error');
  const executions: FakeN8nExecution[] = [];
  // 44 numbered executions over the last three days, oldest first; statuses chosen so every one occurs.
  const special: Partial<Record<number, FakeN8nExecutionStatus>> = { 12: 'crashed', 20: 'canceled', 33: 'unknown', 41: 'waiting', 42: 'new', 43: 'running' };
  for (let i = 0; i < 44; i++) {
    const workflow = runnable[i % runnable.length]!;
    const index = workflows.indexOf(workflow);
    const spec = WORKFLOWS[index]!;
    const started = clock - (72 - i * 1.6) * 3_600_000;
    const failing = spec.failIn !== undefined || i % 9 === 4;
    const status: FakeN8nExecutionStatus = special[i] ?? (failing ? 'error' : 'success');
    const mode = spec.trigger.kind === 'webhook' ? 'webhook' : spec.trigger.kind === 'schedule' ? 'trigger' : 'manual';
    const failIn = status === 'error' ? (spec.failIn ?? { node: spec.steps[spec.steps.length - 1]!, message: 'Request failed with status code 503' }) : undefined;
    const inFlight = status === 'running' || status === 'new' || status === 'waiting';
    const duration = 400 + random.int(8_000);
    executions.push({
      id: String(1001 + i),
      workflowId: workflow.id,
      mode,
      status,
      finished: status === 'success',
      startedAt: new Date(started).toISOString(),
      stoppedAt: inFlight ? null : new Date(started + duration).toISOString(),
      waitTill: status === 'waiting' ? new Date(clock + 3_600_000).toISOString() : null,
      retryOf: null,
      retrySuccessId: null,
      data: status === 'new' ? { resultData: { runData: {} } } : runDataFor(workflow, started, { seq: i + 1 }, failIn),
    });
  }
  // The execution the README's `/mcp-n8n get-execution exec_456` reads: a failed webhook run of workflow_123.
  const sync = workflows[0]!;
  const failedAt = clock - 5 * 3_600_000;
  const exec456: FakeN8nExecution = {
    id: 'exec_456',
    workflowId: sync.id,
    mode: 'webhook',
    status: 'error',
    finished: false,
    startedAt: new Date(failedAt).toISOString(),
    stoppedAt: new Date(failedAt + 1_840).toISOString(),
    waitTill: null,
    retryOf: null,
    retrySuccessId: null,
    data: runDataFor(sync, failedAt, { data: 'payload', customerId: 'C-1042' }, { node: 'Upsert CRM contact', message: 'The resource you are requesting could not be found' }),
  };
  executions.push(exec456);
  executions.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { workflows, executions, behaviour };
}
