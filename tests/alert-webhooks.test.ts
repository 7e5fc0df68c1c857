import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyWebhook } from '../apps/gateway/src/alerts/webhook-signature.js';
import { deleteRedisKeys, getJson, metricValue, REDIS_URL, scrape, startGateway, TEST_WORKER_ENTRY, testRedisPrefix, waitFor, type GatewayProcess } from '@mcpgw/test-support';

/**
 * Alert webhook deliveries survive a gateway that dies: a gateway opens an alert while the receiver
 * answers 503, is SIGKILLed while the delivery backs off, and a second gateway process on the same
 * Redis prefix (with no checks of its own) delivers the pending event once the receiver is back —
 * once, with the delivery id of the first attempts and a valid signature on every attempt.
 */
const secret = 'alert-webhooks-test-secret-42';
const prefix = testRedisPrefix();
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-webhooks-'));
const flagFile = join(dir, 'flag');
const checksFile = join(dir, 'checks.yaml');

interface Attempt {
  event: string;
  alertId: string;
  delivery: string;
  verified: boolean;
  status: number;
}

const attempts: Attempt[] = [];
/** What the receiver answers right now. */
let answer = 503;
let receiver: Server;
let webhook: string;
const gateways: GatewayProcess[] = [];

function gatewayEnv(extra: Record<string, string>): Record<string, string> {
  return {
    WORKERS: 'none',
    EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
    ECHO_FLAG_FILE: flagFile,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    ALERT_WEBHOOK_URLS: webhook,
    ALERT_WEBHOOK_SECRET: secret,
    ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    // Many attempts, the first waits about a second apart: the delivery is still backing off when the gateway dies.
    ALERT_WEBHOOK_ATTEMPTS: '12',
    ALERT_WEBHOOK_BACKOFF_MS: '1000',
    ...extra,
  };
}

beforeAll(async () => {
  writeFileSync(flagFile, 'on');
  writeFileSync(
    checksFile,
    `checks:
  - name: flag-on
    service: echo
    tool: read_flag
    schedule: { everyMs: 300 }
    condition: { path: $.flag, op: "==", value: "on" }
    message: "the flag is {{$.flag}}"
`,
  );
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { event: string; alert: { id: string } };
      attempts.push({
        event: parsed.event,
        alertId: parsed.alert.id,
        delivery: String(req.headers['x-mcpgw-delivery']),
        verified: verifyWebhook(secret, { signature: req.headers['x-mcpgw-signature'] as string, timestamp: req.headers['x-mcpgw-timestamp'] as string }, body),
        status: answer,
      });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
}, 30_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await new Promise((r) => receiver?.close(r));
  await deleteRedisKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('durable alert webhooks', () => {
  it('delivers an event whose gateway was SIGKILLed while the receiver failed, from the next gateway on the same Redis', async () => {
    const first = await startGateway({ env: gatewayEnv({ CHECKS_FILE: checksFile }) });
    gateways.push(first);
    const retrying = () => first.output.some((line) => line.includes('alert webhook delivery failed; retrying'));
    await waitFor(retrying, 20_000, 'a failed attempt of the opened event');
    // The attempt is recorded and the job is back in Redis, backing off: kill the gateway now.
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const beforeRestart = attempts.length;
    expect(beforeRestart).toBeGreaterThanOrEqual(1);
    expect(attempts.every((a) => a.event === 'opened' && a.status === 503)).toBe(true);
    const delivery = attempts[0]!.delivery;
    const alertId = attempts[0]!.alertId;

    // A new gateway on the same prefix, without checks: it only has the queued delivery to send.
    const second = await startGateway({ env: gatewayEnv({ CHECKS_FILE: 'none' }) });
    gateways.push(second);
    // It takes the delivery over while the receiver still fails, ...
    await waitFor(() => attempts.length > beforeRestart, 60_000, 'an attempt from the new gateway');
    // ... and delivers it once the receiver is back.
    answer = 200;
    await waitFor(() => attempts.some((a) => a.status === 200), 60_000, 'the delivery');
    await waitFor(async () => metricValue(await scrape(second.metricsUrl), 'mcp_alert_notifications_total', { outcome: 'delivered' }) === 1, 10_000, 'the delivered metric');

    expect(attempts.filter((a) => a.status === 200)).toHaveLength(1);
    expect(attempts.every((a) => a.event === 'opened' && a.alertId === alertId && a.delivery === delivery && a.verified)).toBe(true);
    const done = await getJson(`${second.url}/alerts/webhooks?state=completed`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ durable: true, state: 'completed', counts: { waiting: 0, delayed: 0, active: 0, failed: 0, completed: 1 } });
    expect(done.body.deliveries).toEqual([expect.objectContaining({ delivery, event: 'opened', alertId, check: 'flag-on', webhook, state: 'completed' })]);
    // Attempts of both processes count against ALERT_WEBHOOK_ATTEMPTS (one cut short by the kill would not).
    expect(done.body.deliveries[0].attempts).toBeGreaterThanOrEqual(3);
    const samples = await scrape(second.metricsUrl);
    expect(metricValue(samples, 'mcp_alert_webhook_deliveries', { state: 'failed' })).toBe(0);
    expect(metricValue(samples, 'mcp_alert_webhook_deliveries', { state: 'delayed' })).toBe(0);
  }, 150_000);

  it('answers a clear error for a bad listing query', async () => {
    const gateway = gateways.at(-1)!;
    const bad = await getJson(`${gateway.url}/alerts/webhooks?state=lost`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/state is one of waiting, delayed, active, failed, completed/);
    expect((await getJson(`${gateway.url}/alerts/webhooks?limit=0`)).status).toBe(400);
    const failed = await getJson(`${gateway.url}/alerts/webhooks`);
    expect(failed.body).toMatchObject({ durable: true, state: 'failed', deliveries: [] });
  });
});
