import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, REDIS_URL, testRedisPrefix, waitFor } from '@mcpgw/test-support';
import pino from 'pino';
import type { GatewayLogger } from '../logger.js';
import { WebhookNotifier, type DeliveryOutcome } from './webhook-notifier.js';
import { verifyWebhook } from './webhook-signature.js';

/**
 * Durable deliveries on the real Redis, each test on a key prefix of its own: the notifier queues
 * (event, URL) jobs on `alert-webhooks` and its consumer sends them to local receivers.
 */
const secret = 'queue-test-secret-0123456';
const log = pino({ level: 'silent' }) as unknown as GatewayLogger;

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  status: number;
}

interface Receiver {
  url: string;
  received: Received[];
  /** The status of the next answers (the last one repeats); `hang` never answers. */
  answers: (number | 'hang')[];
}

const servers: Server[] = [];
const prefixes: string[] = [];
const notifiers: WebhookNotifier[] = [];

async function receiver(answers: (number | 'hang')[]): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], answers };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const answer = r.answers[Math.min(r.received.length, r.answers.length - 1)]!;
      r.received.push({ body, headers: req.headers, status: answer === 'hang' ? 0 : answer });
      if (answer !== 'hang') res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return r;
}

function prefix(): string {
  const p = testRedisPrefix();
  prefixes.push(p);
  return p;
}

function notifier(
  urls: string[],
  keyPrefix: string,
  outcomes: DeliveryOutcome[],
  options: { attempts?: number; allowHosts?: string[]; redisUrl?: string; timeoutMs?: number } = {},
): WebhookNotifier {
  const n = new WebhookNotifier({
    urls,
    secret,
    allowHosts: options.allowHosts ?? ['127.0.0.1'],
    attempts: options.attempts ?? 5,
    timeoutMs: options.timeoutMs ?? 2_000,
    backoffBaseMs: 20,
    log,
    onOutcome: (o) => outcomes.push(o),
    redis: { url: options.redisUrl ?? REDIS_URL, keyPrefix },
  });
  notifiers.push(n);
  return n;
}

const verified = (r: Received) => verifyWebhook(secret, { signature: r.headers['x-mcpgw-signature'] as string, timestamp: r.headers['x-mcpgw-timestamp'] as string }, r.body);

