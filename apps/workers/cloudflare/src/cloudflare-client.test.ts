import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeZoneId, startFakeCloudflare, type FakeCloudflare } from '@mcpgw/fakes';
import { rejectionOf } from '@mcpgw/test-support';
import { ToolError } from '@mcpgw/worker-kit';
import { CloudflareClient } from './cloudflare-client.js';

/** The v4 client on its own, against the fake Cloudflare over real HTTP. */
let fake: FakeCloudflare;
let dir: string;

beforeAll(async () => {
  fake = await startFakeCloudflare({ now: new Date('2026-03-20T04:00:00Z') });
  dir = await mkdtemp(join(tmpdir(), 'cf-client-test-'));
});

afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  fake.knobs = { latencyMs: 0, errorRate: 0, rateLimit429: null, rateLimitWindow: null, authFail: false, tokenExpired: false, streamListLimit: 1000 };
});

function client(overrides: Partial<ConstructorParameters<typeof CloudflareClient>[0]> = {}): CloudflareClient {
  return new CloudflareClient({ apiUrl: fake.apiUrl, apiToken: fake.apiToken, accountId: fake.accountId, timeoutMs: 2_000, pageSize: 5, retry: { baseDelayMs: 10, maxDelayMs: 20 }, ...overrides });
}

const failure = (promise: Promise<unknown>): Promise<ToolError> => rejectionOf(promise, ToolError);

