import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Connects, sends `text`, and resolves with what came back once it is all echoed or the connection closes. */
function exchange(port: number, text: string): Promise<{ received: string; closedEarly: boolean }> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.length >= text.length) {
        socket.end();
        resolve({ received, closedEarly: false });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received, closedEarly: received.length < text.length }));
  });
}

describe('startTcpProxy', () => {
  let echo: net.Server;
  let echoPort: number;
  let proxy: TcpProxy;

  beforeAll(async () => {
    echo = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: echoPort } });
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  it('forwards bytes both ways and builds URLs on its own port', async () => {
    expect(proxy.port).not.toBe(echoPort);
    expect(proxy.url('redis')).toBe(`redis://127.0.0.1:${proxy.port}`);
    await expect(exchange(proxy.port, 'hello through the proxy')).resolves.toEqual({ received: 'hello through the proxy', closedEarly: false });
  });

  it('cut() closes open connections and refuses new ones; restore() forwards again', async () => {
    const open = net.connect({ host: '127.0.0.1', port: proxy.port });
    open.on('error', () => undefined);
    await new Promise<void>((resolve) => open.once('data', () => resolve()).write('ping'));
    const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));

    proxy.cut();
    await closed;
    expect(await exchange(proxy.port, 'anyone there?')).toEqual({ received: '', closedEarly: true });

    proxy.restore();
    await expect(exchange(proxy.port, 'back again')).resolves.toEqual({ received: 'back again', closedEarly: false });
  });
});
