/**
 * A fake n8n: a real HTTP server on 127.0.0.1 speaking the subset of n8n's public REST API
 * (`/api/v1`, `X-N8N-API-KEY`) an operations agent uses — workflows (list, get, activate/deactivate
 * and their 2.x `publish`/`unpublish` aliases), executions (list by status, get with data, retry,
 * delete) with cursor pagination (`limit` ≤ 250, opaque `nextCursor`) — plus production webhooks
 * (`/webhook/<path>`, registered only while the workflow is active) that run a workflow and record an
 * execution. Knobs for latency, 5xx, 429 bursts, refused/expired keys, scoped keys and n8n 1.x's
 * three-value status filter. Workers' tests and the gateway's sandbox use it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { FakeHttpServer, recordCall, type FakeRequestBody } from './fake-http-server.js';
import { RateLimitBurst, validateCommonKnobs, validateErrorKinds } from './fake-knobs.js';
import {
  N8N_EXECUTION_STATUSES,
  TRIGGER_NODE_TYPES,
  runDataFor,
  seedFakeN8n,
  type FakeN8nBehaviour,
  type FakeN8nExecution,
  type FakeN8nWorkflow,
} from './fake-n8n-seed.js';

export type { FakeN8nExecution, FakeN8nExecutionStatus, FakeN8nNode, FakeN8nWorkflow } from './fake-n8n-seed.js';
export { N8N_EXECUTION_STATUSES } from './fake-n8n-seed.js';

/** How an injected server error looks on the wire. */
export type FakeN8nErrorKind = 'http_500' | 'http_502' | 'http_503';

/** Fault-injection knobs, the same shape as the fake Odoo's; change them at any time through `fake.knobs`. */
export interface FakeN8nKnobs {
  /** Delay before every answer (ms). Default 0. */
  latencyMs: number;
  /** Probability (0..1) that a request fails with a 5xx before it is served, rotating through `errorKinds`. */
  errorRate: number;
  errorKinds: FakeN8nErrorKind[];
  /** The next `burst` requests (API and webhooks) get 429 with `Retry-After: <retryAfterSec>`. Null: off. */
  rateLimit429: { burst: number; retryAfterSec: number } | null;
  /** Every API request answers 401 `unauthorized`, whatever the key (revoked or wrong key). */
  authFail: boolean;
  /** Every API request answers 401 because the key's expiry has passed. */
  keyExpired: boolean;
  /** Scopes the key lacks (`workflow:activate`, `execution:list`, ...): those requests answer 403. */
  deniedScopes: string[];
  /**
   * n8n 1.x behaviour: the executions list accepts only `error`, `success`, `waiting` as `status`
   * (400 for the others) and never lists running executions.
   */
  legacyStatusFilter: boolean;
}

/** One served request, for tests' assertions (the key is never recorded). */
export interface FakeN8nCall {
  method: string;
  /** The path without the query string. */
  path: string;
  status: number;
}

export interface StartFakeN8nOptions {
  /** The API key (default random, `n8n_api_…`). */
  apiKey?: string;
  /** The clock the sample data is relative to (default: now). */
  now?: Date;
  /** Load the sample data (default true). */
  seed?: boolean;
  knobs?: Partial<FakeN8nKnobs>;
  /** How many entries `calls` keeps (default 10000). */
  maxCalls?: number;
}

/** A running fake n8n. */
export interface FakeN8n {
  /** `http://127.0.0.1:<port>`: N8N_API_URL (the API is under `/api/v1`, webhooks under `/webhook`). */
  readonly url: string;
  /** N8N_API_KEY. */
  readonly apiKey: string;
  get knobs(): FakeN8nKnobs;
  set knobs(value: Partial<FakeN8nKnobs>);
  /** The same object as `knobs`. */
  get faults(): FakeN8nKnobs;
  set faults(value: Partial<FakeN8nKnobs>);
  readonly calls: FakeN8nCall[];
  /** The live workflows (tests may add or change some). */
  readonly workflows: Map<string, FakeN8nWorkflow>;
  /** The live executions, by id. */
  readonly executions: Map<string, FakeN8nExecution>;
  /** Adds a workflow (its executions list order follows insertion). */
  addWorkflow(workflow: FakeN8nWorkflow): void;
  close(): Promise<void>;
}