afterEach(async () => {
  for (const n of notifiers.splice(0)) await n.close(1_000);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

afterAll(async () => {
  for (const p of prefixes) await deleteRedisKeys(p);
});

describe('durable alert webhook deliveries', () => {
  it('retries 503s from the queue and delivers once, on the third attempt, with one delivery id and a valid signature each time', async () => {
    const r = await receiver([503, 503, 200]);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier([r.url], prefix(), outcomes);
    expect(n.durable).toBe(true);
    n.start();
    n.notify('opened', { id: '7', check: 'disk' });
    await waitFor(() => outcomes.length > 0, 15_000, 'the delivery outcome');
    expect(outcomes).toEqual(['delivered']);
    expect(r.received.map((x) => x.status)).toEqual([503, 503, 200]);
    expect(new Set(r.received.map((x) => x.headers['x-mcpgw-delivery'])).size).toBe(1);
    expect(r.received.every(verified)).toBe(true);
    expect(JSON.parse(r.received[2]!.body)).toMatchObject({ event: 'opened', alert: { id: '7', check: 'disk' } });
    // The body is the same on every attempt; only the timestamp and signature are per attempt.
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    const completed = await n.deliveries('completed', 10);
    expect(completed?.deliveries).toEqual([
      expect.objectContaining({ delivery: r.received[0]!.headers['x-mcpgw-delivery'], event: 'opened', alertId: '7', check: 'disk', webhook: r.url, state: 'completed', attempts: 3 }),
    ]);
  });

  it('retries 408 and 429 but not other 4xx or a redirect: those end at once, kept in the failed set', async () => {
    const slow = await receiver([408, 429, 200]);
    const bad = await receiver([404]);
    const moved = await receiver([301]);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier([slow.url, bad.url, moved.url], prefix(), outcomes);
    n.start();
    n.notify('resolved', { id: '8', check: 'disk' });
    await waitFor(() => outcomes.length === 3, 15_000, 'three outcomes');
    expect([...outcomes].sort()).toEqual(['delivered', 'refused', 'refused']);
    expect(slow.received).toHaveLength(3);
    expect(bad.received).toHaveLength(1);
    expect(moved.received).toHaveLength(1);
    const failed = await n.deliveries('failed', 10);
    expect(failed?.counts).toMatchObject({ failed: 2, completed: 1, waiting: 0, delayed: 0, active: 0 });
    expect(failed?.deliveries.map((d) => [d.webhook, d.attempts, d.reason]).sort()).toEqual(
      [
        [bad.url, 1, 'the receiver answered HTTP 404; not retried'],
        [moved.url, 1, 'the receiver answered HTTP 301; not retried'],
      ].sort(),
    );
  });

  it('keeps a delivery that failed every attempt in the failed set', async () => {
    const r = await receiver([503]);
    const outcomes: DeliveryOutcome[] = [];
    const n = notifier([r.url], prefix(), outcomes, { attempts: 3 });
    n.start();
    n.notify('opened', { id: '9', check: 'queue' });
    await waitFor(() => outcomes.length > 0, 15_000, 'the delivery outcome');
    expect(outcomes).toEqual(['failed']);
    expect(r.received).toHaveLength(3);
    const failed = await n.deliveries('failed', 10);
    expect(failed?.deliveries).toEqual([expect.objectContaining({ alertId: '9', state: 'failed', attempts: 3, maxAttempts: 3, reason: 'HTTP 503' })]);
    expect(await n.queueCounts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 1 });
  });

  it('checks the URL against the current ALERT_WEBHOOK_URLS and the SSRF guard when it sends, not when it queued', async () => {
    const r = await receiver([200]);
    const keyPrefix = prefix();
    // A process queues deliveries to r and stops before sending them (its consumer never started).
    const producer = notifier([r.url], keyPrefix, []);
    producer.notify('opened', { id: '10' });
    await producer.close(1_000);
    // The next start no longer allows 127.0.0.1: the guard refuses, nothing is sent.
    const guarded: DeliveryOutcome[] = [];
    const strict = notifier([r.url], keyPrefix, guarded, { allowHosts: [] });
    strict.start();
    await waitFor(() => guarded.length > 0, 15_000, 'the refusal');
    expect(guarded).toEqual(['refused']);
    expect((await strict.deliveries('failed', 10))?.deliveries[0]?.reason).toMatch(/resolves to 127\.0\.0\.1.*ALERT_WEBHOOK_ALLOW_HOSTS/);
    await strict.close(1_000);

    const again = notifier([r.url], keyPrefix, []);
    again.notify('resolved', { id: '10' });
    await again.close(1_000);
    // The URL was removed from the configuration: dropped, not sent.
    const other = await receiver([200]);
    const dropped: DeliveryOutcome[] = [];
    const reconfigured = notifier([other.url], keyPrefix, dropped);
    reconfigured.start();
    await waitFor(() => dropped.length > 0, 15_000, 'the drop');
    expect(dropped).toEqual(['refused']);
    const failed = await reconfigured.deliveries('failed', 10);
    expect(failed?.deliveries.find((d) => d.event === 'resolved')?.reason).toBe(`${r.url} is no longer in ALERT_WEBHOOK_URLS; the delivery is dropped`);
    expect(r.received).toHaveLength(0);
    expect(other.received).toHaveLength(0);
  });

  it('leaves a delivery that is backing off, or cut short by close(), queued for the next start, which sends it with the same delivery id', async () => {
    const down = await receiver([503]);
    const hanging = await receiver(['hang']);
    const keyPrefix = prefix();
    const first: DeliveryOutcome[] = [];
    const a = notifier([down.url, hanging.url], keyPrefix, first, { attempts: 10, timeoutMs: 60_000 });
    a.start();
    a.notify('opened', { id: '11' });
    await waitFor(() => down.received.length >= 2 && hanging.received.length === 1, 15_000, 'failing attempts and a hanging one');
    // The shutdown deadline cuts the hanging attempt short: it goes back to the queue without using an attempt.
    await a.close(200);
    expect(first).toEqual([]);
    const pending = await notifier([down.url, hanging.url], keyPrefix, []).deliveries('delayed', 10);
    const waiting = await notifier([down.url, hanging.url], keyPrefix, []).deliveries('waiting', 10);
    const queued = [...(pending?.deliveries ?? []), ...(waiting?.deliveries ?? [])];
    expect(queued.map((d) => d.webhook).sort()).toEqual([down.url, hanging.url].sort());
    expect(queued.find((d) => d.webhook === hanging.url)?.attempts).toBe(0);

    // The receivers are back; a new consumer on the same prefix delivers both.
    down.answers = [200];
    hanging.answers = [200];
    const second: DeliveryOutcome[] = [];
    const b = notifier([down.url, hanging.url], keyPrefix, second, { attempts: 10 });
    b.start();
    await waitFor(() => second.length === 2, 15_000, 'both deliveries');
    expect(second).toEqual(['delivered', 'delivered']);
    const ids = new Set([...down.received, ...hanging.received].map((x) => x.headers['x-mcpgw-delivery']));
    expect(ids.size).toBe(1);
    expect(down.received.filter((x) => x.status === 200)).toHaveLength(1);
    expect(hanging.received.filter((x) => x.status === 200)).toHaveLength(1);
    expect([...down.received, ...hanging.received].every(verified)).toBe(true);
  });

  it('delivers from memory when Redis does not take the event', async () => {
    const r = await receiver([503, 200]);
    const outcomes: DeliveryOutcome[] = [];
    // Nothing listens on port 1: enqueueing fails at once and the event is sent from this process.
    const n = notifier([r.url], prefix(), outcomes, { redisUrl: 'redis://127.0.0.1:1' });
    n.start();
    n.notify('acknowledged', { id: '12' });
    await waitFor(() => outcomes.length > 0, 15_000, 'the delivery outcome');
    expect(outcomes).toEqual(['delivered']);
    expect(r.received.map((x) => x.status)).toEqual([503, 200]);
    expect(r.received.every(verified)).toBe(true);
    await expect(n.deliveries('failed', 10)).rejects.toBeInstanceOf(Error);
  });
});
