import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openStore, type GatewayStore } from '@mcpgw/store';
import { DATABASE_URL, dropSchema } from '@mcpgw/test-support';
import pino from 'pino';
import type { GatewayLogger } from '../logger.js';
import { AlertManager } from './alert-manager.js';
import type { AlertEvent } from './webhook-notifier.js';

const log = pino({ level: 'silent' }) as unknown as GatewayLogger;
const schema = `alerts_${process.pid}_${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-alerts-'));
let store: GatewayStore;

beforeAll(async () => {
  store = await openStore({ databaseUrl: DATABASE_URL, schema, dataDir, log });
});

afterAll(async () => {
  await store.close();
  await dropSchema(schema);
  rmSync(dataDir, { recursive: true, force: true });
});

function manager(): { alerts: AlertManager; events: { event: AlertEvent; alert: Record<string, unknown> }[] } {
  const events: { event: AlertEvent; alert: Record<string, unknown> }[] = [];
  return { alerts: new AlertManager(store.alerts, { notify: (event, alert) => events.push({ event, alert }) }, log), events };
}

const run = (check: string, message = 'something is wrong') => ({ check, dedupeKey: check, service: 'echo', tool: 'echo', severity: 'warning', message, details: { n: 1 } });

describe('the alert state machine', () => {
  it('opens once, counts repeats without notifying, and resolves when the condition clears', async () => {
    const { alerts, events } = manager();
    expect((await alerts.record(run('a'), false)).transition).toBe('clear');
    const opened = await alerts.record(run('a'), true);
    expect(opened.transition).toBe('opened');
    expect((await alerts.record(run('a', 'still wrong'), true)).transition).toBe('repeated');
    const third = await alerts.record(run('a'), true);
    expect(third.alert).toMatchObject({ status: 'open', count: 3, message: 'something is wrong' });
    const resolved = await alerts.record(run('a'), false);
    expect(resolved.transition).toBe('resolved');
    expect(resolved.alert?.resolvedAt).toBeInstanceOf(Date);
    expect(events.map((e) => [e.event, e.alert['id']])).toEqual([
      ['opened', opened.alert!.id],
      ['resolved', opened.alert!.id],
    ]);
    // The condition returns: a new alert, the old one stays resolved history.
    const again = await alerts.record(run('a'), true);
    expect(again.transition).toBe('opened');
    expect(again.alert!.id).not.toBe(opened.alert!.id);
    expect((await store.alerts.get(opened.alert!.id))?.status).toBe('resolved');
  });

  it('acknowledges once; an acknowledged alert keeps counting and resolves like an open one', async () => {
    const { alerts, events } = manager();
    const { alert } = await alerts.record(run('b'), true);
    const ack = await alerts.acknowledge(alert!.id, 'ops-oncall');
    expect(ack).toMatchObject({ changed: true, alert: { status: 'acknowledged', acknowledgedBy: 'ops-oncall' } });
    expect((await alerts.acknowledge(alert!.id, 'someone-else'))).toMatchObject({ changed: false, alert: { acknowledgedBy: 'ops-oncall' } });
    expect((await alerts.record(run('b'), true))).toMatchObject({ transition: 'repeated', alert: { status: 'acknowledged', count: 2 } });
    expect((await alerts.record(run('b'), false)).transition).toBe('resolved');
    expect(await alerts.acknowledge(alert!.id, 'late')).toMatchObject({ changed: false, alert: { status: 'resolved' } });
    expect(await alerts.acknowledge('999999999', 'x')).toBeUndefined();
    expect(events.map((e) => e.event)).toEqual(['opened', 'acknowledged', 'resolved']);
  });

  it('keeps one unresolved alert per key when runs race', async () => {
    const { alerts, events } = manager();
    const results = await Promise.all(Array.from({ length: 8 }, () => alerts.record(run('c'), true)));
    expect(results.filter((r) => r.transition === 'opened')).toHaveLength(1);
    expect(new Set(results.map((r) => r.alert!.id)).size).toBe(1);
    expect(events).toHaveLength(1);
    expect((await store.alerts.list({ status: 'open', limit: 100 })).filter((a) => a.check === 'c')).toEqual([expect.objectContaining({ count: 8 })]);
  });

  it('counts open alerts per check and remembers a check\'s seen items', async () => {
    const counts = await store.alerts.countOpen();
    expect(counts.find((c) => c.check === 'c')).toEqual({ check: 'c', count: 1 });
    expect(counts.find((c) => c.check === 'b')).toBeUndefined();
    expect(await store.alerts.seenItems('jobs')).toBeUndefined();
    await store.alerts.saveSeenItems('jobs', ['["odoo",1]']);
    await store.alerts.saveSeenItems('jobs', ['["odoo",2]']);
    expect(await store.alerts.seenItems('jobs')).toEqual(['["odoo",2]']);
  });
});
