import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeHttpServer, recordCall, type FakeRequestBody } from './fake-http-server.js';

/** The shared plumbing of the fakes: body cap, latency, close, calls log. */
const servers: FakeHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(maxBodyBytes: number, latencyMs: () => number = () => 0): Promise<{ server: FakeHttpServer; bodies: FakeRequestBody[] }> {
  const bodies: FakeRequestBody[] = [];
  const server = new FakeHttpServer({
    maxBodyBytes,
    latencyMs,
    serve: (_req, res, body) => {
      bodies.push(body);
      res.writeHead(body.tooLarge ? 413 : 200, { 'content-type': 'text/plain' }).end(body.bytes.toString('utf8'));
    },
  });
  servers.push(server);
  await server.listen();
  return { server, bodies };
}

describe('FakeHttpServer', () => {
  it('listens on 127.0.0.1 and hands the whole body to serve', async () => {
    const { server, bodies } = await start(16);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(server.url, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    expect(bodies[0]).toMatchObject({ size: 5, tooLarge: false });
  });

  it('reads a body over the cap to its end and marks it too large, keeping only the first chunks within the cap', async () => {
    const { server, bodies } = await start(4);
    const response = await fetch(server.url, { method: 'POST', body: 'x'.repeat(100) });
    expect(response.status).toBe(413);
    expect(bodies[0]!.size).toBe(100);
    expect(bodies[0]!.tooLarge).toBe(true);
    expect(bodies[0]!.bytes.length).toBeLessThanOrEqual(4);
  });

  it('holds an answer for the latency knob and drops it on close', async () => {
    let arrived: () => void = () => undefined;
    const delayed = new Promise<void>((resolve) => (arrived = resolve));
    const { server, bodies } = await start(16, () => {
      arrived();
      return 60_000;
    });
    const pending = fetch(server.url).then(
      () => 'answered',
      () => 'dropped',
    );
    await delayed;
    await server.close();
    servers.length = 0;
    expect(await pending).toBe('dropped');
    expect(bodies).toHaveLength(0);
  });

  it('rejects listen when the port is taken', async () => {
    const { server } = await start(16);
    const other = new FakeHttpServer({ maxBodyBytes: 16, latencyMs: () => 0, serve: () => undefined });
    await expect(other.listen(Number(new URL(server.url).port))).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('recordCall', () => {
  it('keeps the newest maxCalls entries', () => {
    const calls: number[] = [];
    for (let i = 1; i <= 5; i += 1) recordCall(calls, i, 3);
    expect(calls).toEqual([3, 4, 5]);
  });
});
