import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { GatewayLogger } from '../logger.js';
import { WebhookNotifier, type DeliveryOutcome } from './webhook-notifier.js';
import { verifyWebhook } from './webhook-signature.js';

const secret = 'notifier-test-secret-0123';
const log = pino({ level: 'silent' }) as unknown as GatewayLogger;

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A receiver answering the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[], extra: Record<string, string> = {}): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.writeHead(statuses[Math.min(received.length - 1, statuses.length - 1)]!, extra).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function notifier(url: string, outcomes: DeliveryOutcome[], allowHosts = ['127.0.0.1']): WebhookNotifier {
  return new WebhookNotifier({ urls: [url], secret, allowHosts, attempts: 4, timeoutMs: 2_000, backoffBaseMs: 20, log, onOutcome: (o) => outcomes.push(o) });
}

async function settle(n: WebhookNotifier): Promise<void> {
  await n.close(10_000);
}

describe('the alert webhook notifier', () => {
  it('delivers a signed JSON event the receiver can verify', async () => {
    const r = await receiver([200]);
    servers.push(r.server);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier(r.url, outcomes);
    n.notify('opened', { id: '1', check: 'c' });
    await settle(n);
    expect(outcomes).toEqual(['delivered']);
    const [got] = r.received;
    expect(JSON.parse(got!.body)).toMatchObject({ event: 'opened', alert: { id: '1', check: 'c' } });
    expect(got!.headers['content-type']).toBe('application/json');
    expect(verifyWebhook(secret, { signature: got!.headers['x-mcpgw-signature'] as string, timestamp: got!.headers['x-mcpgw-timestamp'] as string }, got!.body)).toBe(true);
  });

  it('retries 500s with back-off and delivers, with one delivery id across attempts', async () => {
    const r = await receiver([500, 500, 200]);
    servers.push(r.server);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier(r.url, outcomes);
    n.notify('resolved', { id: '2' });
    await settle(n);
    expect(outcomes).toEqual(['delivered']);
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((x) => x.headers['x-mcpgw-delivery'])).size).toBe(1);
  });

  it('gives up after the configured attempts', async () => {
    const r = await receiver([503]);
    servers.push(r.server);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier(r.url, outcomes);
    n.notify('opened', { id: '3' });
    await settle(n);
    expect(outcomes).toEqual(['failed']);
    expect(r.received).toHaveLength(4);
  });

  it('does not follow a redirect nor retry a 4xx', async () => {
    const redirect = await receiver([302], { location: 'http://169.254.169.254/latest/meta-data' });
    const bad = await receiver([400]);
    servers.push(redirect.server, bad.server);
    const outcomes: DeliveryOutcome[] = [];
    const a = notifier(redirect.url, outcomes);
    const b = notifier(bad.url, outcomes);
    a.notify('opened', { id: '4' });
    b.notify('opened', { id: '4' });
    await Promise.all([settle(a), settle(b)]);
    expect(outcomes).toEqual(['refused', 'refused']);
    expect(redirect.received).toHaveLength(1);
    expect(bad.received).toHaveLength(1);
  });

  it('refuses a loopback receiver that is not in the allow-list without sending anything', async () => {
    const r = await receiver([200]);
    servers.push(r.server);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier(r.url, outcomes, []);
    n.notify('opened', { id: '5' });
    await settle(n);
    expect(outcomes).toEqual(['refused']);
    expect(r.received).toHaveLength(0);
  });
});
