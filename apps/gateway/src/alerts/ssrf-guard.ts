import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Outbound webhook targets are configured by operators but may point anywhere, including the cloud
 * metadata service or the gateway's own Redis. Before each delivery the host is resolved and every
 * address checked against the ranges below; the request then connects to the checked address (no
 * second lookup an attacker's DNS could answer differently). Hosts in ALERT_WEBHOOK_ALLOW_HOSTS skip
 * the address check — the way to reach a receiver on a private network (or 127.0.0.1 in tests).
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 (embeds IPv4)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** Whether an address is loopback, private, link-local or otherwise not a public unicast address. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

/** A refused webhook target; the message says why and how to allow it. */
export class WebhookTargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefused';
  }
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Checks a webhook URL and returns the address to connect to. Only http and https; the host must
 * resolve to public addresses only, unless it is listed in `allowHosts` (compared case-insensitively,
 * IPv6 without brackets).
 */
export async function resolveWebhookTarget(url: URL, allowHosts: readonly string[], resolver: Resolver = systemResolver): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetRefused(`webhook ${url.origin}: only http and https URLs are allowed`);
  if (url.username || url.password) throw new WebhookTargetRefused(`webhook ${url.host}: credentials in the URL are not allowed; sign with ALERT_WEBHOOK_SECRET instead`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const allowed = allowHosts.some((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1') === host);
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await resolveAll(resolver, host);
  if (addresses.length === 0) throw new WebhookTargetRefused(`webhook host ${host} did not resolve to any address`);
  if (!allowed) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) {
      throw new WebhookTargetRefused(
        `webhook host ${host} resolves to ${blocked.address}, a loopback, private or link-local address; list ${host} in ALERT_WEBHOOK_ALLOW_HOSTS to allow it`,
      );
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

async function resolveAll(resolver: Resolver, host: string): Promise<{ address: string; family: number }[]> {
  try {
    return await resolver(host);
  } catch (error) {
    throw new WebhookTargetRefused(`webhook host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
