import { GatewayError } from '@mcpgw/protocol';
import type { ReplayForm } from '../idempotency/idempotent-calls.js';
import { validIdempotencyKey } from '../idempotency/idempotency-store.js';
import type { ToolCallResult } from '../workers/worker-handle.js';

/** Where an MCP client puts an idempotency key on `tools/call` (any client can set `_meta`). */
export const IDEMPOTENCY_KEY_META = 'mcpgw/idempotencyKey';

/** Set to `"replayed"` in the `_meta` of a stored answer given again instead of running the call. */
export const IDEMPOTENT_META = 'mcpgw/idempotent';

/**
 * The idempotency key of one `tools/call`: `params._meta["mcpgw/idempotencyKey"]`, or the
 * `Idempotency-Key` header (`header` is undefined unless the POST held this one message), checked
 * like every key (1 to 255 visible ASCII characters). Both given and different: INVALID_PARAMS,
 * since either could be the one the client meant.
 */
export function toolCallIdempotencyKey(params: Record<string, unknown>, header: string | string[] | undefined): string | undefined {
  const meta = params['_meta'];
  const inMeta = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>)[IDEMPOTENCY_KEY_META] : undefined;
  const fromMeta = inMeta === undefined ? undefined : validIdempotencyKey(inMeta, `_meta["${IDEMPOTENCY_KEY_META}"]`);
  const fromHeader = header === undefined ? undefined : validIdempotencyKey(header, 'Idempotency-Key header');
  if (fromMeta !== undefined && fromHeader !== undefined && fromMeta !== fromHeader) {
    throw new GatewayError('INVALID_PARAMS', `the Idempotency-Key header and params._meta["${IDEMPOTENCY_KEY_META}"] name different keys; send the key once`, {
      data: { issues: [{ path: `_meta.${IDEMPOTENCY_KEY_META}`, message: 'differs from the Idempotency-Key header' }] },
    });
  }
  return fromMeta ?? fromHeader;
}

/** The client's `_meta` as the worker gets it: the gateway's idempotency key is the gateway's business. */
export function metaForWorker(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {};
  if (!(IDEMPOTENCY_KEY_META in meta)) return meta;
  const { [IDEMPOTENCY_KEY_META]: _key, ...rest } = meta;
  return rest;
}

/**
 * What identifies a synchronous `tools/call` for its key: service, tool and arguments (the name as
 * resolved, so `/mcp` and `/mcp/<service>` agree). Tagged, so a key used with `mcp.execute` (whose
 * stored answer is an envelope, not a CallToolResult) is a different request here.
 */
export function toolCallRequest(service: string, tool: string, args: Record<string, unknown>): Record<string, unknown> {
  return { op: 'tools/call', service, tool, arguments: args };
}

/**
 * CallToolResults stored for replays: the request names the tool (the fingerprint guarantees the
 * stored one is the same); a replay carries `_meta["mcpgw/idempotent"] = "replayed"`.
 */
export const TOOL_RESULT_REPLAY: ReplayForm<ToolCallResult> = {
  target: (_stored, call) => ({ service: call.service ?? '', tool: call.tool ?? '' }),
  replayed: (stored) => ({ ...stored, _meta: { ...stored._meta, [IDEMPOTENT_META]: 'replayed' } }),
};
