import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import net from 'node:net';

/**
 * A Linux network namespace joined to the host by a veth pair, so a test can call the gateway from
 * a real non-loopback peer address (the socket peer the gateway sees is `peerAddress`, never
 * 127.0.0.1). Needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) and iproute2; fails loudly otherwise.
 */
export interface Netns {
  /** The namespace name (`ip netns exec <name> ...`). */
  name: string;
  /** The host end's address: bind the gateway here. */
  hostAddress: string;
  /** The namespace end's address: the peer the gateway sees. */
  peerAddress: string;
  /** The /30 both addresses are in, e.g. `10.37.4.8/30` (for TRUSTED_NETWORKS). */
  cidr: string;
  /** The host end's interface name. */
  hostInterface: string;
  /** Runs a command inside the namespace. `input` goes to its stdin. */
  exec(command: string, args?: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** An HTTP request sent from inside the namespace (node:http, so any header can be forged). */
  request<T = any>(url: string, options?: NetnsRequestOptions): Promise<NetnsResponse<T>>;
  /** Deletes the namespace and with it the veth pair. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NetnsRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (content-type application/json unless given). */
  body?: unknown;
  timeoutMs?: number;
}

export interface NetnsResponse<T = any> {
  status: number;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** `body` parsed as JSON; undefined when it is not JSON. */
  json: T | undefined;
  /** The source address the request left from (proves which peer the server saw). */
  localAddress: string;
}

/** Namespace names carry the creating pid so a later run can remove what a killed run left behind. */
const NAME_PATTERN = /^mcpgw-(\d+)-[0-9a-f]{8}$/;

/** Runs in the namespace: reads a request spec on stdin (so no header, e.g. an API key, shows in `ps`), prints the response as JSON. */
const REQUEST_SCRIPT = `
const http = require('node:http');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const spec = JSON.parse(input);
  const req = http.request(spec.url, { method: spec.method, headers: spec.headers, timeout: spec.timeoutMs, agent: false }, (res) => {
    const localAddress = res.socket.localAddress;
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (body += c));
    res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, headers: res.headers, body, localAddress })));
  });
  req.on('timeout', () => req.destroy(new Error('no answer within ' + spec.timeoutMs + ' ms')));
  req.on('error', (e) => { process.stderr.write(e.message); process.exitCode = 1; });
  if (spec.body !== undefined) req.write(spec.body);
  req.end();
});
`;

/** Runs in the namespace: connects to host:port (retrying while the link comes up); exits 0 once a connection was made. */
const PROBE_SCRIPT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const deadline = Date.now() + 5000;
const attempt = () => {
  const s = net.connect({ host, port: Number(port) });
  let connected = false;
  s.once('connect', () => { connected = true; s.end(); });
  s.on('error', (e) => { if (!connected && Date.now() > deadline) process.stderr.write(e.message); });
  s.once('close', () => {
    if (connected) return;
    if (Date.now() > deadline) process.exit(1);
    setTimeout(attempt, 50);
  });
};
attempt();
`;

/**
 * Creates a namespace with a veth pair on a random /30 in 10.0.0.0/8 or 172.16.0.0/12 that no
 * host interface or route uses, `lo` up inside, and checks that a connection from inside reaches
 * the host from `peerAddress`. Throws a clear error when namespaces cannot be made (not root).
 */
export async function createNetns(): Promise<Netns> {
  await removeStaleNamespaces();
  const tag = randomBytes(4).toString('hex');
  const name = `mcpgw-${process.pid}-${tag}`;
  // Interface names are at most 15 characters: "mg" + pid in base 36 (≤ 5) + 4 hex + 1 = ≤ 12.
  const short = `mg${process.pid.toString(36)}${tag.slice(0, 4)}`;
  const hostInterface = `${short}h`;
  const peerInterface = `${short}p`;

  const added = await run('ip', ['netns', 'add', name]);
  if (added.code !== 0) {
    throw new Error(
      `cannot create a network namespace: "ip netns add ${name}" failed (${describeExit(added)}). ` +
        'The non-loopback peer tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2 (ip netns); run them as root.',
    );
  }
  const destroy = async (): Promise<void> => {
    await run('ip', ['netns', 'del', name]);
    // Gone with the namespace normally; deleted here when setup stopped before the move.
    await run('ip', ['link', 'del', hostInterface]);
  };
  try {
    const subnet = await pickSubnet();
    const cidr = `${toAddress(subnet)}/30`;
    const hostAddress = toAddress(subnet + 1);
    const peerAddress = toAddress(subnet + 2);
    await ip(['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', peerInterface]);
    await ip(['link', 'set', peerInterface, 'netns', name]);
    await ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]);
    await ip(['link', 'set', hostInterface, 'up']);
    await ip(['-n', name, 'addr', 'add', `${peerAddress}/30`, 'dev', peerInterface]);
    await ip(['-n', name, 'link', 'set', peerInterface, 'up']);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);

    const exec: Netns['exec'] = (command, args = [], options = {}) =>
      run('ip', ['netns', 'exec', name, command, ...args], options.input, options.timeoutMs ?? 30_000);

    const netns: Netns = {
      name,
      hostAddress,
      peerAddress,
      cidr,
      hostInterface,
      exec,
      request: async <T>(url: string, options: NetnsRequestOptions = {}): Promise<NetnsResponse<T>> => {
        const headers: Record<string, string> = { ...options.headers };
        let body: string | undefined;
        if (typeof options.body === 'string') body = options.body;
        else if (options.body !== undefined) {
          body = JSON.stringify(options.body);
          if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
        }
        const timeoutMs = options.timeoutMs ?? 10_000;
        const spec = { url, method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, timeoutMs };
        const result = await exec(process.execPath, ['-e', REQUEST_SCRIPT], { input: JSON.stringify(spec), timeoutMs: timeoutMs + 5_000 });
        if (result.code !== 0) throw new Error(`request ${spec.method} ${url} from namespace ${name} failed: ${describeExit(result)}`);
        const response = JSON.parse(result.stdout) as Omit<NetnsResponse<T>, 'json'>;
        let json: T | undefined;
        try {
          json = JSON.parse(response.body) as T;
        } catch {
          json = undefined;
        }
        return { ...response, json };
      },
      destroy,
    };
    await probe(netns);
    return netns;
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** Proves the setup: a TCP connection from inside arrives at the host end from peerAddress. */
async function probe(netns: Netns): Promise<void> {
  const seen: string[] = [];
  const server = net.createServer((socket) => {
    seen.push(socket.remoteAddress ?? '');
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, netns.hostAddress, () => resolve());
  });
  try {
    const { port } = server.address() as net.AddressInfo;
    const result = await netns.exec(process.execPath, ['-e', PROBE_SCRIPT, netns.hostAddress, String(port)], { timeoutMs: 15_000 });
    if (result.code !== 0) throw new Error(`namespace ${netns.name} cannot reach ${netns.hostAddress}:${port}: ${describeExit(result)}`);
    // The client may finish before this process has run the accept callback.
    const deadline = Date.now() + 2_000;
    while (!seen.includes(netns.peerAddress) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!seen.includes(netns.peerAddress)) {
      throw new Error(`namespace ${netns.name}: the host saw ${JSON.stringify(seen)} instead of ${netns.peerAddress}`);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Deletes namespaces of earlier runs whose process is gone (a killed test leaves them behind). */
async function removeStaleNamespaces(): Promise<void> {
  const listed = await run('ip', ['-j', 'netns', 'list']);
  if (listed.code !== 0 || !listed.stdout.trim()) return;
  let entries: { name?: string }[];
  try {
    entries = JSON.parse(listed.stdout) as { name?: string }[];
  } catch {
    return;
  }
  for (const { name } of entries) {
    const pid = name === undefined ? undefined : NAME_PATTERN.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await run('ip', ['netns', 'del', name!]);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A random /30 (as a 32-bit number) in 10/8 or 172.16/12 that overlaps no host address or route. */
async function pickSubnet(): Promise<number> {
  const used = await usedNetworks();
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = attempt % 2 === 0 ? toNumber('10.0.0.0') + randomInt(1 << 22) * 4 : toNumber('172.16.0.0') + randomInt(1 << 18) * 4;
    if (!used.some(([start, end]) => base <= end && base + 3 >= start)) return base;
  }
  throw new Error('no free /30 in 10.0.0.0/8 or 172.16.0.0/12: every candidate overlaps a host network');
}

/** [first, last] of every IPv4 network on a host interface or in the main routing table (default route excluded). */
async function usedNetworks(): Promise<[number, number][]> {
  const ranges: [number, number][] = [];
  const addresses = JSON.parse((await ip(['-j', '-4', 'addr', 'show'])) || '[]') as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  for (const link of addresses) {
    for (const info of link.addr_info ?? []) {
      if (info.local && info.prefixlen !== undefined) ranges.push(range(info.local, info.prefixlen));
    }
  }
  const routes = JSON.parse((await ip(['-j', '-4', 'route', 'show'])) || '[]') as { dst?: string }[];
  for (const { dst } of routes) {
    if (!dst || dst === 'default') continue;
    const [address, prefix] = dst.split('/');
    if (address && net.isIPv4(address)) ranges.push(range(address, prefix === undefined ? 32 : Number(prefix)));
  }
  return ranges;
}

function range(address: string, prefix: number): [number, number] {
  const size = 2 ** (32 - prefix);
  const start = Math.floor(toNumber(address) / size) * size;
  return [start, start + size - 1];
}

function toNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Runs `ip ...`; throws with its stderr when it fails. */
async function ip(args: string[]): Promise<string> {
  const result = await run('ip', args);
  if (result.code !== 0) throw new Error(`"ip ${args.join(' ')}" failed: ${describeExit(result)}`);
  return result.stdout;
}

function describeExit(result: ExecResult): string {
  return `exit ${result.code ?? 'by signal'}${result.stderr.trim() ? `: ${result.stderr.trim()}` : ''}`;
}

/** Spawns a command with a minimal environment; never rejects (a spawn error becomes code null). */
function run(command: string, args: readonly string[], input?: string, timeoutMs = 30_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
