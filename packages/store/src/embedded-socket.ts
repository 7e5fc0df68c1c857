import { Buffer } from 'node:buffer';
import { dirname } from 'node:path';

/** Unix socket paths are limited to ~104–108 bytes by the OS; leave a margin. */
export const MAX_SOCKET_PATH_BYTES = 100;

/** The name node-postgres looks for in a socket directory when connecting with `port: 5432`. */
const SOCKET_NAME = '.s.PGSQL.5432';

/** Where the embedded engine listens (inside the 0700 data dir, so only its user can connect). */
export function socketPathFor(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/${SOCKET_NAME}`;
}

/** Whether the socket path fits the OS limit; if not, the engine falls back to loopback TCP. */
export function socketPathFits(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES;
}

/** How node-postgres reaches an engine listening at `socket` (a socket path, or `127.0.0.1:<port>`). */
export function connectionFor(socket: string): { host: string; port: number } {
  if (socket.startsWith('/')) {
    const port = Number(/\.s\.PGSQL\.(\d+)$/.exec(socket)?.[1] ?? 5432);
    return { host: dirname(socket), port };
  }
  const colon = socket.lastIndexOf(':');
  return { host: socket.slice(0, colon), port: Number(socket.slice(colon + 1)) };
}
