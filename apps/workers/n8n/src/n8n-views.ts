/**
 * n8n's workflow and execution objects, as the public API sends them, and the compact views the
 * tools return: summaries an agent can read, without node parameters (which can hold credentials or
 * tokens typed into a node) and without error stack traces.
 */

export interface N8nNode {
  id?: string;
  name: string;
  type: string;
  typeVersion?: number;
  disabled?: boolean;
  parameters?: Record<string, unknown>;
  webhookId?: string;
}

export interface N8nWorkflow {
  id: string;
  name: string;
  active: boolean;
  isArchived?: boolean;
  createdAt?: string;
  updatedAt?: string;
  versionId?: string;
  triggerCount?: number;
  tags?: { id: string; name: string }[];
  nodes?: N8nNode[];
  settings?: Record<string, unknown>;
}

export interface N8nExecution {
  id: string | number;
  workflowId: string | number;
  mode?: string;
  status?: string;
  finished?: boolean;
  startedAt?: string | null;
  stoppedAt?: string | null;
  waitTill?: string | null;
  retryOf?: string | number | null;
  retrySuccessId?: string | number | null;
  data?: { resultData?: { runData?: Record<string, unknown>; lastNodeExecuted?: string; error?: Record<string, unknown> } };
}

export const WEBHOOK_NODE = 'n8n-nodes-base.webhook';

/** A workflow's trigger node, as the tools show it. */
export interface TriggerView {
  node: string;
  type: string;
  kind: 'webhook' | 'schedule' | 'manual' | 'error' | 'other';
  disabled: boolean;
  /** Webhooks: the HTTP method(s), path, production URL and when n8n answers. */
  methods?: string[];
  path?: string;
  productionUrl?: string;
  responseMode?: string;
}

function isTrigger(node: N8nNode): boolean {
  return node.type === WEBHOOK_NODE || /trigger$/i.test(node.type) || node.type === 'n8n-nodes-base.cron' || node.type === 'n8n-nodes-base.interval';
}

function kindOf(type: string): TriggerView['kind'] {
  if (type === WEBHOOK_NODE) return 'webhook';
  if (/scheduleTrigger$|\.cron$|\.interval$/.test(type)) return 'schedule';
  if (/manualTrigger$/.test(type)) return 'manual';
  if (/errorTrigger$/.test(type)) return 'error';
  return 'other';
}

/** The methods a Webhook node listens to: `httpMethod` (a string, or a list with "multipleMethods"); n8n's default is GET. */
export function webhookMethods(node: N8nNode): string[] {
  const method = node.parameters?.['httpMethod'];
  if (Array.isArray(method)) return method.filter((m): m is string => typeof m === 'string').map((m) => m.toUpperCase());
  return [typeof method === 'string' && method !== '' ? method.toUpperCase() : 'GET'];
}

/** A Webhook node's path (`parameters.path`, else its webhookId, as n8n does). */
export function webhookPath(node: N8nNode): string | undefined {
  const path = node.parameters?.['path'];
  const value = typeof path === 'string' && path.trim() !== '' ? path : node.webhookId;
  return value === undefined ? undefined : value.replace(/^\/+/, '');
}

export function triggersOf(workflow: N8nWorkflow, webhookBase: string): TriggerView[] {
  return (workflow.nodes ?? []).filter(isTrigger).map((node) => {
    const view: TriggerView = { node: node.name, type: node.type, kind: kindOf(node.type), disabled: node.disabled === true };
    if (view.kind === 'webhook') {
      const path = webhookPath(node);
      view.methods = webhookMethods(node);
      if (path !== undefined) {
        view.path = path;
        view.productionUrl = `${webhookBase}/webhook/${path}`;
      }
      const mode = node.parameters?.['responseMode'];
      view.responseMode = typeof mode === 'string' ? mode : 'onReceived';
    }
    return view;
  });
}

/** A workflow in a list: what it is, whether it runs, and how it starts. */
export function workflowSummary(workflow: N8nWorkflow, webhookBase: string) {
  return {
    id: String(workflow.id),
    name: workflow.name,
    active: workflow.active === true,
    ...(workflow.isArchived ? { archived: true } : {}),
    tags: (workflow.tags ?? []).map((t) => t.name),
    triggers: triggersOf(workflow, webhookBase),
    nodeCount: workflow.nodes?.length ?? null,
    createdAt: workflow.createdAt ?? null,
    updatedAt: workflow.updatedAt ?? null,
  };
}

