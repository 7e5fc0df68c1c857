import { closeSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';

/** What the owner of an embedded data dir records in `<dataDir>/store.lock`. */
export interface LockInfo {
  pid: number;
  /** Where the engine listens; null while it is starting. */
  socket: string | null;
}

/** The outcome of trying to own a data dir: the lock is ours, or a live process holds it. */
export type LockClaim = { owned: true; lock: OwnedLock } | { owned: false; holder: LockInfo };

/** Locks this process holds: a lock naming our own pid that is not here was left by an earlier run (pid 1 in a container). */
const heldHere = new Set<string>();

/** How long an unreadable lock file may stay unreadable before it counts as stale (a crash mid-write). */
const UNREADABLE_GRACE_MS = 1_000;

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of a data dir. */
export function lockPathFor(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/store.lock`;
}

/**
 * Tries to become the one process that owns an embedded data dir: creates the lock file with
 * O_EXCL, taking over a lock whose process has exited. A live holder is returned, not waited for.
 */
export async function claimLock(dataDir: string): Promise<LockClaim> {
  const path = lockPathFor(dataDir);
  let unreadableSince: number | undefined;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, socket: null } satisfies LockInfo));
      } finally {
        closeSync(fd);
      }
      heldHere.add(path);
      return { owned: true, lock: new OwnedLock(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const raw = readRaw(path);
    if (raw === undefined) continue; // removed in between: try again
    const holder = parseLock(raw);
    if (holder === undefined) {
      // The owner creates the file, then writes it: give it a moment before calling it stale.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince < UNREADABLE_GRACE_MS) {
        await sleep(50);
        continue;
      }
    } else if (holder.pid === process.pid ? heldHere.has(path) : isProcessAlive(holder.pid)) {
      return { owned: false, holder };
    }
    // Stale: remove it only if it is still the file we judged, then race for it like anyone else.
    if (readRaw(path) === raw) rmSync(path, { force: true });
    unreadableSince = undefined;
  }
}

/** A lock this process holds. */
export class OwnedLock {
  private socket: string | null = null;

  constructor(readonly path: string) {}

  /** Records where the engine listens, atomically (clients never see a half-written file). */
  publish(socket: string): void {
    this.socket = socket;
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, socket } satisfies LockInfo));
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }

  /** Removes the lock if it is still ours. */
  release(): void {
    heldHere.delete(this.path);
    const raw = readRaw(this.path);
    const current = raw === undefined ? undefined : parseLock(raw);
    if (current?.pid === process.pid && current.socket === this.socket) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseLock(raw: string): LockInfo | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return undefined;
    return { pid: value.pid, socket: typeof value.socket === 'string' ? value.socket : null };
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
