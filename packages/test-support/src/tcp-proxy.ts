import net from 'node:net';

/** A TCP forwarder a test can cut and restore, to simulate an outage of a real server without mocking it. */
export interface TcpProxy {
  /** The local port (on 127.0.0.1). */
  port: number;
  /** `<scheme>://127.0.0.1:<port>`. */
  url(scheme: string): string;
  /** Refuse/cut: destroy every open connection and refuse new ones (accept then destroy). */
  cut(): void;
  /** Forward again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding every connection to `target`. */
export async function startTcpProxy(options: { target: { host: string; port: number } }): Promise<TcpProxy> {
  const { host, port } = options.target;
  const sockets = new Set<net.Socket>();
  let refusing = false;

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer going away is the normal end of a proxied connection, not a test failure.
    socket.on('error', () => socket.destroy());
  };

  const server = net.createServer((client) => {
    track(client);
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host, port });
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TCP proxy has no port');
  const destroyAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    port: address.port,
    url: (scheme) => `${scheme}://127.0.0.1:${address.port}`,
    cut: () => {
      refusing = true;
      destroyAll();
    },
    restore: () => {
      refusing = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        refusing = true;
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
