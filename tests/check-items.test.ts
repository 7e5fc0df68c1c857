import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deleteRedisKeys,
  execute,
  metricValue,
  REDIS_URL,
  REPO_ROOT,
  scrape,
  startGateway,
  testRedisPrefix,
  waitFor,
  type GatewayProcess,
  type Sample,
} from '@mcpgw/test-support';

/**
 * mcp_check_items from the shipped BIR deadline check, run against the real bir worker and its
 * sandbox compliance data: the check's `gauges` export the overdue, due-today and due-soon counts
 * of its latest run, which match what the tool answers, and follow a recorded filing.
 */
const YAML = createRequire(join(REPO_ROOT, 'apps/gateway/package.json'))('yaml') as { parse(text: string): unknown };
const CHECK = 'bir-filing-deadlines';
const prefix = testRedisPrefix();
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-check-items-'));
const shipped = (YAML.parse(readFileSync(join(REPO_ROOT, 'apps/gateway/checks.default.yaml'), 'utf8')) as { checks: Record<string, any>[] }).checks.find((c) => c['name'] === CHECK)!;
let gateway: GatewayProcess;

beforeAll(async () => {
  // The shipped check as it is, but every 500 ms instead of weekdays at 08:00.
  const checksFile = join(dir, 'checks.json');
  writeFileSync(checksFile, JSON.stringify({ checks: [{ ...shipped, schedule: { everyMs: 500 } }] }));
  gateway = await startGateway({ env: { WORKERS: 'bir', REDIS_URL, REDIS_KEY_PREFIX: prefix, CHECKS_FILE: checksFile }, timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await deleteRedisKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const items = (samples: Sample[]) =>
  Object.fromEntries(samples.filter((s) => s.name === 'mcp_check_items' && s.labels['check'] === CHECK).map((s) => [s.labels['state'], s.value]));

/** What the tool answers right now, with the check's own arguments. */
async function deadlines(): Promise<{ summary: Record<string, number>; obligations: Record<string, any>[] }> {
  const response = await execute(gateway.url, 'bir', 'track_bir_filing_deadlines', shipped['arguments']);
  expect(response.status).toBe(200);
  return response.body.result.data;
}

describe('the BIR deadline check exports its counts', () => {
  it('as mcp_check_items{state} equal to the summary of the tool, with the alert open when any is non-zero', async () => {
    expect(Object.keys(shipped['gauges'])).toEqual(['overdue', 'due_today', 'due_soon']);
    await waitFor(async () => Object.keys(items(await scrape(gateway.metricsUrl))).length === 3, 30_000, 'the first run of the check');
    const { summary } = await deadlines();
    const samples = await scrape(gateway.metricsUrl);
    expect(items(samples)).toEqual({ overdue: summary['overdue'], due_today: summary['due_today'], due_soon: summary['due_soon'] });
    // The sandbox data has overdue filings, so the alert the rules page on is there too.
    expect(summary['overdue']).toBeGreaterThan(0);
    await waitFor(async () => metricValue(await scrape(gateway.metricsUrl), 'mcp_alerts_open', { check: CHECK }) === 1, 10_000, 'the open alert');
  }, 60_000);

  it('drops the overdue count on the next run after a filing is recorded', async () => {
    const before = items(await scrape(gateway.metricsUrl));
    const overdue = (await deadlines()).obligations.find((o) => o['status'] === 'overdue')!;
    const filing = { agency: overdue['agency'], form: overdue['formCode'], period: `${overdue['periodStart']}..${overdue['periodEnd']}`, filed_at: new Date().toISOString(), reference: 'CHECK-ITEMS-1' };
    expect((await execute(gateway.url, 'bir', 'record_bir_filing', filing)).status).toBe(200);
    await waitFor(async () => items(await scrape(gateway.metricsUrl))['overdue'] === before['overdue']! - 1, 15_000, 'the overdue count to drop by one');
    const { summary } = await deadlines();
    expect(items(await scrape(gateway.metricsUrl))).toEqual({ overdue: summary['overdue'], due_today: summary['due_today'], due_soon: summary['due_soon'] });
  }, 60_000);
});
