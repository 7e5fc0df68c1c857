/**
 * Sample data of the fake Cloudflare: zones (example.com first), DNS records, Workers scripts and
 * Stream videos, deterministic for a given clock so tests can count on them.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A zone as `GET /zones` returns it (the fields the fake keeps). */
export interface FakeCloudflareZone {
  id: string;
  name: string;
  status: 'active' | 'pending' | 'initializing' | 'moved' | 'deleted' | 'deactivated';
  paused: boolean;
  type: 'full' | 'partial' | 'secondary';
  name_servers: string[];
  original_name_servers: string[];
  plan: { id: string; name: string };
  account: { id: string; name: string };
  created_on: string;
  modified_on: string;
  activated_on: string | null;
}

/** A DNS record as `GET /zones/{id}/dns_records` returns it. */
export interface FakeCloudflareDnsRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  priority?: number;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

/** A Workers script as `GET /accounts/{id}/workers/scripts` returns it. */
export interface FakeCloudflareWorkerScript {
  id: string;
  etag: string;
  handlers: string[];
  usage_model: string;
  compatibility_date: string;
  created_on: string;
  modified_on: string;
}

/** A Stream video as `GET /accounts/{id}/stream` returns it. */
export interface FakeCloudflareVideo {
  uid: string;
  creator: string | null;
  created: string;
  modified: string;
  uploaded: string;
  size: number;
  duration: number;
  meta: Record<string, string>;
  readyToStream: boolean;
  requireSignedURLs: boolean;
  status: { state: 'pendingupload' | 'downloading' | 'queued' | 'inprogress' | 'ready' | 'error'; pctComplete?: string; errorReasonCode?: string };
  input: { width: number; height: number };
  thumbnail: string;
  preview: string;
  playback: { hls: string; dash: string };
}

export interface FakeCloudflareData {
  zones: Map<string, FakeCloudflareZone>;
  records: Map<string, FakeCloudflareDnsRecord>;
  scripts: FakeCloudflareWorkerScript[];
  videos: FakeCloudflareVideo[];
}

export interface FakeCloudflareSeedOptions {
  accountId: string;
  now: Date;
  /** Zones in all (example.com first); default 12, so that 5 per page gives 3 pages. */
  zones: number;
  /** Extra `A` records `host01..hostNN.example.com` besides the apex, www, MX and TXT records; default 24. */
  exampleHosts: number;
  /** Stream videos; default 6. */
  videos: number;
}

const ZONE_NAMES = [
  'example.com',
  'example.net',
  'example.org',
  'acme-ops.com',
  'acme-status.io',
  'acme-cdn.net',
  'acme-mail.com',
  'acme-docs.dev',
  'acme-api.io',
  'acme-shop.ph',
  'acme-learn.ph',
  'acme-old.com',
];

/** 32 hex characters derived from a label: stable ids for stable tests. */
export function fakeCloudflareId(label: string): string {
  return createHash('sha256').update(label).digest('hex').slice(0, 32);
}