describe('CloudflareClient', () => {
  it('verifies the token', async () => {
    expect(await client().verifyToken()).toMatchObject({ status: 'active', owner: 'user' });
  });

  it('follows result_info pages: 12 zones at 5 per page are 3 requests', async () => {
    fake.calls.length = 0;
    const zones = await client().listZones({}, 100);
    expect(zones).toMatchObject({ totalCount: 12, pages: 3, truncated: false });
    expect(zones.items).toHaveLength(12);
    expect(new Set(zones.items.map((z) => z['id'])).size).toBe(12);
    expect(fake.calls.map((c) => new URLSearchParams(c.query).get('page'))).toEqual(['1', '2', '3']);
    const capped = await client().listZones({}, 7);
    expect(capped).toMatchObject({ pages: 2, truncated: true, totalCount: 12 });
    expect(capped.items).toHaveLength(7);
  });

  it('resolves a zone by name or id, and names the zones when it does not exist', async () => {
    const cf = client();
    expect(await cf.resolveZone('Example.com')).toEqual({ id: fakeZoneId('example.com'), name: 'example.com' });
    expect(await cf.resolveZone(fakeZoneId('example.net'))).toEqual({ id: fakeZoneId('example.net'), name: 'example.net' });
    const missing = await failure(cf.resolveZone('nope.example'));
    expect(missing.kind).toBe('not_found');
    expect(missing.message).toMatch(/example\.com/);
  });

  it('creates, updates and deletes a DNS record, surfacing Cloudflare\'s codes', async () => {
    const cf = client();
    const zone = await cf.resolveZone('example.com');
    const created = await cf.createDnsRecord(zone, { type: 'A', name: 'api.example.com', content: '192.0.2.50', ttl: 1 });
    expect(created).toMatchObject({ name: 'api.example.com', content: '192.0.2.50' });
    const duplicate = await failure(cf.createDnsRecord(zone, { type: 'A', name: 'api.example.com', content: '192.0.2.50', ttl: 1 }));
    expect(duplicate).toMatchObject({ kind: 'rejected' });
    expect(duplicate.message).toMatch(/81058/);
    const updated = await cf.updateDnsRecord(zone, String(created['id']), { content: '192.0.2.51' });
    expect(updated).toMatchObject({ content: '192.0.2.51', type: 'A' });
    expect(await cf.deleteDnsRecord(zone, String(created['id']))).toEqual({ id: created['id'] });
    const gone = await failure(cf.deleteDnsRecord(zone, String(created['id'])));
    expect(gone.kind).toBe('not_found');
  });

  it('retries a 429 after retry-after and succeeds', async () => {
    fake.knobs = { rateLimit429: { burst: 1, retryAfterSec: 0 } };
    fake.calls.length = 0;
    expect((await client().listWorkerScripts()).length).toBeGreaterThan(0);
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('keeps refusing in a blocked window and reports retry-after without waiting minutes', async () => {
    fake.knobs = { rateLimitWindow: { limit: 1, windowSec: 300 } };
    const cf = client();
    await cf.listWorkerScripts();
    fake.calls.length = 0;
    const limited = await failure(cf.listWorkerScripts());
    expect(limited.kind).toBe('upstream');
    expect(limited.message).toMatch(/429/);
    expect(limited.details.retryAfter).toBeGreaterThan(200);
    // A retry-after beyond the bound is not waited for: one request, no retries.
    expect(fake.calls).toHaveLength(1);
  });

  it('gives up after the attempts on a persistent 429 with a short retry-after', async () => {
    fake.knobs = { rateLimit429: { burst: 10, retryAfterSec: 0 } };
    const limited = await failure(client().listWorkerScripts());
    expect(limited.message).toMatch(/429.*after 3 attempts/);
  });

  it('never retries a create on a 5xx', async () => {
    fake.knobs = { errorRate: 1, errorKinds: ['api_500'] };
    fake.calls.length = 0;
    const zone = { id: fakeZoneId('example.com'), name: 'example.com' };
    const failed = await failure(client().createDnsRecord(zone, { type: 'A', name: 'x.example.com', content: '192.0.2.9' }));
    expect(failed.kind).toBe('upstream');
    expect(fake.calls).toHaveLength(1);
  });

  it('retries reads on edge 502/503 pages and reports an HTML error page clearly', async () => {
    fake.knobs = { errorRate: 0.5, errorKinds: ['edge_502'] };
    expect((await client().listWorkerScripts()).length).toBeGreaterThan(0);
    fake.knobs = { errorRate: 1, errorKinds: ['edge_503'] };
    const failed = await failure(client().listWorkerScripts());
    expect(failed.message).toMatch(/HTML error page \(HTTP 503/);
  });

  it('reports a rejected or expired token naming CLOUDFLARE_API_TOKEN, never the token', async () => {
    for (const knobs of [{ authFail: true }, { tokenExpired: true }]) {
      fake.knobs = knobs;
      const refused = await failure(client().listZones({}, 10));
      expect(refused.kind).toBe('unconfigured');
      expect(refused.message).toMatch(/CLOUDFLARE_API_TOKEN/);
      expect(refused.message).not.toContain(fake.apiToken);
      expect(refused.details.missing).toEqual(['CLOUDFLARE_API_TOKEN']);
      fake.knobs = { authFail: false, tokenExpired: false };
    }
    const wrong = await failure(client({ apiToken: 'x'.repeat(40) }).verifyToken());
    expect(wrong.message).toMatch(/CLOUDFLARE_API_TOKEN/);
  });

  it('says the account is not reachable for a wrong CLOUDFLARE_ACCOUNT_ID', async () => {
    const denied = await failure(client({ accountId: '0'.repeat(32) }).listWorkerScripts());
    expect(denied.kind).toBe('rejected');
    expect(denied.message).toMatch(/CLOUDFLARE_ACCOUNT_ID/);
  });

  it('times out a slow answer', async () => {
    fake.knobs = { latencyMs: 500 };
    const slow = await failure(client({ timeoutMs: 100, retry: { maxAttempts: 1 } }).listWorkerScripts());
    expect(slow.kind).toBe('upstream_timeout');
  });

  it('pages Stream videos by creation time', async () => {
    fake.knobs = { streamListLimit: 2 };
    fake.calls.length = 0;
    const videos = await client().listStreamVideos({}, 100);
    expect(videos.items).toHaveLength(6);
    expect(videos).toMatchObject({ totalCount: 6, pages: 4, truncated: false });
    const created = videos.items.map((v) => String(v['created']));
    expect(created).toEqual([...created].sort().reverse());
    expect(fake.calls.filter((c) => new URLSearchParams(c.query).has('before'))).toHaveLength(3);
  });

  it('uploads a file as multipart with progress', async () => {
    const path = join(dir, 'clip.mp4');
    await writeFile(path, Buffer.alloc(700_000, 7));
    const handle = await open(path, 'r');
    const progress: number[] = [];
    try {
      const video = await client().uploadStreamFile({ handle, size: 700_000, filename: 'clip.mp4', contentType: 'video/mp4' }, { onProgress: (sent) => progress.push(sent) });
      expect(video).toMatchObject({ size: 700_000, meta: { name: 'clip.mp4' }, status: { state: 'queued' } });
    } finally {
      await handle.close();
    }
    expect(progress.at(-1)).toBe(700_000);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});