/** One workflow in full: the summary plus its nodes (name, type, disabled) and settings; never node parameters. */
export function workflowDetail(workflow: N8nWorkflow, webhookBase: string) {
  return {
    ...workflowSummary(workflow, webhookBase),
    versionId: workflow.versionId ?? null,
    nodes: (workflow.nodes ?? []).map((n) => ({ name: n.name, type: n.type, typeVersion: n.typeVersion ?? null, disabled: n.disabled === true })),
    settings: pick(workflow.settings ?? {}, ['executionOrder', 'timezone', 'errorWorkflow', 'saveDataErrorExecution', 'saveDataSuccessExecution', 'executionTimeout', 'callerPolicy']),
  };
}

/** The status of an execution; servers before `status` existed only had `finished`. */
export function statusOf(execution: N8nExecution): string {
  if (typeof execution.status === 'string' && execution.status !== '') return execution.status;
  if (execution.finished === true) return 'success';
  if (execution.waitTill) return 'waiting';
  return execution.stoppedAt ? 'error' : 'unknown';
}

export function executionSummary(execution: N8nExecution) {
  const started = execution.startedAt ? Date.parse(execution.startedAt) : Number.NaN;
  const stopped = execution.stoppedAt ? Date.parse(execution.stoppedAt) : Number.NaN;
  return {
    id: String(execution.id),
    workflowId: String(execution.workflowId),
    status: statusOf(execution),
    mode: execution.mode ?? null,
    startedAt: execution.startedAt ?? null,
    stoppedAt: execution.stoppedAt ?? null,
    durationMs: Number.isFinite(started) && Number.isFinite(stopped) ? stopped - started : null,
    waitTill: execution.waitTill ?? null,
    retryOf: execution.retryOf == null ? null : String(execution.retryOf),
    retrySuccessId: execution.retrySuccessId == null ? null : String(execution.retrySuccessId),
  };
}

/** The error of a failed execution: message, description and node; never the stack. */
export function executionError(execution: N8nExecution) {
  const error = execution.data?.resultData?.error;
  if (!error || typeof error !== 'object') return null;
  const node = error['node'] as { name?: unknown; type?: unknown } | undefined;
  return {
    message: text(error['message'], 1_000) ?? 'no message',
    description: text(error['description'], 1_000),
    name: text(error['name'], 100),
    node: typeof node?.name === 'string' ? node.name : null,
    nodeType: typeof node?.type === 'string' ? node.type : null,
  };
}

interface NodeRun {
  startTime?: number;
  executionTime?: number;
  executionStatus?: string;
  error?: { message?: unknown };
  data?: { main?: ({ json?: unknown }[] | null)[] };
}

/** Per node: how often it ran, its last status, items out, time, and the failing node's error message. */
export function nodeRuns(execution: N8nExecution) {
  const runData = execution.data?.resultData?.runData ?? {};
  return Object.entries(runData).map(([name, runs]) => {
    const list = (Array.isArray(runs) ? runs : []) as NodeRun[];
    const last = list[list.length - 1];
    const items = list.reduce((sum, run) => sum + (run.data?.main ?? []).reduce((n, out) => n + (Array.isArray(out) ? out.length : 0), 0), 0);
    return {
      node: name,
      runs: list.length,
      status: last?.executionStatus ?? (last?.error ? 'error' : 'success'),
      items,
      executionTimeMs: list.reduce((sum, run) => sum + (typeof run.executionTime === 'number' ? run.executionTime : 0), 0),
      ...(last?.error ? { error: text(last.error.message, 500) } : {}),
    };
  });
}

/** The first items the last node produced (JSON only), cut to a bounded size. */
export function lastNodeOutput(execution: N8nExecution, maxItems = 5, maxChars = 4_000): { items: unknown[]; truncated: boolean } | null {
  const last = execution.data?.resultData?.lastNodeExecuted;
  if (!last) return null;
  const runs = execution.data?.resultData?.runData?.[last];
  const run = (Array.isArray(runs) ? runs[runs.length - 1] : undefined) as NodeRun | undefined;
  const output = run?.data?.main?.[0];
  if (!Array.isArray(output)) return null;
  const items: unknown[] = [];
  let size = 0;
  let truncated = output.length > maxItems;
  for (const item of output.slice(0, maxItems)) {
    const json = item?.json ?? null;
    size += JSON.stringify(json)?.length ?? 0;
    if (size > maxChars) {
      truncated = true;
      break;
    }
    items.push(json);
  }
  return { items, truncated };
}

/** An execution in full: summary, the failing node and message, each node's run, and the last node's output. */
export function executionDetail(execution: N8nExecution) {
  return {
    ...executionSummary(execution),
    lastNodeExecuted: execution.data?.resultData?.lastNodeExecuted ?? null,
    error: executionError(execution),
    nodes: nodeRuns(execution),
    output: lastNodeOutput(execution),
  };
}

function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}
