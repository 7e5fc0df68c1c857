import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO_ROOT, TEST_WORKER_ENTRY, waitFor } from '@mcpgw/test-support';

/**
 * The MCP servers the bench starts itself, each in a process group of its own so that stopping it
 * leaves nothing behind: the test worker on its own Streamable HTTP transport, and the worker over
 * stdio behind supergateway and behind mcp-proxy (npm packages, devDependencies of bench/).
 */

/** The fronts started here (the gateway is started with @mcpgw/test-support). */
export type SpawnedFrontKind = 'direct' | 'supergateway' | 'mcp-proxy';

/** A started front. */
export interface SpawnedFront {
  kind: SpawnedFrontKind;
  /** The row's name in the table. */
  path: string;
  /** How it was started, for the docs. */
  command: string;
  /** The Streamable HTTP endpoint. */
  url: string;
  child: ChildProcess;
  pid: number;
  /** Its first output lines, for the error when it does not start. */
  output: string[];
}

const BENCH_MODULES = `${REPO_ROOT}bench/node_modules/`;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/** Starts a front and waits until it accepts connections. */
export async function startFront(kind: SpawnedFrontKind): Promise<SpawnedFront> {
  const node = process.execPath;
  let args: string[];
  let path: string;
  let command: string;
  let port: number | undefined;
  if (kind === 'direct') {
    args = [TEST_WORKER_ENTRY, '--http', '0'];
    path = 'worker direct: its own Streamable HTTP (MCP SDK), stateful';
    command = 'node tests/fixtures/test-worker/dist/index.js --http 0';
  } else if (kind === 'supergateway') {
    port = await freePort();
    // Stateful Streamable HTTP: one session, with one worker process behind it, as a real client
    // keeps it. --logLevel none: at its default level it logs every message it relays.
    args = [binEntry('supergateway'), '--stdio', `"${node}" "${TEST_WORKER_ENTRY}"`, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'];
    path = 'supergateway 4.0.0 (stdio → Streamable HTTP, --stateful)';
    command = 'supergateway --stdio "node tests/fixtures/test-worker/dist/index.js" --outputTransport streamableHttp --stateful --port P --logLevel none';
  } else {
    port = await freePort();
    // Its defaults: stateful Streamable HTTP at /mcp (and SSE at /sse), the resumability event store on.
    args = [binEntry('mcp-proxy'), '--host', '127.0.0.1', '--port', String(port), '--', node, TEST_WORKER_ENTRY];
    path = 'mcp-proxy 6.7.19 (stdio → Streamable HTTP, stateful)';
    command = 'mcp-proxy --host 127.0.0.1 --port P -- node tests/fixtures/test-worker/dist/index.js';
  }
  const child = spawn(node, args, {
    cwd: REPO_ROOT,
    // LOG_LEVEL info: the worker announces its port in a JSON log line (it logs nothing per call).
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: kind === 'direct' ? 'info' : 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  const announced = new Promise<number>((resolve) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        if (output.length < 100) output.push(line);
        try {
          const parsed = JSON.parse(line) as { port?: unknown };
          if (typeof parsed.port === 'number') resolve(parsed.port);
        } catch {
          // not a JSON log line
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  const front: SpawnedFront = { kind, path, command, url: '', child, pid: child.pid ?? -1, output };
  try {
    if (child.pid === undefined) throw new Error('spawn failed');
    const listening = port ?? (await Promise.race([announced, delay(START_TIMEOUT_MS).then(() => undefined)]));
    if (listening === undefined) throw new Error(`the worker did not announce its port within ${START_TIMEOUT_MS} ms`);
    await waitFor(
      async () => {
        if (exited(child)) throw new Error('exited');
        return canConnect(listening);
      },
      START_TIMEOUT_MS,
      `${path} to listen`,
    );
    if (exited(child)) throw new Error('it exited');
    front.url = `http://127.0.0.1:${listening}/mcp`;
    return front;
  } catch (error) {
    await stopFront(front, []);
    throw new Error(`${path} did not start (${(error as Error).message}): ${output.slice(-5).join(' | ').slice(0, 500)}`);
  }
}

/**
 * SIGTERM to the front's process group, SIGKILL after a grace period; then every process it had
 * spawned (`spawned`, e.g. from {@link descendants}) that is still alive is killed with its group
 * (supergateway starts its workers detached, in groups of their own). Returns those leftovers.
 */
export async function stopFront(front: SpawnedFront, spawned: number[]): Promise<number[]> {
  if (front.pid > 0) {
    const gone = exited(front.child) ? Promise.resolve() : new Promise<void>((resolve) => front.child.once('exit', () => resolve()));
    signalGroup(front.pid, 'SIGTERM');
    const done = await Promise.race([gone.then(() => true), delay(STOP_GRACE_MS).then(() => false)]);
    if (!done) {
      signalGroup(front.pid, 'SIGKILL');
      await gone;
    }
  }
  // The front's own shutdown stops its children: give it a moment before calling them leftovers.
  await waitFor(() => spawned.every((pid) => !alive(pid)), 2_000, 'the spawned processes to exit').catch(() => undefined);
  const left = spawned.filter(alive);
  for (const pid of left) {
    const group = procStat(pid)?.pgrp;
    if (group !== undefined && group > 1 && group !== process.pid && group !== procStat(process.pid)?.pgrp) signalGroup(group, 'SIGKILL');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  front.child.stdout?.destroy();
  front.child.stderr?.destroy();
  return left;
}

/**
 * Kills, at once and synchronously, every front in `fronts` with its process group and the groups of
 * everything it spawned. For SIGINT/SIGTERM of the bench itself: the fronts run in process groups of
 * their own, so a Ctrl-C in the terminal does not reach them.
 */
export function killFrontsNow(fronts: SpawnedFront[]): void {
  for (const front of fronts) {
    if (front.pid <= 0) continue;
    const spawned = descendants(front.pid);
    signalGroup(front.pid, 'SIGKILL');
    for (const pid of spawned) {
      const group = procStat(pid)?.pgrp;
      if (group !== undefined && group > 1 && group !== procStat(process.pid)?.pgrp) signalGroup(group, 'SIGKILL');
    }
  }
}

/** Whether a process is running (a zombie is not: its parent just has not reaped it yet). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return procStat(pid)?.state !== 'Z';
  } catch {
    return false;
  }
}

/** Every live descendant of a process (Linux /proc). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The test worker processes among the PIDs (not the `sh -c` supergateway puts in between). */
export function testWorkerProcesses(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(TEST_WORKER_ENTRY);
    } catch {
      return false;
    }
  });
}

/** The JS entry of a package's binary, run with this Node (so the PID measured is Node's, not a shell's). */
function binEntry(pkg: string): string {
  const manifest = JSON.parse(readFileSync(`${BENCH_MODULES}${pkg}/package.json`, 'utf8')) as { bin?: string | Record<string, string> };
  const relative = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[pkg];
  if (!relative) throw new Error(`bench/node_modules/${pkg} has no "${pkg}" binary: run pnpm install`);
  return `${BENCH_MODULES}${pkg}/${relative}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/** Fields of /proc/<pid>/stat after the command name: state, parent, process group. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}
