import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyWebhook } from '../apps/gateway/src/alerts/webhook-signature.js';
import {
  deleteRedisKeys,
  getJson,
  metricValue,
  postJson,
  REDIS_URL,
  scrape,
  startGateway,
  TEST_WORKER_ENTRY,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
} from '@mcpgw/test-support';

/**
 * Scheduled checks end to end: a gateway on the real Redis (own prefix) runs a check every 500 ms on
 * the test worker's read_flag tool; the test flips the flag file. A local receiver verifies every
 * webhook signature and answers 500 twice before its first 200, so the first event needs retries.
 */
const secret = 'checks-alerts-test-secret-42';
const prefix = testRedisPrefix();
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-checks-'));
const flagFile = join(dir, 'flag');
const checksFile = join(dir, 'checks.yaml');

interface Delivery {
  event: string;
  alert: { id: string; status: string; count: number; check: string; message: string };
  delivery: string;
  verified: boolean;
  status: number;
}

const deliveries: Delivery[] = [];
let receiver: Server;
let gateway: GatewayProcess;

async function startReceiver(): Promise<string> {
  let requests = 0;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests += 1;
      const status = requests <= 2 ? 500 : 200;
      const parsed = JSON.parse(body) as { event: string; alert: Delivery['alert'] };
      deliveries.push({
        event: parsed.event,
        alert: parsed.alert,
        delivery: String(req.headers['x-mcpgw-delivery']),
        verified: verifyWebhook(secret, { signature: req.headers['x-mcpgw-signature'] as string, timestamp: req.headers['x-mcpgw-timestamp'] as string }, body),
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
}

const delivered = (event: string) => deliveries.filter((d) => d.event === event && d.status === 200);

beforeAll(async () => {
  writeFileSync(flagFile, 'on');
  writeFileSync(
    checksFile,
    `checks:
  - name: flag-on
    service: echo
    tool: read_flag
    schedule: { everyMs: 500 }
    condition: { path: $.flag, op: "==", value: "on" }
    severity: critical
    message: "the flag is {{$.flag}}"
`,
  );
  const webhook = await startReceiver();
  gateway = await startGateway({
    env: {
      WORKERS: 'none',
      EXTRA_WORKERS: `echo=${TEST_WORKER_ENTRY}`,
      ECHO_FLAG_FILE: flagFile,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      CHECKS_FILE: checksFile,
      ALERT_WEBHOOK_URLS: webhook,
      ALERT_WEBHOOK_SECRET: secret,
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_BACKOFF_MS: '50',
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await new Promise((r) => receiver?.close(r));
  await deleteRedisKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('scheduled checks and alerts', () => {
  let alertId: string;

  it('opens one alert for a true condition however many runs see it, delivered signed after two 500s', async () => {
    await waitFor(() => delivered('opened').length === 1, 15_000, 'the opened event');
    // Several more runs with the condition still true.
    await waitFor(async () => metricValue(await scrape(gateway.metricsUrl), 'mcp_check_runs_total', { check: 'flag-on', outcome: 'alert' }) >= 4, 15_000, 'four alerting runs');
    const opened = deliveries.filter((d) => d.event === 'opened');
    expect(opened.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(new Set(opened.map((d) => d.delivery)).size).toBe(1);
    expect(deliveries.every((d) => d.verified)).toBe(true);
    expect(opened[2]!.alert).toMatchObject({ check: 'flag-on', status: 'open', message: 'the flag is on' });

    const list = await getJson(`${gateway.url}/alerts?status=open`);
    expect(list.status).toBe(200);
    expect(list.body.alerts).toHaveLength(1);
    expect(list.body.alerts[0]).toMatchObject({ check: 'flag-on', severity: 'critical', service: 'echo', tool: 'read_flag', status: 'open' });
    expect(list.body.alerts[0].count).toBeGreaterThanOrEqual(4);
    alertId = list.body.alerts[0].id;
    const samples = await scrape(gateway.metricsUrl);
    expect(metricValue(samples, 'mcp_alerts_open', { check: 'flag-on' })).toBe(1);
    expect(metricValue(samples, 'mcp_alert_notifications_total', { outcome: 'delivered' })).toBe(1);
  });

  it('acknowledges through the API, once, and tells the webhook', async () => {
    const ack = await postJson(`${gateway.url}/alerts/${alertId}/ack`, {});
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ changed: true, alert: { id: alertId, status: 'acknowledged', acknowledgedBy: 'local' } });
    expect((await postJson(`${gateway.url}/alerts/${alertId}/ack`, {})).body.changed).toBe(false);
    await waitFor(() => delivered('acknowledged').length === 1, 10_000, 'the acknowledged event');
    expect(metricValue(await scrape(gateway.metricsUrl), 'mcp_alerts_open', { check: 'flag-on' })).toBe(0);
  });

  it('resolves when the condition clears, and a resolved alert cannot be acknowledged', async () => {
    writeFileSync(flagFile, 'off');
    await waitFor(() => delivered('resolved').length === 1, 15_000, 'the resolved event');
    expect(delivered('resolved')[0]!.alert).toMatchObject({ id: alertId, status: 'resolved' });
    const resolved = await getJson(`${gateway.url}/alerts?status=resolved`);
    expect(resolved.body.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
    expect((await getJson(`${gateway.url}/alerts?status=open`)).body.alerts).toEqual([]);
    const late = await postJson(`${gateway.url}/alerts/${alertId}/ack`, {});
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: -32071, name: 'ALERT_RESOLVED' });
    expect(delivered('opened')).toHaveLength(1);
  });

  it('audits the check runs as agent scheduler on endpoint check', async () => {
    await waitFor(async () => (await getJson(`${gateway.url}/admin/audit?agent=scheduler&limit=5`)).body.rows.length > 0, 10_000, 'audit rows');
    const rows = (await getJson(`${gateway.url}/admin/audit?agent=scheduler&limit=5`)).body.rows;
    expect(rows[0]).toMatchObject({ agent: 'scheduler', service: 'echo', tool: 'read_flag', outcome: 'ok', endpoint: 'check' });
  });

  it('answers clear errors for unknown alerts and bad input', async () => {
    const missing = await getJson(`${gateway.url}/alerts/999999`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: -32070, name: 'ALERT_NOT_FOUND' });
    expect((await getJson(`${gateway.url}/alerts?status=closed`)).status).toBe(400);
    expect((await postJson(`${gateway.url}/alerts/abc/ack`, {})).status).toBe(400);
  });
});
