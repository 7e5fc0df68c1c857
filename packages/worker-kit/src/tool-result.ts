import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const FULL_RESULT = Symbol('mcpgw.toolResult');

/** A full MCP tool result a handler returns as it is; made by `toolResult`. */
export type FullToolResult = { readonly [FULL_RESULT]: CallToolResult };

/**
 * Lets a tool return any MCP `CallToolResult` — images, audio, embedded resources, resource links,
 * its own `structuredContent` or `isError: true` — instead of data the kit turns into JSON. The kit
 * only adds its `_meta` keys (request id, metadata, tokens used) to the result's `_meta`.
 *
 * `handler: async () => toolResult({ content: [{ type: 'image', data, mimeType: 'image/png' }] })`
 */
export function toolResult(result: CallToolResult): FullToolResult {
  return { [FULL_RESULT]: result };
}

/** The wrapped result, or undefined for plain data (one property read: the plain-data path stays cheap). */
export function unwrapToolResult(data: unknown): CallToolResult | undefined {
  return (data as Partial<FullToolResult> | null | undefined)?.[FULL_RESULT];
}
