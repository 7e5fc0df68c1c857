import { BlockList, isIP } from 'node:net';

/** A parsed CIDR block. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8` or `fd00::/8`; undefined when it is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const version = isIP(address);
  if (version === 4 && prefix <= 32) return { address, prefix, family: 'ipv4' };
  if (version === 6 && prefix <= 128) return { address, prefix, family: 'ipv6' };
  return undefined;
}

/** `::ffff:10.1.2.3` → `10.1.2.3`: an IPv4 peer on a dual-stack socket is still an IPv4 peer. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether an address is loopback: 127.0.0.0/8, ::1, or ::ffff:127.x. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  // The common answers without BlockList (which builds a SocketAddress per check).
  if (address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1') return true;
  return matches(LOOPBACK, normalizeAddress(address));
}

/** Matches addresses against a list of CIDRs (TRUSTED_NETWORKS). Never matches anything when the list is empty. */
export class NetworkMatcher {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`"${text}" is not a CIDR`);
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.empty = cidrs.length === 0;
  }

  has(address: string | undefined): boolean {
    if (this.empty || !address) return false;
    return matches(this.list, normalizeAddress(address));
  }
}

function matches(list: BlockList, address: string): boolean {
  const version = isIP(address);
  if (version === 0) return false;
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
