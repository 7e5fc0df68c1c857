import { GatewayError, serviceNameSchema, toolNameSchema } from '@mcpgw/protocol';
import type { ToolPinRecord } from '@mcpgw/store';

/** A pin as the admin API and the CLI show it. */
export interface ToolPinView {
  service: string;
  tool: string;
  /** `changed`: a different definition was announced since and awaits approval. */
  status: 'pinned' | 'changed';
  hash: string;
  pinnedAt: string;
  pending: { hash: string; changedAt: string } | null;
  /** Only when asked for: the pinned and the pending definitions, to review a change before approving it. */
  definition?: Record<string, unknown>;
  pendingDefinition?: Record<string, unknown> | null;
}

export function toolPinView(record: ToolPinRecord, options: { definitions?: boolean } = {}): ToolPinView {
  return {
    service: record.service,
    tool: record.tool,
    status: record.pendingHash ? 'changed' : 'pinned',
    hash: record.hash,
    pinnedAt: record.pinnedAt.toISOString(),
    pending: record.pendingHash && record.changedAt ? { hash: record.pendingHash, changedAt: record.changedAt.toISOString() } : null,
    ...(options.definitions ? { definition: record.definition, pendingDefinition: record.pendingDefinition } : {}),
  };
}

/** Checks what to approve (admin API body or CLI arguments); INVALID_PARAMS naming the field otherwise. */
export function checkApproveInput(input: { service: unknown; tools: unknown }): { service: string; tools: string[] | undefined } {
  if (typeof input.service !== 'string' || !serviceNameSchema.safeParse(input.service).success) {
    throw new GatewayError('INVALID_PARAMS', 'service must be a service name (1-32 of a-z, 0-9 and -, starting with a letter)', {
      data: { issues: [{ path: 'service', message: 'required service name' }] },
    });
  }
  if (input.tools === undefined || input.tools === null) return { service: input.service, tools: undefined };
  const valid = Array.isArray(input.tools) && input.tools.length > 0 && input.tools.every((t) => typeof t === 'string' && toolNameSchema.safeParse(t).success);
  if (!valid) {
    throw new GatewayError('INVALID_PARAMS', 'tools, when given, must be a non-empty list of tool names such as ["query", "list_tables"]; leave it out to approve every changed tool of the service', {
      data: { issues: [{ path: 'tools', message: 'list of tool names' }] },
    });
  }
  return { service: input.service, tools: [...new Set(input.tools as string[])] };
}
