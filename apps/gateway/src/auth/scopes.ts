import { GatewayError } from '@mcpgw/protocol';
import { SCOPE_PATTERN } from '../config.js';

/** `<service>:read` allows every read-only tool of the service (annotations.readOnlyHint). */
export const READ_ONLY_SCOPE = 'read';

/** What scope checks need to know of a tool: its name and whether it only reads. */
interface ToolsOf {
  name: string;
  tools: ReadonlyMap<string, { annotations?: { readOnlyHint?: boolean } }>;
}

/**
 * What a caller may use. A scope names a service (`postgres`: all its tools), a tool
 * (`postgres:query`), the read-only tools of a service (`github:read`: tools whose descriptor says
 * `readOnlyHint`), every service (`*`), or the admin API (`admin`; `*` does not include it).
 */
export class Scopes {
  readonly all: boolean;
  readonly admin: boolean;
  private readonly services = new Set<string>();
  /** service → tools allowed one by one. */
  private readonly tools = new Map<string, Set<string>>();
  /** Services whose read-only tools are allowed (`service:read`). */
  private readonly readOnly = new Set<string>();

  constructor(readonly list: readonly string[]) {
    let all = false;
    let admin = false;
    for (const scope of list) {
      if (scope === '*') all = true;
      else if (scope === 'admin') admin = true;
      else {
        const colon = scope.indexOf(':');
        if (colon === -1) this.services.add(scope);
        else {
          const service = scope.slice(0, colon);
          let set = this.tools.get(service);
          if (!set) this.tools.set(service, (set = new Set()));
          set.add(scope.slice(colon + 1));
          if (scope.slice(colon + 1) === READ_ONLY_SCOPE) this.readOnly.add(service);
        }
      }
    }
    this.all = all;
    this.admin = admin;
  }

  /** Whether the caller may see the service (it may call at least one of its tools). */
  seesService(service: string): boolean {
    return this.all || this.services.has(service) || this.tools.has(service);
  }

  /** Whether the caller may call the tool; `readOnly`: the tool's descriptor says readOnlyHint. */
  allowsTool(service: string, tool: string, readOnly = false): boolean {
    return this.all || this.services.has(service) || this.tools.get(service)?.has(tool) === true || (readOnly && this.readOnly.has(service));
  }

  /** `allowsTool` for the tools of one registry entry, read-only ones known from their descriptors. */
  toolFilter(entry: ToolsOf): (tool: string) => boolean {
    return (tool) => this.allowsTool(entry.name, tool, isReadOnly(entry, tool));
  }

  /** Throws FORBIDDEN naming the scope needed. */
  requireTool(service: string, tool: string, readOnly = false): void {
    if (this.allowsTool(service, tool, readOnly)) return;
    const required = [service, `${service}:${tool}`, ...(readOnly ? [`${service}:${READ_ONLY_SCOPE}`] : []), '*'];
    const partial = !readOnly && this.readOnly.has(service) ? ` ("${service}:${READ_ONLY_SCOPE}" covers only its read-only tools)` : '';
    throw new GatewayError('FORBIDDEN', `calling ${service}.${tool} needs scope ${required.map((r) => `"${r}"`).join(' or ')}; this caller has ${describe(this.list)}${partial}`, {
      data: { required, service, tool },
    });
  }

  /** `requireTool` for a tool of a registry entry. */
  requireToolOf(entry: ToolsOf, tool: string): void {
    this.requireTool(entry.name, tool, isReadOnly(entry, tool));
  }

  requireService(service: string): void {
    if (this.seesService(service)) return;
    throw new GatewayError('FORBIDDEN', `service ${service} needs scope "${service}" (or one of its tools, or "*"); this caller has ${describe(this.list)}`, {
      data: { required: [service, `${service}:<tool>`, '*'], service },
    });
  }

  requireAdmin(): void {
    if (this.admin) return;
    throw new GatewayError('FORBIDDEN', `the admin API needs scope "admin"; this caller has ${describe(this.list)}`, { data: { required: ['admin'] } });
  }
}

function isReadOnly(entry: ToolsOf, tool: string): boolean {
  return entry.tools.get(tool)?.annotations?.readOnlyHint === true;
}

function describe(list: readonly string[]): string {
  return list.length === 0 ? 'no scopes' : `scopes ${list.map((s) => `"${s}"`).join(', ')}`;
}

/** Parses a comma/space-separated scope list, refusing malformed entries with a message saying the form. */
export function parseScopeList(text: string | readonly string[]): string[] {
  const items = (typeof text === 'string' ? text.split(/[\s,]+/) : [...text]).map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!SCOPE_PATTERN.test(item)) {
      throw new GatewayError('INVALID_PARAMS', `"${item.slice(0, 80)}" is not a scope; use *, admin, a service (postgres), service:tool (postgres:query) or service:read (its read-only tools)`, {
        data: { issues: [{ path: 'scopes', message: 'invalid scope' }] },
      });
    }
  }
  return [...new Set(items)];
}