const DEFAULT_KNOBS: FakeN8nKnobs = {
  latencyMs: 0,
  errorRate: 0,
  errorKinds: ['http_500', 'http_502', 'http_503'],
  rateLimit429: null,
  authFail: false,
  keyExpired: false,
  deniedScopes: [],
  legacyStatusFilter: false,
};

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 100;
const LEGACY_STATUSES = ['error', 'success', 'waiting'];
const WEBHOOK_HINT =
  'The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren\'t shown on the canvas (only in the executions list)';
const TEST_WEBHOOK_HINT = "Click the 'Execute workflow' button on the canvas, then try again. (In test mode, the webhook only works for one call after you click this button)";

/** Starts a fake n8n on 127.0.0.1 (a free port). */
export async function startFakeN8n(options: StartFakeN8nOptions = {}): Promise<FakeN8n> {
  const fake = new FakeN8nServer(options);
  await fake.listen();
  return fake;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

class FakeN8nServer implements FakeN8n {
  readonly apiKey: string;
  readonly calls: FakeN8nCall[] = [];
  readonly workflows = new Map<string, FakeN8nWorkflow>();
  readonly executions = new Map<string, FakeN8nExecution>();
  readonly #knobs: FakeN8nKnobs;
  readonly #behaviour: Map<string, FakeN8nBehaviour>;
  /** Insertion order of every id ever seen, for cursors (kept after deletion so old cursors stay valid). */
  readonly #order = new Map<string, number>();
  #sequence = 0;
  #nextExecutionId = 1;
  readonly #http: FakeHttpServer;
  readonly #maxCalls: number;
  readonly #burst = new RateLimitBurst();
  #faultTurn = 0;
  #faultDraw = 0;

  constructor(options: StartFakeN8nOptions) {
    this.apiKey = options.apiKey ?? `n8n_api_${randomBytes(24).toString('hex')}`;
    this.#maxCalls = options.maxCalls ?? 10_000;
    this.#knobs = { ...DEFAULT_KNOBS, errorKinds: [...DEFAULT_KNOBS.errorKinds], deniedScopes: [] };
    this.knobs = options.knobs ?? {};
    const seed = seedFakeN8n(options.now ?? new Date());
    this.#behaviour = seed.behaviour;
    if (options.seed !== false) {
      for (const workflow of seed.workflows) this.addWorkflow(workflow);
      for (const execution of seed.executions) this.#addExecution(execution);
    }
    this.#http = new FakeHttpServer({ maxBodyBytes: MAX_BODY_BYTES, latencyMs: () => this.#knobs.latencyMs, serve: (req, res, body) => this.#serve(req, res, body) });
  }

  get url(): string {
    return this.#http.url;
  }
  get knobs(): FakeN8nKnobs {
    return this.#knobs;
  }
  set knobs(value: Partial<FakeN8nKnobs>) {
    validateKnobs(value);
    Object.assign(this.#knobs, value);
    if ('rateLimit429' in value) this.#burst.reset();
  }
  get faults(): FakeN8nKnobs {
    return this.#knobs;
  }
  set faults(value: Partial<FakeN8nKnobs>) {
    this.knobs = value;
  }

  addWorkflow(workflow: FakeN8nWorkflow): void {
    this.workflows.set(workflow.id, workflow);
    if (!this.#order.has(workflow.id)) this.#order.set(workflow.id, ++this.#sequence);
  }

  #addExecution(execution: FakeN8nExecution): void {
    this.executions.set(execution.id, execution);
    if (!this.#order.has(execution.id)) this.#order.set(execution.id, ++this.#sequence);
    const numeric = Number(execution.id);
    if (Number.isInteger(numeric) && numeric >= this.#nextExecutionId) this.#nextExecutionId = numeric + 1;
  }

  listen(): Promise<void> {
    return this.#http.listen();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse, body: FakeRequestBody): void {
    const url = new URL(req.url ?? '/', 'http://fake.n8n');
    const method = req.method ?? 'GET';
    const respond = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      recordCall(this.calls, { method, path: url.pathname, status }, this.#maxCalls);
      sendJson(res, status, payload, headers);
    };
    if (body.tooLarge) {
      respond(413, { message: 'request entity too large' });
      return;
    }
    if (this.#injected(respond)) return;
    try {
      this.#route(req, url, body.bytes.toString('utf8'), respond);
    } catch (error) {
      if (error instanceof ApiError) respond(error.status, { message: error.message, ...error.extra });
      else respond(500, { message: 'Internal server error' });
    }
  }

  /** The 429 and 5xx knobs; true when the request was answered with an injected failure. */
  #injected(respond: (status: number, payload: unknown, headers?: Record<string, string>) => void): boolean {
    const limit = this.#knobs.rateLimit429;
    if (limit !== null && this.#burst.take(limit)) {
      respond(429, { message: 'Too many requests' }, { 'Retry-After': String(Math.max(0, Math.ceil(limit.retryAfterSec))) });
      return true;
    }
    const rate = this.#knobs.errorRate;
    if (rate > 0) {
      // Spread evenly, not randomly: 0.5 fails every second request.
      this.#faultDraw++;
      if (rate >= 1 || Math.floor(this.#faultDraw * rate) > Math.floor((this.#faultDraw - 1) * rate)) {
        const kinds = this.#knobs.errorKinds.length > 0 ? this.#knobs.errorKinds : DEFAULT_KNOBS.errorKinds;
        const kind = kinds[this.#faultTurn++ % kinds.length]!;
        if (kind === 'http_500') respond(500, { message: 'Internal server error' });
        else if (kind === 'http_502') respond(502, { message: 'Bad Gateway' });
        else respond(503, { message: 'Service Unavailable' });
        return true;
      }
    }
    return false;
  }

  #route(req: http.IncomingMessage, url: URL, body: string, respond: (status: number, payload: unknown) => void): void {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const webhook = /^\/(webhook|webhook-test)\/(.+)$/.exec(path);
    if (webhook) {
      this.#webhook(method, webhook[1] === 'webhook-test', decodeURIComponent(webhook[2]!), url, body, respond);
      return;
    }
    if (path === '/healthz') {
      respond(200, { status: 'ok' });
      return;
    }
    if (!path.startsWith('/api/v1/') && path !== '/api/v1') {
      respond(404, { message: 'Not Found' });
      return;
    }
    this.#authenticate(req);
    const route = path.slice('/api/v1'.length);
    let match: RegExpExecArray | null;
    if (route === '/workflows' && method === 'GET') {
      this.#scope('workflow:list');
      respond(200, this.#listWorkflows(url.searchParams));
    } else if ((match = /^\/workflows\/([^/]+)$/.exec(route)) && method === 'GET') {
      this.#scope('workflow:read');
      respond(200, this.#workflow(decodeURIComponent(match[1]!)));
    } else if ((match = /^\/workflows\/([^/]+)\/(activate|publish|deactivate|unpublish)$/.exec(route)) && method === 'POST') {
      const activate = match[2] === 'activate' || match[2] === 'publish';
      this.#scope(activate ? 'workflow:activate' : 'workflow:deactivate');
      respond(200, this.#setActive(decodeURIComponent(match[1]!), activate));
    } else if (route === '/executions' && method === 'GET') {
      this.#scope('execution:list');
      respond(200, this.#listExecutions(url.searchParams));
    } else if ((match = /^\/executions\/([^/]+)$/.exec(route)) && method === 'GET') {
      this.#scope('execution:read');
      respond(200, executionView(this.#execution(decodeURIComponent(match[1]!)), url.searchParams.get('includeData') === 'true'));
    } else if ((match = /^\/executions\/([^/]+)$/.exec(route)) && method === 'DELETE') {
      this.#scope('execution:delete');
      const execution = this.#execution(decodeURIComponent(match[1]!));
      this.executions.delete(execution.id);
      respond(200, executionView(execution, false));
    } else if ((match = /^\/executions\/([^/]+)\/retry$/.exec(route)) && method === 'POST') {
      this.#scope('execution:retry');
      respond(200, this.#retry(decodeURIComponent(match[1]!), parseBody(body)));
    } else if (/^\/(workflows|executions)(\/|$)/.test(route)) {
      throw new ApiError(405, `${method} method not allowed`);
    } else {
      throw new ApiError(404, 'Not Found');
    }
  }

  #authenticate(req: http.IncomingMessage): void {
    const key = req.headers['x-n8n-api-key'];
    if (key === undefined || key === '') throw new ApiError(401, "'X-N8N-API-KEY' header required");
    if (this.#knobs.keyExpired) throw new ApiError(401, 'unauthorized', { description: 'API key has expired' });
    if (this.#knobs.authFail || key !== this.apiKey) throw new ApiError(401, 'unauthorized');
  }

  #scope(scope: string): void {
    if (this.#knobs.deniedScopes.includes(scope)) throw new ApiError(403, 'Forbidden');
  }

  #listWorkflows(query: URLSearchParams) {
    const { limit, after } = this.#page(query);
    const active = query.get('active');
    if (active !== null && active !== 'true' && active !== 'false') throw new ApiError(400, 'request/query/active must be boolean');
    const tags = (query.get('tags') ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    const name = query.get('name');
    const projectId = query.get('projectId');
    let list = [...this.workflows.values()].filter((w) => !w.isArchived);
    if (active !== null) list = list.filter((w) => w.active === (active === 'true'));
    if (tags.length > 0) list = list.filter((w) => w.tags.some((t) => tags.includes(t.name)));
    if (name) list = list.filter((w) => w.name.toLowerCase().includes(name.toLowerCase()));
    if (projectId && projectId !== PROJECT_ID) list = [];
    list.sort((a, b) => this.#seq(a.id) - this.#seq(b.id));
    return this.#slice(list, limit, after, 'asc');
  }

  #listExecutions(query: URLSearchParams) {
    const { limit, after } = this.#page(query);
    const status = query.get('status');
    const legacy = this.#knobs.legacyStatusFilter;
    const allowed: readonly string[] = legacy ? LEGACY_STATUSES : N8N_EXECUTION_STATUSES;
    if (status !== null && !allowed.includes(status)) {
      throw new ApiError(400, `request/query/status must be equal to one of the allowed values: ${allowed.join(', ')}`);
    }
    const workflowId = query.get('workflowId');
    const projectId = query.get('projectId');
    const includeData = query.get('includeData') === 'true';
    let list = [...this.executions.values()];
    if (status !== null) list = list.filter((e) => e.status === status);
    if (legacy) list = list.filter((e) => e.status !== 'running' && e.status !== 'new');
    if (workflowId) list = list.filter((e) => e.workflowId === workflowId);
    if (projectId && projectId !== PROJECT_ID) list = [];
    list.sort((a, b) => this.#seq(b.id) - this.#seq(a.id));
    const page = this.#slice(list, limit, after, 'desc');
    return { data: page.data.map((e) => executionView(e, includeData)), nextCursor: page.nextCursor };
  }

  /** `limit` (1..250, default 100) and `cursor` (which also fixes the limit, as n8n's does). */
  #page(query: URLSearchParams): { limit: number; after: number | null } {
    const cursor = query.get('cursor');
    if (cursor !== null && cursor !== '') {
      const decoded = decodeCursor(cursor);
      const seq = decoded === undefined ? undefined : this.#order.get(decoded.lastId);
      if (decoded === undefined || seq === undefined) throw new ApiError(400, 'An invalid cursor was provided');
      return { limit: decoded.limit, after: seq };
    }
    const raw = query.get('limit');
    if (raw === null || raw === '') return { limit: DEFAULT_LIMIT, after: null };
    const limit = Number(raw);
    if (!Number.isInteger(limit)) throw new ApiError(400, 'request/query/limit must be number');
    if (limit > MAX_LIMIT) throw new ApiError(400, `request/query/limit must be <= ${MAX_LIMIT}`);
    if (limit < 1) throw new ApiError(400, 'request/query/limit must be >= 1');
    return { limit, after: null };
  }

  #slice<T extends { id: string }>(sorted: T[], limit: number, after: number | null, direction: 'asc' | 'desc'): { data: T[]; nextCursor: string | null } {
    const rest = after === null ? sorted : sorted.filter((item) => (direction === 'asc' ? this.#seq(item.id) > after : this.#seq(item.id) < after));
    const data = rest.slice(0, limit);
    const more = rest.length > limit;
    return { data, nextCursor: more ? encodeCursor(data[data.length - 1]!.id, limit) : null };
  }

  #seq(id: string): number {
    return this.#order.get(id) ?? 0;
  }

  #workflow(id: string): FakeN8nWorkflow {
    const workflow = this.workflows.get(id);
    if (!workflow || workflow.isArchived) throw new ApiError(404, 'Not Found');
    return workflow;
  }

  #execution(id: string): FakeN8nExecution {
    const execution = this.executions.get(id);
    if (!execution) throw new ApiError(404, 'Not Found');
    return execution;
  }

  #setActive(id: string, active: boolean): FakeN8nWorkflow {
    const workflow = this.#workflow(id);
    if (active && !workflow.active) {
      const triggers = workflow.nodes.filter((n) => !n.disabled && TRIGGER_NODE_TYPES.has(n.type));
      if (triggers.length === 0) {
        throw new ApiError(400, 'Workflow has no node to start the workflow - at least one trigger, poller or webhook node is required');
      }
      for (const hook of webhooksOf(workflow)) {
        const taken = this.#registeredWebhook(hook.method, hook.path);
        if (taken && taken.id !== workflow.id) {
          throw new ApiError(409, `There is a conflict with one of the webhooks. The webhook "${hook.method} ${hook.path}" is already registered by the workflow "${taken.name}" (${taken.id}).`);
        }
      }
    }
    if (workflow.active !== active) {
      workflow.active = active;
      workflow.triggerCount = active ? 1 : 0;
      workflow.updatedAt = new Date().toISOString();
    }
    return workflow;
  }

  #retry(id: string, _body: Record<string, unknown>): unknown {
    const original = this.#execution(id);
    if (original.status === 'success') throw new ApiError(409, 'The execution succeeded, so it cannot be retried.');
    if (['running', 'new', 'waiting'].includes(original.status)) throw new ApiError(409, 'The execution has not finished, so it cannot be retried.');
    const workflow = this.workflows.get(original.workflowId);
    if (!workflow) throw new ApiError(404, 'The workflow of this execution no longer exists.');
    // The fake's retries succeed (the cause was transient), unless the workflow always fails.
    const failIn = this.#behaviour.get(workflow.id)?.failIn;
    const firstRun = Object.values(original.data.resultData.runData)[0] as { data?: { main?: { json: Record<string, unknown> }[][] } }[] | undefined;
    const input = firstRun?.[0]?.data?.main?.[0]?.[0]?.json ?? {};
    const execution = this.#run(workflow, 'retry', input, failIn, original.id);
    if (execution.status === 'success') original.retrySuccessId = execution.id;
    return executionView(execution, false);
  }

  /** Records a finished execution of `workflow` started now. */
  #run(workflow: FakeN8nWorkflow, mode: string, input: Record<string, unknown>, failIn: FakeN8nBehaviour['failIn'], retryOf: string | null = null): FakeN8nExecution {
    const started = Date.now();
    const data = runDataFor(workflow, started, input, failIn);
    const execution: FakeN8nExecution = {
      id: String(this.#nextExecutionId++),
      workflowId: workflow.id,
      mode,
      status: failIn ? 'error' : 'success',
      finished: !failIn,
      startedAt: new Date(started).toISOString(),
      stoppedAt: new Date(started + 25).toISOString(),
      waitTill: null,
      retryOf,
      retrySuccessId: null,
      data,
    };
    this.#addExecution(execution);
    return execution;
  }

  #registeredWebhook(method: string, path: string): FakeN8nWorkflow | undefined {
    for (const workflow of this.workflows.values()) {
      if (!workflow.active || workflow.isArchived) continue;
      if (webhooksOf(workflow).some((h) => h.method === method && h.path === path)) return workflow;
    }
    return undefined;
  }

  /** `/webhook/<path>`: runs the active workflow registered for it; `/webhook-test/<path>` is never listening here. */
  #webhook(method: string, test: boolean, path: string, url: URL, body: string, respond: (status: number, payload: unknown) => void): void {
    const workflow = test ? undefined : this.#registeredWebhook(method, path);
    if (!workflow) {
      respond(404, {
        code: 404,
        message: test ? `The requested webhook "${path}" is not registered.` : `The requested webhook "${method} ${path}" is not registered.`,
        hint: test ? TEST_WEBHOOK_HINT : WEBHOOK_HINT,
      });
      return;
    }
    const hook = webhooksOf(workflow).find((h) => h.method === method && h.path === path)!;
    const payload = body.trim() === '' ? {} : parseBody(body);
    const input = { headers: { 'content-type': 'application/json' }, params: {}, query: Object.fromEntries(url.searchParams), body: payload, webhookUrl: `${this.url}/webhook/${path}`, executionMode: 'production' };
    const execution = this.#run(workflow, 'webhook', input, this.#behaviour.get(workflow.id)?.failIn);
    if (hook.responseMode === 'onReceived') {
      respond(200, { message: 'Workflow was started' });
      return;
    }
    if (execution.status === 'error') {
      respond(500, { code: 0, message: 'Error in workflow' });
      return;
    }
    respond(200, { status: 'ok', workflow: workflow.name, executionId: execution.id, received: payload, query: Object.fromEntries(url.searchParams) });
  }
}

/** The single project every workflow of the fake belongs to. */
const PROJECT_ID = 'proj_operations';

/** The enabled Webhook nodes of a workflow: method and path. */
function webhooksOf(workflow: FakeN8nWorkflow): { method: string; path: string; responseMode: string }[] {
  return workflow.nodes
    .filter((n) => n.type === 'n8n-nodes-base.webhook' && !n.disabled)
    .map((n) => ({
      method: String(n.parameters['httpMethod'] ?? 'GET').toUpperCase(),
      path: String(n.parameters['path'] ?? n.webhookId ?? '').replace(/^\/+/, ''),
      responseMode: String(n.parameters['responseMode'] ?? 'onReceived'),
    }));
}

/** An execution as the API shows it: without `data` unless asked for, with `workflowData` when it is. */
function executionView(execution: FakeN8nExecution, includeData: boolean): Record<string, unknown> {
  const { data, ...rest } = execution;
  return includeData ? { ...rest, data } : rest;
}

function encodeCursor(lastId: string, limit: number): string {
  return Buffer.from(JSON.stringify({ lastId, limit })).toString('base64');
}

function decodeCursor(cursor: string): { lastId: string; limit: number } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { lastId?: unknown; limit?: unknown };
    if (typeof value.lastId !== 'string' || typeof value.limit !== 'number' || !Number.isInteger(value.limit) || value.limit < 1 || value.limit > MAX_LIMIT) return undefined;
    return { lastId: value.lastId, limit: value.limit };
  } catch {
    return undefined;
  }
}

function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    throw new ApiError(400, 'request/body must be object');
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'Unexpected token in JSON body');
  }
}

/** Throws a RangeError for a knob value the fake cannot honour. */
function validateKnobs(knobs: Partial<FakeN8nKnobs>): void {
  validateCommonKnobs(knobs);
  validateErrorKinds(knobs.errorKinds, ['http_500', 'http_502', 'http_503']);
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A fresh workflow id in n8n's format, for tests that add workflows. */
export function fakeN8nWorkflowId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}
