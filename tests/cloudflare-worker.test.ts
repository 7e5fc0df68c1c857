import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fakeZoneId, startFakeCloudflare, type FakeCloudflare } from '@mcpgw/fakes';
import { getJson, postJson, startGateway, type GatewayProcess } from '@mcpgw/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * The cloudflare worker through the gateway, as processes: the issue's slash commands in sandbox mode
 * (no credentials), then every tool against a fake Cloudflare this test controls, with paging, 429s,
 * refused tokens, destructive tools and the upload root.
 */
const ISSUE_COMMANDS = ['/mcp-cloudflare zones list', '/mcp-cloudflare dns list-records example.com', '/mcp-cloudflare stream upload /videos/lesson1.mp4'];

const call = (gateway: GatewayProcess, tool: string, args: Record<string, unknown> = {}) =>
  postJson(`${gateway.url}/mcp/rpc`, { jsonrpc: '2.0', id: 1, method: 'mcp.execute', params: { service: 'cloudflare', tool, arguments: args } });
const slash = (gateway: GatewayProcess, command: string) => postJson(`${gateway.url}/mcp/execute`, { command });

describe('sandbox mode (no Cloudflare credentials)', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { WORKERS: 'cloudflare' }, timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('runs the worker against the fake, marked sandbox', async () => {
    const catalog = await getJson(`${gateway.url}/mcp/catalog`);
    const service = catalog.body.services.find((s: { name: string }) => s.name === 'cloudflare');
    expect(service).toMatchObject({ mode: 'sandbox', sandbox: true });
    expect(gateway.output.join('\n')).toMatch(/SANDBOX MODE: cloudflare answer/);
  });

  it.each(ISSUE_COMMANDS)('answers %s', async (command) => {
    const response = await slash(gateway, command);
    expect({ command, status: response.status, body: response.body }).toMatchObject({ command, status: 200, body: { status: 'success', metadata: { service: 'cloudflare', sandbox: true } } });
  });

  it('uploads the sample video from the sandbox upload root', async () => {
    const response = await slash(gateway, '/mcp-cloudflare stream upload /videos/lesson1.mp4');
    expect(response.body.data).toMatchObject({ source: { kind: 'file', path: 'videos/lesson1.mp4', bytes: 65_536 }, video: { name: 'lesson1.mp4', size: 65_536 } });
    const listed = (await slash(gateway, '/mcp-cloudflare stream list')).body.data;
    expect(listed.videos.some((v: { uid: string }) => v.uid === response.body.data.video.uid)).toBe(true);
  });
});