/** Builds the fake's data. */
export function seedFakeCloudflare(options: FakeCloudflareSeedOptions): FakeCloudflareData {
  const data: FakeCloudflareData = { zones: new Map(), records: new Map(), scripts: [], videos: [] };
  const at = (daysAgo: number, minutes = 0): string => new Date(options.now.getTime() - daysAgo * 86_400_000 - minutes * 60_000).toISOString();
  for (let i = 0; i < options.zones; i++) {
    const name = ZONE_NAMES[i] ?? `acme-zone-${String(i + 1).padStart(2, '0')}.com`;
    const status = name === 'acme-learn.ph' ? 'pending' : 'active';
    const zone: FakeCloudflareZone = {
      id: fakeCloudflareId(`zone:${name}`),
      name,
      status,
      paused: name === 'acme-old.com',
      type: 'full',
      name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      original_name_servers: ['ns1.registrar.example', 'ns2.registrar.example'],
      plan: i < 2 ? { id: fakeCloudflareId('plan:pro'), name: 'Pro Website' } : { id: fakeCloudflareId('plan:free'), name: 'Free Website' },
      account: { id: options.accountId, name: 'Acme Shared Services' },
      created_on: at(400 - i),
      modified_on: at(30 - i),
      activated_on: status === 'active' ? at(399 - i) : null,
    };
    data.zones.set(zone.id, zone);
    const add = (type: string, host: string, content: string, extra: Partial<FakeCloudflareDnsRecord> = {}): void => {
      const fqdn = host === '@' ? name : `${host}.${name}`;
      const proxiable = ['A', 'AAAA', 'CNAME'].includes(type);
      const record: FakeCloudflareDnsRecord = {
        id: fakeCloudflareId(`record:${fqdn}:${type}:${content}`),
        zone_id: zone.id,
        zone_name: name,
        name: fqdn,
        type,
        content,
        proxiable,
        proxied: proxiable && type !== 'AAAA',
        ttl: 1,
        comment: null,
        tags: [],
        created_on: at(300),
        modified_on: at(10),
        ...extra,
      };
      data.records.set(record.id, record);
    };
    add('A', '@', `192.0.2.${10 + i}`);
    add('CNAME', 'www', name);
    add('MX', '@', `mx1.${name}`, { priority: 10, proxied: false });
    add('TXT', '@', 'v=spf1 include:_spf.example.net ~all', { proxied: false });
    if (i === 0) {
      for (let h = 1; h <= options.exampleHosts; h++) {
        add('A', `host${String(h).padStart(2, '0')}`, `198.51.100.${h}`, { proxied: false, ttl: 300, comment: h % 5 === 0 ? 'legacy host' : null });
      }
    }
  }
  const scripts = [
    ['edge-router', ['fetch'], 2],
    ['status-page', ['fetch', 'scheduled'], 40],
    ['image-resizer', ['fetch'], 90],
    ['queue-consumer', ['queue'], 120],
  ] as const;
  for (const [id, handlers, age] of scripts) {
    data.scripts.push({
      id,
      etag: fakeCloudflareId(`etag:${id}`),
      handlers: [...handlers],
      usage_model: 'standard',
      compatibility_date: '2025-09-01',
      created_on: at(age + 100),
      modified_on: at(age),
    });
  }
  for (let v = 0; v < options.videos; v++) {
    const uid = fakeCloudflareId(`video:${v}`);
    const created = at(v + 1, v * 7);
    data.videos.push(videoRecord(uid, `orientation-${String(v + 1).padStart(2, '0')}.mp4`, 4_000_000 + v * 250_000, created, 'ready'));
  }
  return data;
}

/** A video record in the shape Stream returns. */
export function videoRecord(uid: string, name: string, size: number, created: string, state: FakeCloudflareVideo['status']['state']): FakeCloudflareVideo {
  const host = 'customer-fake.cloudflarestream.com';
  const ready = state === 'ready';
  return {
    uid,
    creator: null,
    created,
    modified: created,
    uploaded: created,
    size,
    duration: ready ? 30 + (size % 600) : -1,
    meta: { name },
    readyToStream: ready,
    requireSignedURLs: false,
    status: ready ? { state, pctComplete: '100.000000' } : { state, pctComplete: '0.000000' },
    input: ready ? { width: 1920, height: 1080 } : { width: -1, height: -1 },
    thumbnail: `https://${host}/${uid}/thumbnails/thumbnail.jpg`,
    preview: `https://${host}/${uid}/watch`,
    playback: { hls: `https://${host}/${uid}/manifest/video.m3u8`, dash: `https://${host}/${uid}/manifest/video.mpd` },
  };
}

/** A new random id (records and videos created through the API). */
export function randomCloudflareId(): string {
  return randomBytes(16).toString('hex');
}
