import type { Annotations, Icon } from '@modelcontextprotocol/sdk/types.js';
import type { Completer } from './completer.js';
import type { RequestContext } from './request-context.js';

/**
 * One piece of a resource's contents. A string is text. `uri` defaults to the URI that was read and
 * `mimeType` to the resource's own; a blob may be base64 text or bytes (the kit encodes them).
 */
export type ResourceContent =
  | string
  | { text: string; mimeType?: string; uri?: string; _meta?: Record<string, unknown> }
  | { blob: string | Uint8Array; mimeType?: string; uri?: string; _meta?: Record<string, unknown> };

/** What a read handler returns: one content or several. */
export type ResourceReadResult = ResourceContent | ResourceContent[];

/** What `resources/list` and `resources/templates/list` show about a resource. */
export interface ResourceMetadata {
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
}

/** A resource at a fixed URI (`resources/list`, `resources/read`, `resources/subscribe`). */
export interface ResourceDefinition<D = unknown> extends ResourceMetadata {
  uri: string;
  /** Size in bytes, when known, so clients can decide whether to read it. */
  size?: number;
  read(ctx: RequestContext<D>): ResourceReadResult | Promise<ResourceReadResult>;
}

/** Values a URI template matched: one string per variable, a list for exploded ones (`{/path*}`). */
export type TemplateVariables = Record<string, string | string[]>;

/**
 * A family of resources named by an RFC 6570 URI template (`resources/templates/list`). A read of
 * any URI the template matches calls `read` with the matched variables.
 */
export interface ResourceTemplateDefinition<D = unknown> extends ResourceMetadata {
  uriTemplate: string;
  /** Completers for the template's variables, by variable name. */
  complete?: Record<string, Completer<D>>;
  read(variables: TemplateVariables, ctx: RequestContext<D>, uri: string): ResourceReadResult | Promise<ResourceReadResult>;
}

/** Declares a resource (identity; gives the handler its types). */
export function defineResource<D = unknown>(definition: ResourceDefinition<D>): ResourceDefinition<D> {
  return definition;
}

/** Declares a resource template (identity; gives the handler its types). */
export function defineResourceTemplate<D = unknown>(definition: ResourceTemplateDefinition<D>): ResourceTemplateDefinition<D> {
  return definition;
}