describe('real client against a fake Cloudflare', () => {
  let fake: FakeCloudflare;
  let gateway: GatewayProcess;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeCloudflare();
    base = await mkdtemp(join(tmpdir(), 'mcpgw-cf-e2e-'));
    const root = join(base, 'media');
    await mkdir(join(root, 'videos'), { recursive: true });
    await writeFile(join(root, 'videos', 'lesson1.mp4'), Buffer.alloc(1_500_000, 3));
    await writeFile(join(base, 'outside.mp4'), Buffer.alloc(10, 1));
    await symlink(join(base, 'outside.mp4'), join(root, 'videos', 'sneaky.mp4'));
    gateway = await startGateway({
      env: {
        WORKERS: 'cloudflare',
        SANDBOX: 'off',
        CLOUDFLARE_API_URL: fake.apiUrl,
        CLOUDFLARE_API_TOKEN: fake.apiToken,
        CLOUDFLARE_ACCOUNT_ID: fake.accountId,
        CLOUDFLARE_PAGE_SIZE: '5',
        CLOUDFLARE_UPLOAD_ROOT: root,
      },
      timeoutMs: 90_000,
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('answers the issue\'s slash commands, following pages', async () => {
    fake.calls.length = 0;
    const [zones, records, upload] = await Promise.all(ISSUE_COMMANDS.map((c) => slash(gateway, c)));
    expect(zones!.status).toBe(200);
    expect(zones!.body.metadata.sandbox).toBeUndefined();
    expect(zones!.body.data).toMatchObject({ count: 12, total: 12, pages: 3, truncated: false });
    expect(new Set(zones!.body.data.zones.map((z: { id: string }) => z.id)).size).toBe(12);
    expect(records!.status).toBe(200);
    // 24 hosts plus apex A, www CNAME, MX and TXT: 28 records, 6 pages of 5.
    expect(records!.body.data).toMatchObject({ zone: { name: 'example.com', id: fakeZoneId('example.com') }, count: 28, total: 28, pages: 6, truncated: false });
    expect(upload!.status).toBe(200);
    expect(upload!.body.data).toMatchObject({ source: { kind: 'file', path: 'videos/lesson1.mp4', bytes: 1_500_000 }, video: { name: 'lesson1.mp4', size: 1_500_000, state: 'queued' } });
    const pages = fake.calls.filter((c) => c.path === `/zones/${fakeZoneId('example.com')}/dns_records`).map((c) => new URLSearchParams(c.query).get('page'));
    expect(pages).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('lists zones, DNS records, Workers scripts and Stream videos by JSON-RPC, with filters and limits', async () => {
    const active = await call(gateway, 'list_zones', { status: 'active', limit: 7 });
    expect(active.status).toBe(200);
    expect(active.body.result.data).toMatchObject({ count: 7, total: 11, truncated: true, pages: 2 });
    const typed = (await call(gateway, 'list_dns_records', { zone: 'example.com', type: 'MX' })).body.result.data;
    expect(typed.records).toEqual([expect.objectContaining({ type: 'MX', name: 'example.com', priority: 10 })]);
    const host = (await call(gateway, 'list_dns_records', { zone: fakeZoneId('example.com'), name: 'host07' })).body.result.data;
    expect(host.records).toEqual([expect.objectContaining({ name: 'host07.example.com', content: '198.51.100.7' })]);
    const scripts = (await call(gateway, 'list_worker_scripts')).body.result.data;
    expect(scripts.scripts.map((s: { name: string }) => s.name)).toEqual(['edge-router', 'status-page', 'image-resizer', 'queue-consumer']);
    fake.knobs = { streamListLimit: 2 };
    const videos = (await call(gateway, 'list_stream_videos', { status: 'ready' })).body.result.data;
    fake.knobs = { streamListLimit: 1000 };
    expect(videos).toMatchObject({ count: 6, total: 6, truncated: false });
    expect(videos.pages).toBeGreaterThanOrEqual(3);
  });

  it('creates, updates and deletes a DNS record; the delete needs confirm', async () => {
    const created = await call(gateway, 'create_dns_record', { zone: 'example.com', type: 'A', name: 'api', content: '192.0.2.50', proxied: true });
    expect(created.status).toBe(200);
    const record = created.body.result.data.record;
    expect(record).toMatchObject({ name: 'api.example.com', content: '192.0.2.50', proxied: true, ttl: 1 });
    const duplicate = await call(gateway, 'create_dns_record', { zone: 'example.com', type: 'A', name: 'api', content: '192.0.2.50' });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.error.message).toMatch(/81058 An identical record already exists/);
    const badIp = await call(gateway, 'create_dns_record', { zone: 'example.com', type: 'A', name: 'bad', content: 'not-an-ip' });
    expect(badIp.body.error.message).toMatch(/9005/);
    const updated = await call(gateway, 'update_dns_record', { zone: 'example.com', recordId: record.id, content: '192.0.2.51', comment: 'moved' });
    expect(updated.body.result.data.record).toMatchObject({ id: record.id, content: '192.0.2.51', comment: 'moved', proxied: true });
    const refused = await call(gateway, 'delete_dns_record', { zone: 'example.com', recordId: record.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/delete_dns_record is destructive: call it again with "confirm": true/);
    expect([...fake.data.records.keys()]).toContain(record.id);
    const deleted = await call(gateway, 'delete_dns_record', { zone: 'example.com', recordId: record.id, confirm: true });
    expect(deleted.body.result.data).toEqual({ zone: { id: fakeZoneId('example.com'), name: 'example.com' }, deleted: true, recordId: record.id });
    expect([...fake.data.records.keys()]).not.toContain(record.id);
    const again = await call(gateway, 'delete_dns_record', { zone: 'example.com', recordId: record.id, confirm: true });
    expect(again.status).toBe(422);
    expect(again.body.error.data.kind).toBe('not_found');
  });

  it('runs the DNS write commands as slash commands, the delete only with --confirm', async () => {
    const created = await slash(gateway, '/mcp-cloudflare dns create-record example.com TXT _verify "token=abc 123"');
    expect(created.status).toBe(200);
    const id = created.body.data.record.id;
    expect(created.body.data.record).toMatchObject({ type: 'TXT', name: '_verify.example.com', content: 'token=abc 123' });
    const updated = await slash(gateway, `/mcp-cloudflare dns update-record example.com ${id} --ttl=300`);
    expect(updated.body.data.record).toMatchObject({ id, ttl: 300 });
    const refused = await slash(gateway, `/mcp-cloudflare dns delete-record example.com ${id}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/confirm/);
    const deleted = await slash(gateway, `/mcp-cloudflare dns delete-record example.com ${id} --confirm`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.deleted).toBe(true);
  });

  it('purges the cache only with confirm, and exactly one target', async () => {
    fake.purges.length = 0;
    const refused = await call(gateway, 'purge_cache', { zone: 'example.com', everything: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/purge_cache is destructive/);
    const two = await call(gateway, 'purge_cache', { zone: 'example.com', everything: true, tags: ['a'], confirm: true });
    expect(two.status).toBe(400);
    expect(two.body.error.message).toMatch(/exactly one/);
    expect(fake.purges).toHaveLength(0);
    const files = await call(gateway, 'purge_cache', { zone: 'example.com', files: ['https://example.com/app.css'], confirm: true });
    expect(files.body.result.data).toMatchObject({ purged: 'files', items: 1 });
    const everything = await slash(gateway, '/mcp-cloudflare cache purge example.net --everything --confirm');
    expect(everything.status).toBe(200);
    expect(everything.body.data).toMatchObject({ zone: { name: 'example.net' }, purged: 'everything' });
    expect(fake.purges).toEqual([
      { zoneId: fakeZoneId('example.com'), body: { files: ['https://example.com/app.css'] } },
      { zoneId: fakeZoneId('example.net'), body: { purge_everything: true } },
    ]);
  });

  it('uploads from a URL, names the video, and refuses paths that leave the upload root', async () => {
    const fromUrl = await call(gateway, 'upload_stream_video', { source: 'https://media.example.com/intro%20video.mp4', requireSignedURLs: true });
    expect(fromUrl.body.result.data).toMatchObject({ source: { kind: 'url' }, video: { name: 'intro video.mp4', state: 'downloading', requireSignedURLs: true } });
    const named = await call(gateway, 'upload_stream_video', { source: 'videos/lesson1.mp4', name: 'Lesson 1' });
    expect(named.body.result.data.video).toMatchObject({ name: 'Lesson 1', size: 1_500_000 });
    for (const [source, message] of [
      ['/../outside.mp4', /outside the upload root/],
      ['/videos/sneaky.mp4', /symbolic link/],
      ['/videos/missing.mp4', /no file/],
      ['file:///etc/passwd', /http/],
    ] as const) {
      const refused = await call(gateway, 'upload_stream_video', { source });
      expect({ source, status: refused.status }).toEqual({ source, status: source.startsWith('file:') ? 400 : 422 });
      expect(refused.body.error.message).toMatch(message);
      expect(refused.body.error.message).not.toContain(base);
    }
  });

  it('reports upload progress to an MCP client that asks for it', async () => {
    const client = new Client({ name: 'cf-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp/cloudflare`)));
    try {
      const progress: { progress: number; total?: number }[] = [];
      const result = await client.callTool({ name: 'upload_stream_video', arguments: { source: '/videos/lesson1.mp4' } }, undefined, { onprogress: (p) => progress.push(p) });
      expect(result.isError).toBeFalsy();
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress[0]).toMatchObject({ progress: 0, total: 1_500_000 });
      expect(progress.at(-1)).toMatchObject({ progress: 1_500_000, total: 1_500_000 });
    } finally {
      await client.close();
    }
  });

  it('retries a 429 and answers; a blocked window is a clear error with retryAfter', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 1 } };
    const retried = await call(gateway, 'list_worker_scripts');
    expect(retried.status).toBe(200);
    fake.knobs = { rateLimit429: null, rateLimitWindow: { limit: 0, windowSec: 300 } };
    const limited = await call(gateway, 'list_zones');
    fake.knobs = { rateLimitWindow: null };
    expect(limited.status).toBe(502);
    expect(limited.body.error.message).toMatch(/rate-limiting this token \(HTTP 429\)/);
    expect(limited.body.error.data.retryAfter).toBeGreaterThan(200);
  });

  it('reports a rejected or expired token naming CLOUDFLARE_API_TOKEN, never the token', async () => {
    for (const knobs of [{ authFail: true }, { tokenExpired: true }]) {
      fake.knobs = knobs;
      const refused = await slash(gateway, '/mcp-cloudflare zones list');
      fake.knobs = { authFail: false, tokenExpired: false };
      expect(refused.status).toBe(503);
      expect(refused.body.error.message).toMatch(/Cloudflare refused the API token .*10000 Authentication error.*CLOUDFLARE_API_TOKEN/);
      expect(JSON.stringify(refused.body)).not.toContain(fake.apiToken);
    }
    expect(gateway.output.join('\n')).not.toContain(fake.apiToken);
  });

  it('names a zone that does not exist and the zones that do', async () => {
    const missing = await slash(gateway, '/mcp-cloudflare dns list-records nope.example');
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toMatch(/no zone named nope\.example.*example\.com/);
    const noZone = await call(gateway, 'list_dns_records', {});
    expect(noZone.status).toBe(400);
    expect(noZone.body.error.message).toMatch(/CLOUDFLARE_ZONE/);
  });
});
