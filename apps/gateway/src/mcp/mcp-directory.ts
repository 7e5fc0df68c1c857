import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Scopes } from '../auth/scopes.js';
import type { GatewayLogger } from '../logger.js';
import { namespacedName } from './tool-names.js';
import type { Listed, WorkerLists } from './worker-lists.js';

/** A name on `/mcp` and what it stands for. */
export interface Target {
  service: string;
  name: string;
}

/** Decides whether a listed tool is offered (tool-definition pins judge the definition as listed). */
export interface ToolFilter {
  (service: string, tool: Listed): boolean;
}

/**
 * What the MCP front offers a caller, built from the workers' own lists: on `/mcp` every name is
 * `<service>__<name>` (tools and prompts; resource URIs stay as the worker gave them and the
 * resource `name` is namespaced), on `/mcp/<service>` the worker's own names. Indexes are rebuilt
 * when a worker's lists change; a request only reads maps.
 */
export class McpDirectory {
  private tools = new Map<string, Target>();
  /** `<service>\0<tool>` → the tool as its worker lists it. */
  private listed = new Map<string, Listed>();
  private prompts = new Map<string, Target>();
  private resourceOwners = new Map<string, string>();
  private templates: { service: string; template: UriTemplate }[] = [];

  constructor(private readonly lists: WorkerLists, private readonly services: () => string[], private readonly log: GatewayLogger) {
    lists.on('changed', () => this.rebuild());
    this.rebuild();
  }

  /** The tool an aggregate name stands for. */
  tool(name: string): Target | undefined {
    return this.tools.get(name);
  }

  /** A tool as its worker lists it now (to judge its definition at call time). */
  listedTool(service: string, name: string): Listed | undefined {
    return this.listed.get(`${service}\0${name}`);
  }

  prompt(name: string): Target | undefined {
    return this.prompts.get(name);
  }

  /** The service that listed this resource URI, or whose template matches it. */
  resourceOwner(uri: string): string | undefined {
    const owner = this.resourceOwners.get(uri);
    if (owner) return owner;
    for (const { service, template } of this.templates) if (template.match(uri)) return service;
    return undefined;
  }

  listTools(service: string, scopes: Scopes, allowed: ToolFilter): Listed[] {
    const out: Listed[] = [];
    for (const name of service ? [service] : this.services()) {
      if (!scopes.seesService(name)) continue;
      for (const tool of this.lists.offer(name).tools) {
        if (!scopes.allowsTool(name, tool.name, (tool.annotations as { readOnlyHint?: boolean } | undefined)?.readOnlyHint === true) || !allowed(name, tool)) continue;
        out.push(service ? tool : { ...tool, name: namespacedName(name, tool.name) });
      }
    }
    return out;
  }

  listPrompts(service: string, scopes: Scopes): Listed[] {
    return this.collect(service, scopes, (offer) => offer.prompts, (name, item) => ({ ...item, name: namespacedName(name, item.name) }));
  }

  listResources(service: string, scopes: Scopes): Listed[] {
    return this.collect(service, scopes, (offer) => offer.resources, (name, item) => ({ ...item, name: `${name}__${item.name}` }));
  }

  listResourceTemplates(service: string, scopes: Scopes): Listed[] {
    return this.collect(service, scopes, (offer) => offer.resourceTemplates, (name, item) => ({ ...item, name: `${name}__${item.name}` }));
  }

  private collect(
    service: string,
    scopes: Scopes,
    pick: (offer: ReturnType<WorkerLists['offer']>) => Listed[],
    rename: (service: string, item: Listed) => Listed,
  ): Listed[] {
    const out: Listed[] = [];
    for (const name of service ? [service] : this.services()) {
      if (!scopes.seesService(name)) continue;
      for (const item of pick(this.lists.offer(name))) out.push(service ? item : rename(name, item));
    }
    return out;
  }

  private rebuild(): void {
    const tools = new Map<string, Target>();
    const listed = new Map<string, Listed>();
    const prompts = new Map<string, Target>();
    const owners = new Map<string, string>();
    const templates: McpDirectory['templates'] = [];
    for (const service of this.services()) {
      const offer = this.lists.offer(service);
      for (const tool of offer.tools) {
        this.add(tools, namespacedName(service, tool.name), { service, name: tool.name }, 'tool');
        listed.set(`${service}\0${tool.name}`, tool);
      }
      for (const prompt of offer.prompts) this.add(prompts, namespacedName(service, prompt.name), { service, name: prompt.name }, 'prompt');
      for (const resource of offer.resources) if (!owners.has(resource.uri)) owners.set(resource.uri, service);
      for (const template of offer.resourceTemplates) {
        try {
          templates.push({ service, template: new UriTemplate(template.uriTemplate) });
        } catch {
          this.log.warn({ service, uriTemplate: template.uriTemplate }, 'worker listed an invalid URI template; reads through /mcp cannot be routed by it');
        }
      }
    }
    this.tools = tools;
    this.listed = listed;
    this.prompts = prompts;
    this.resourceOwners = owners;
    this.templates = templates;
  }

  private add(index: Map<string, Target>, name: string, target: Target, kind: string): void {
    const existing = index.get(name);
    if (existing) {
      this.log.warn({ name, first: existing, second: target }, `two ${kind}s map to the same name on /mcp; the second is reachable only on /mcp/${target.service}`);
      return;
    }
    index.set(name, target);
  }
}
