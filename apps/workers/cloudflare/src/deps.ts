import { ToolError, toolDefiner } from '@mcpgw/worker-kit';
import { z } from 'zod';
import type { CloudflareClient, ZoneRef } from './cloudflare-client.js';
import type { CloudflareConfig } from './config.js';

/** What every cloudflare tool receives. */
export interface CloudflareDeps {
  config: CloudflareConfig;
  client: CloudflareClient;
}

export const cloudflareTool = toolDefiner<CloudflareDeps>();

/** How many items a list returns when the caller does not say. */
export const DEFAULT_LIMIT = 100;

/** `zone` arguments: a name or a 32-character id; optional when CLOUDFLARE_ZONE is set. */
export const zoneArg = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^([0-9a-fA-F]{32}|([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,})$/, 'expected a zone name such as example.com or a 32-character zone id')
  .optional()
  .describe('Zone name (example.com) or 32-character zone id; default CLOUDFLARE_ZONE');

export const limitArg = z.number().int().min(1).optional().describe('At most this many items (default 100; never more than CLOUDFLARE_MAX_ITEMS); pages are followed until then');

/** The zone a call is about: the argument, else CLOUDFLARE_ZONE, else a clear error. */
export async function zoneOf(deps: CloudflareDeps, zone: string | undefined, signal: AbortSignal): Promise<ZoneRef> {
  const chosen = zone ?? deps.config.defaultZone;
  if (chosen === undefined) {
    throw new ToolError('invalid_arguments', 'name a zone (e.g. example.com) or set CLOUDFLARE_ZONE', { issues: [{ path: 'zone', message: 'required when CLOUDFLARE_ZONE is not set' }] });
  }
  return deps.client.resolveZone(chosen, signal);
}

/** The caller's limit, capped by CLOUDFLARE_MAX_ITEMS. */
export function limitOf(deps: CloudflareDeps, limit: number | undefined): number {
  return Math.min(limit ?? DEFAULT_LIMIT, deps.config.maxItems);
}

/** A DNS record as the tools return it. */
export function dnsRecordView(r: Record<string, unknown>): Record<string, unknown> {
  return {
    id: r['id'],
    type: r['type'],
    name: r['name'],
    content: r['content'],
    proxied: r['proxied'] ?? false,
    ttl: r['ttl'],
    ...(r['priority'] !== undefined ? { priority: r['priority'] } : {}),
    comment: r['comment'] ?? null,
    tags: r['tags'] ?? [],
    createdOn: r['created_on'] ?? null,
    modifiedOn: r['modified_on'] ?? null,
  };
}

/** A Stream video as the tools return it. */
export function videoView(v: Record<string, unknown>): Record<string, unknown> {
  const status = (v['status'] ?? {}) as Record<string, unknown>;
  const meta = (v['meta'] ?? {}) as Record<string, unknown>;
  const playback = (v['playback'] ?? {}) as Record<string, unknown>;
  return {
    uid: v['uid'],
    name: meta['name'] ?? null,
    state: status['state'] ?? null,
    pctComplete: status['pctComplete'] ?? null,
    readyToStream: v['readyToStream'] ?? false,
    size: v['size'] ?? null,
    duration: v['duration'] ?? null,
    created: v['created'] ?? null,
    requireSignedURLs: v['requireSignedURLs'] ?? false,
    thumbnail: v['thumbnail'] ?? null,
    preview: v['preview'] ?? null,
    hls: playback['hls'] ?? null,
    dash: playback['dash'] ?? null,
  };
}
