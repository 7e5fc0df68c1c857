import {
  GatewayError,
  MetaKeys,
  errorNameForToolError,
  matchCommand,
  parseSlashCommand,
  toolErrorInfoSchema,
  type CallMetadata,
  type SuccessEnvelope,
} from '@mcpgw/protocol';
import type { AuditOutcome } from '@mcpgw/store';
import { markAudited } from '../audit/audited-errors.js';
import type { AuditWriter } from '../audit/audit-writer.js';
import type { Caller } from '../auth/caller.js';
import type { Endpoint, GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { ToolPins } from '../pins/tool-pins.js';
import type { ServiceRegistry } from '../registry/service-registry.js';
import type { CallControl } from '../workers/call-control.js';
import type { CallRelay } from '../workers/call-relay.js';
import type { ToolCallResult } from '../workers/worker-handle.js';
import type { GatewayLogger } from '../logger.js';

/** One tool call, however it arrived (JSON-RPC or slash command). */
export interface CallRequest {
  service: string;
  /** A tool name or an operation alias (`list-tables`). */
  tool: string;
  arguments: Record<string, unknown>;
  requestId: string;
  /** Cancelled when the client goes away, or by the breaker on timeout. */
  control: CallControl;
  /** `performance.now()` when the HTTP request arrived. */
  startedAt: number;
  endpoint: Endpoint;
  /** Who is calling: scopes are checked here, and the audit row names them. */
  caller: Caller;
  /**
   * Where the worker's progress goes (jobs: stored on the job). With it the worker is asked for
   * progress with a gateway-made token; the answer is still read as `structuredContent`, so the
   * envelope does not change. Absent on synchronous calls: nothing added to their path.
   */
  progressRelay?: CallRelay;
}

/** A tools/call from the MCP front: the client's `_meta` and where the worker's messages go. */
export interface McpCallRequest extends CallRequest {
  meta: Record<string, unknown>;
  relay: CallRelay;
}

/**
 * The one path from a resolved call to a worker and back: registry lookup, breaker, worker,
 * result → envelope, metrics. `/mcp/rpc` and `/mcp/execute` both come through here.
 */
export class CallDispatcher {
  constructor(
    private readonly registry: ServiceRegistry,
    private readonly metrics: GatewayMetrics,
    private readonly log: GatewayLogger,
    private readonly audit: AuditWriter,
    /** Tool-definition pins: with PIN_TOOL_DEFINITIONS=true, a changed tool is refused here. */
    private readonly pins?: Pick<ToolPins, 'settling' | 'require'>,
  ) {}

  /**
   * Calls a tool and returns the success envelope; throws a GatewayError otherwise. Every call,
   * refused or not, leaves one audit row.
   */
  async call(request: CallRequest): Promise<SuccessEnvelope> {
    try {
      return await this.forward(request);
    } catch (error) {
      // Refused before reaching a worker (scope, unknown service or tool): audited here with the names as asked.
      if (!(error instanceof WorkerCallError)) {
        const name = error instanceof GatewayError ? error.spec.name : 'INTERNAL_ERROR';
        this.record(request, name === 'FORBIDDEN' ? 'denied' : 'error', error instanceof GatewayError ? error.spec.code : -32603, name);
        if (name === 'FORBIDDEN') this.metrics.forbidden.inc();
        markAudited(error);
        throw error;
      }
      markAudited(error.error);
      throw error.error;
    }
  }

  /**
   * A tools/call from the MCP front: the same scopes, breaker, metrics and audit as call(), but the
   * worker's result comes back as it is — an `isError` result stays a result (MCP's tool error),
   * and only a call that could not complete throws (a protocol-level error).
   */
  async callMcp(request: McpCallRequest): Promise<ToolCallResult> {
    let series: ReturnType<GatewayMetrics['forTool']> | undefined;
    let service = request.service;
    let tool = request.tool;
    try {
      const scopes = request.caller.scopes;
      scopes.requireService(service);
      const entry = this.registry.require(service, (s) => scopes.seesService(s));
      const descriptor = this.registry.resolveTool(entry, tool, scopes.toolFilter(entry));
      service = entry.name;
      tool = descriptor.name;
      scopes.requireToolOf(entry, tool);
      const pinCheck = this.requirePinned(service, tool);
      if (pinCheck) await pinCheck;
      series = this.metrics.forTool(service, tool);
      const result = await entry.handle.callTool({
        tool,
        arguments: request.arguments,
        requestId: request.requestId,
        control: request.control,
        meta: request.meta,
        relay: request.relay,
        agent: request.caller.agent,
      });
      const seconds = (performance.now() - request.startedAt) / 1000;
      if (result.isError) {
        const failure = toolError(service, tool, result);
        series.durationError.observe(seconds);
        series.error.inc();
        series.connectorError.inc();
        this.metrics.connectorErrors.labels(service, failure.spec.name).inc();
        this.record(request, 'error', failure.spec.code, failure.spec.name, service, tool);
        return result;
      }
      const reported = result._meta?.[MetaKeys.tokensUsed];
      series.durationSuccess.observe(seconds);
      series.success.inc();
      series.connectorSuccess.inc();
      this.metrics.countUsage(series, typeof reported === 'number' && reported >= 0 ? reported : descriptor.tokenCost, result._meta?.[MetaKeys.costUsd]);
      this.record(request, 'ok', null, null, service, tool);
      return result;
    } catch (error) {
      const name = error instanceof GatewayError ? error.spec.name : 'INTERNAL_ERROR';
      if (series) {
        series.durationError.observe((performance.now() - request.startedAt) / 1000);
        series.error.inc();
        series.connectorError.inc();
        this.metrics.connectorErrors.labels(service, name).inc();
        if (!(error instanceof GatewayError)) this.log.error({ err: error, requestId: request.requestId, service, tool }, 'call failed unexpectedly');
      } else if (name === 'FORBIDDEN') {
        this.metrics.forbidden.inc();
      }
      this.record(request, name === 'FORBIDDEN' ? 'denied' : 'error', error instanceof GatewayError ? error.spec.code : -32603, name, service, tool);
      markAudited(error);
      throw error;
    }
  }

  /** PIN_TOOL_DEFINITIONS=true: a tool whose definition differs from its pin is refused before it reaches the worker. */
  private requirePinned(service: string, tool: string): Promise<void> | undefined {
    if (!this.pins) return undefined;
    // Waits only while an enforcing gateway has not checked a new tool yet (start-up, a worker restart).
    const settling = this.pins.settling(service);
    if (settling) return settling.then(() => this.pins!.require(service, tool));
    this.pins.require(service, tool);
    return undefined;
  }

  private record(request: CallRequest, outcome: AuditOutcome, errorCode: number | null, errorName: string | null, service = request.service, tool = request.tool): void {
    this.audit.record({
      at: new Date(),
      requestId: request.requestId,
      agent: request.caller.agent,
      authMethod: request.caller.method,
      service: service.slice(0, 128),
      tool: tool.slice(0, 128),
      outcome,
      errorCode,
      errorName,
      durationMs: elapsedMs(request.startedAt),
      peer: request.caller.peer,
      endpoint: request.endpoint,
    });
  }

  private async forward(request: CallRequest): Promise<SuccessEnvelope> {
    // Scopes first: a caller learns nothing about services it may not use, not even whether they exist.
    const scopes = request.caller.scopes;
    scopes.requireService(request.service);
    // Lookup failures (unknown service or tool) never reach a worker: they are counted only in
    // mcp_requests_failed_total by the route, so per-tool series stay bounded to real tools.
    const entry = this.registry.require(request.service, (s) => scopes.seesService(s));
    const descriptor = this.registry.resolveTool(entry, request.tool, scopes.toolFilter(entry));
    const service = entry.name;
    const tool = descriptor.name;
    scopes.requireToolOf(entry, tool);
    const pinCheck = this.requirePinned(service, tool);
    if (pinCheck) await pinCheck;
    const series = this.metrics.forTool(service, tool);
    try {
      const result = await entry.handle.callTool(
        request.progressRelay
          ? {
              tool,
              arguments: request.arguments,
              requestId: request.requestId,
              control: request.control,
              meta: { progressToken: request.requestId, [MetaKeys.structuredOnly]: true },
              relay: request.progressRelay,
              agent: request.caller.agent,
            }
          : { tool, arguments: request.arguments, requestId: request.requestId, control: request.control, agent: request.caller.agent },
      );
      const meta = result._meta;
      if (result.isError) throw toolError(service, tool, result);
      const reported = meta?.[MetaKeys.tokensUsed];
      const tokensUsed = typeof reported === 'number' && reported >= 0 ? reported : descriptor.tokenCost;
      const metadata: CallMetadata = {
        executionTime: elapsedMs(request.startedAt),
        tokensUsed,
        service,
        tool,
        requestId: request.requestId,
      };
      const extra = meta?.[MetaKeys.metadata] as { embedded?: unknown; sandbox?: unknown } | undefined;
      if (extra?.embedded === true) metadata.embedded = true;
      if (extra?.sandbox === true) metadata.sandbox = true;
      series.durationSuccess.observe((performance.now() - request.startedAt) / 1000);
      series.success.inc();
      series.connectorSuccess.inc();
      this.metrics.countUsage(series, tokensUsed, meta?.[MetaKeys.costUsd]);
      this.record(request, 'ok', null, null, service, tool);
      return { status: 'success', data: result.structuredContent ?? { content: result.content ?? [] }, metadata };
    } catch (error) {
      series.durationError.observe((performance.now() - request.startedAt) / 1000);
      series.error.inc();
      series.connectorError.inc();
      this.metrics.connectorErrors.labels(service, error instanceof GatewayError ? error.spec.name : 'INTERNAL_ERROR').inc();
      if (!(error instanceof GatewayError)) {
        this.log.error({ err: error, requestId: request.requestId, service, tool }, 'call failed unexpectedly');
      }
      this.record(request, 'error', error instanceof GatewayError ? error.spec.code : -32603, error instanceof GatewayError ? error.spec.name : 'INTERNAL_ERROR', service, tool);
      throw new WorkerCallError(error);
    }
  }

  /**
   * Parses a slash command and calls the tool it names; `extra` arguments override the command's.
   * `via` (calls with an idempotency key) receives the matched call instead of call().
   */
  async execute(
    command: string,
    extra: Record<string, unknown> | undefined,
    base: Omit<CallRequest, 'service' | 'tool' | 'arguments'>,
    via?: (request: CallRequest) => Promise<SuccessEnvelope>,
  ): Promise<SuccessEnvelope> {
    const parsed = parseSlashCommand(command);
    const scopes = base.caller.scopes;
    if (!scopes.seesService(parsed.service)) {
      // Through call(), so the refusal is audited like any other.
      return this.call({ ...base, service: parsed.service, tool: '', arguments: {} });
    }
    const entry = this.registry.require(parsed.service, (s) => scopes.seesService(s));
    if (!entry.manifest) {
      throw new GatewayError('WORKER_UNAVAILABLE', `${entry.name} is starting; its commands are not known yet`, {
        retryAfterSeconds: 1,
        data: { service: entry.name },
      });
    }
    const match = matchCommand(entry.commands, parsed, (tool) => entry.tools.get(tool)?.inputSchema);
    const request = { ...base, service: entry.name, tool: match.command.tool, arguments: { ...match.arguments, ...extra } };
    return via ? via(request) : this.call(request);
  }

}

/** Carries a worker call's failure past call(), which audits only the refusals before it. */
class WorkerCallError {
  constructor(readonly error: unknown) {}
}

function toolError(service: string, tool: string, result: ToolCallResult): GatewayError {
  const info = toolErrorInfoSchema.safeParse(result._meta?.[MetaKeys.error]);
  if (info.success) {
    const { kind, message, issues, missing, retryAfter } = info.data;
    return new GatewayError(errorNameForToolError(kind), message, {
      data: { service, tool, kind, ...(issues ? { issues } : {}), ...(missing ? { missing } : {}) },
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  }
  // A worker not built with the kit: use its text.
  const text = (result.content ?? [])
    .map((c) => (c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' ? String((c as { text?: unknown }).text) : ''))
    .join(' ')
    .trim();
  return new GatewayError('TOOL_FAILED', text.slice(0, 2_000) || `${service}.${tool} reported an error`, { data: { service, tool } });
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}
