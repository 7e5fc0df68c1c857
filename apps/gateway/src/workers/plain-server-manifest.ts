import {
  MANIFEST_VERSION,
  MetaKeys,
  toolAnnotationsSchema,
  toolNameSchema,
  type CommandDescriptor,
  type ServiceManifest,
  type ToolDescriptor,
} from '@mcpgw/protocol';

/**
 * A plain MCP server (one not built with the worker kit, e.g. `npx @playwright/mcp`) does not answer
 * the gateway's `mcpgw/manifest`: its manifest is built from what every MCP server says — the
 * initialize answer and `tools/list` — with one slash command per tool. Its health is a ping.
 */

/** The token cost a plain server's tool is assumed to have (such servers declare none). */
export const PLAIN_TOOL_TOKEN_COST = 100;

/** Pages of `tools/list` read at most (a server that never stops paging is cut off here). */
export const MAX_TOOL_PAGES = 50;

export interface PlainServerInit {
  serverInfo: Record<string, unknown>;
  instructions?: string;
}

/** What was left out of the manifest and why (logged by the caller). */
export interface SkippedTool {
  name: string;
  reason: string;
}

/** Reads every page of `tools/list` through `request`. */
export async function listAllTools(request: (params: Record<string, unknown>) => Promise<unknown>): Promise<unknown[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = (await request(cursor === undefined ? {} : { cursor })) as { tools?: unknown; nextCursor?: unknown } | null;
    if (result && Array.isArray(result.tools)) tools.push(...result.tools);
    cursor = typeof result?.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  return tools;
}

/**
 * The manifest of a plain MCP server named `service`: its tools (those with valid MCP names), a slash
 * command per tool (`<tool-name> <required>...`, other arguments as `--name=value`), mode `live`.
 */
export function plainServerManifest(
  service: string,
  init: PlainServerInit,
  rawTools: readonly unknown[],
  description?: string,
): { manifest: ServiceManifest; skipped: SkippedTool[] } {
  const tools: ToolDescriptor[] = [];
  const skipped: SkippedTool[] = [];
  const seen = new Set<string>();
  for (const raw of rawTools) {
    const tool = toDescriptor(raw);
    if ('reason' in tool) {
      skipped.push(tool);
      continue;
    }
    if (seen.has(tool.name)) {
      skipped.push({ name: tool.name, reason: 'listed twice' });
      continue;
    }
    seen.add(tool.name);
    tools.push(tool);
  }
  const info = init.serverInfo;
  const serverName = typeof info['title'] === 'string' ? info['title'] : typeof info['name'] === 'string' ? info['name'] : service;
  return {
    manifest: {
      manifestVersion: MANIFEST_VERSION,
      name: service,
      version: typeof info['version'] === 'string' ? info['version'] : '0',
      description: description ?? firstLine(init.instructions) ?? `${serverName} (MCP server)`,
      mode: 'live',
      notes: `a plain MCP server (${serverName}): tools from tools/list, health by ping, one slash command per tool`,
      requiredEnv: [],
      tools,
      commands: tools.map(commandFor).filter((c): c is CommandDescriptor => c !== undefined),
    },
    skipped,
  };
}

function toDescriptor(raw: unknown): ToolDescriptor | SkippedTool {
  if (!isRecord(raw)) return { name: '?', reason: 'not an object' };
  const name = raw['name'];
  if (typeof name !== 'string' || !toolNameSchema.safeParse(name).success) {
    return { name: typeof name === 'string' ? name.slice(0, 80) : '?', reason: 'not a valid MCP tool name (1-64 of A-Z, a-z, 0-9, _ - .)' };
  }
  const annotations = toolAnnotationsSchema.safeParse(raw['annotations'] ?? {});
  const meta = isRecord(raw['_meta']) ? raw['_meta'] : {};
  const declaredCost = meta[MetaKeys.tokenCost];
  return {
    name,
    ...(typeof raw['title'] === 'string' ? { title: raw['title'] } : {}),
    description: typeof raw['description'] === 'string' ? raw['description'] : '',
    inputSchema: isRecord(raw['inputSchema']) ? raw['inputSchema'] : { type: 'object' },
    ...(isRecord(raw['outputSchema']) ? { outputSchema: raw['outputSchema'] } : {}),
    tokenCost: typeof declaredCost === 'number' && Number.isInteger(declaredCost) && declaredCost >= 0 ? declaredCost : PLAIN_TOOL_TOKEN_COST,
    annotations: annotations.success ? annotations.data : {},
  };
}

const LITERAL = /^[a-z0-9][a-z0-9_.-]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `browser_navigate` with required `url` → `browser-navigate <url>`; undefined when the name cannot be a command word. */
function commandFor(tool: ToolDescriptor): CommandDescriptor | undefined {
  const word = tool.name.toLowerCase().replace(/_/g, '-');
  if (!LITERAL.test(word)) return undefined;
  const properties = isRecord(tool.inputSchema['properties']) ? tool.inputSchema['properties'] : {};
  const required = Array.isArray(tool.inputSchema['required']) ? tool.inputSchema['required'] : [];
  const positional = required.filter((name): name is string => typeof name === 'string' && PARAM_NAME.test(name) && name in properties);
  return {
    pattern: [word, ...positional.map((name) => `<${name}>`)].join(' '),
    tool: tool.name,
    description: firstLine(tool.description) ?? tool.name,
  };
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.trim().split('\n')[0]?.trim();
  return line ? line.slice(0, 300) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
