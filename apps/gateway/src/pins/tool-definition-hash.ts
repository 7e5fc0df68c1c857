import { createHash } from 'node:crypto';
import type { ToolDescriptor } from '@mcpgw/protocol';

/**
 * What is pinned of a tool: everything an agent is told about it (name, title, description, input
 * and output schemas, annotations). Annotations count because clients act on them (a tool that
 * starts claiming `readOnlyHint` may be run without asking); the token cost does not (gateway
 * bookkeeping, never shown to a model as a promise).
 */
export interface PinnedDefinition {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations: Record<string, unknown>;
}

/** The pinned part of a manifest's tool descriptor (optional fields only when present). */
export function pinnedDefinition(tool: ToolDescriptor): PinnedDefinition {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
    annotations: tool.annotations,
  };
}

/**
 * JSON with every object's keys sorted (recursively) and no whitespace, so the same definition
 * hashes the same whatever order a worker (or its schema library) writes keys in. Array order is
 * kept: it is meaningful (`enum`, `required`, tuple items). `undefined` members are left out as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * The hash of a tool as a worker lists it over MCP (`tools/list`): the same fields as the manifest's
 * descriptor, so an honest worker-kit worker gives the same hash both ways. The item is untrusted:
 * fields are taken as they are, a missing description or annotations read as the manifest's defaults.
 */
export function hashListedTool(listed: { name: string } & Record<string, unknown>): string {
  const definition = {
    name: listed.name,
    title: listed['title'],
    description: listed['description'] ?? '',
    inputSchema: listed['inputSchema'],
    outputSchema: listed['outputSchema'],
    annotations: listed['annotations'] ?? {},
  };
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

/** Hex SHA-256 of the canonical JSON of a tool's pinned definition, with the definition itself. */
export function hashToolDefinition(tool: ToolDescriptor): { hash: string; definition: PinnedDefinition } {
  const definition = pinnedDefinition(tool);
  return { hash: createHash('sha256').update(canonicalJson(definition)).digest('hex'), definition };
}
