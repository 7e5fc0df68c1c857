import { ToolError, createWorker } from '@mcpgw/worker-kit';
import { CloudflareClient } from './cloudflare-client.js';
import { loadCloudflareConfig } from './config.js';
import type { CloudflareDeps } from './deps.js';
import {
  createDnsRecord,
  deleteDnsRecord,
  listDnsRecords,
  listStreamVideos,
  listWorkerScripts,
  listZones,
  purgeCache,
  updateDnsRecord,
  uploadStreamVideo,
} from './tools/index.js';

/** A health probe slower than this is `degraded`. */
const SLOW_PROBE_MS = 2_000;

/**
 * Cloudflare over its API v4: zones, DNS records (list, create, update, delete), cache purge, Workers
 * scripts, and Stream (upload from a URL or a file under an allow-listed root, list).
 */
export const cloudflareWorker = createWorker<CloudflareDeps>({
  name: 'cloudflare',
  version: '1.0.0',
  description:
    'Cloudflare API v4: zones, DNS records (list, create, update, delete with confirm), cache purge (confirm), Workers scripts, and Stream videos (upload from a URL or a file under CLOUDFLARE_UPLOAD_ROOT with progress, list).',
  tools: [listZones, listDnsRecords, createDnsRecord, updateDnsRecord, deleteDnsRecord, purgeCache, listWorkerScripts, uploadStreamVideo, listStreamVideos],
  commands: [
    { pattern: 'zones list', tool: 'list_zones', description: 'Zones of the account: /mcp-cloudflare zones list --status=active' },
    { pattern: 'dns list-records [<zone>]', tool: 'list_dns_records', description: 'DNS records of a zone: /mcp-cloudflare dns list-records example.com --type=A' },
    { pattern: 'dns create-record <zone> <type> <name> <content>', tool: 'create_dns_record', description: 'New record: /mcp-cloudflare dns create-record example.com A api 192.0.2.50 --proxied=true' },
    { pattern: 'dns update-record <zone> <recordId>', tool: 'update_dns_record', description: 'Change fields of a record: /mcp-cloudflare dns update-record example.com <id> --content=192.0.2.51' },
    { pattern: 'dns delete-record <zone> <recordId>', tool: 'delete_dns_record', description: 'Delete a record (destructive): /mcp-cloudflare dns delete-record example.com <id> --confirm' },
    { pattern: 'cache purge [<zone>]', tool: 'purge_cache', description: 'Purge the cache (destructive): /mcp-cloudflare cache purge example.com --everything --confirm' },
    { pattern: 'workers list', tool: 'list_worker_scripts', description: 'Workers scripts of the account.' },
    { pattern: 'stream upload <source>', tool: 'upload_stream_video', description: 'Upload a video from a URL or a file under CLOUDFLARE_UPLOAD_ROOT: /mcp-cloudflare stream upload /videos/lesson1.mp4' },
    { pattern: 'stream list', tool: 'list_stream_videos', description: 'Stream videos, newest first: /mcp-cloudflare stream list --status=ready' },
  ],
  requiredEnv: ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID'],
  setup: (env, log) => {
    const loaded = loadCloudflareConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    return {
      status: 'configured',
      mode: config.sandbox ? 'sandbox' : 'live',
      ...(config.sandbox ? { notes: 'Sandbox: talking to a fake Cloudflare API with sample zones, records, scripts and videos.' } : {}),
      // Nothing to open: the first call (or health probe) talks to the API, so the worker starts while Cloudflare is unreachable.
      deps: async () => ({
        config,
        client: new CloudflareClient({
          apiUrl: config.apiUrl,
          apiToken: config.apiToken,
          accountId: config.accountId,
          timeoutMs: config.timeoutMs,
          uploadTimeoutMs: config.uploadTimeoutMs,
          pageSize: config.pageSize,
          log,
        }),
      }),
    };
  },
  health: async (deps, signal) => {
    const started = performance.now();
    try {
      const token = await deps.client.verifyToken(signal);
      if (token.status !== 'active') return { status: 'down', reason: `the API token is ${token.status}: check CLOUDFLARE_API_TOKEN` };
      const elapsed = performance.now() - started;
      return elapsed > SLOW_PROBE_MS ? { status: 'degraded', reason: `Cloudflare is slow: ${Math.round(elapsed)} ms to verify the token` } : { status: 'ok' };
    } catch (error) {
      const message = error instanceof ToolError ? error.message : 'token verification failed (see the worker log)';
      const rateLimited = error instanceof ToolError && error.details.retryAfter !== undefined;
      return { status: rateLimited ? 'degraded' : 'down', reason: message };
    }
  },
});

export { cloudflareEnvSchema, loadCloudflareConfig, DEFAULT_API_URL, type CloudflareConfig } from './config.js';
export { CloudflareClient } from './cloudflare-client.js';
