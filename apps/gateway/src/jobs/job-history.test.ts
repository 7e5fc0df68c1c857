import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openStore, type GatewayStore, type JobHistoryRecord, type JobRepository } from '@mcpgw/store';
import { DATABASE_URL, dropSchema } from '@mcpgw/test-support';
import pino from 'pino';
import { HISTORY_BATCH_ROWS, JobHistory } from './job-history.js';

/** JobHistory against the real store (PostgreSQL, a schema of its own); statements counted on the way. */
const schema = `jobhist_${process.pid}_${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-jobhist-'));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const log = pino({ level: 'silent' });
let store: GatewayStore;

beforeAll(async () => {
  store = await openStore({ databaseUrl: DATABASE_URL, schema, dataDir, log: quiet });
});

afterAll(async () => {
  await store?.close();
  await dropSchema(schema);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The store's repository, with every upsertMany statement's row count kept. */
function counted(): { repository: JobRepository; statements: number[] } {
  const statements: number[] = [];
  const real = store.jobs;
  const repository: JobRepository = {
    upsert: (r) => real.upsert(r),
    upsertMany: (rows) => {
      statements.push(rows.length);
      return real.upsertMany(rows);
    },
    get: (id) => real.get(id),
    list: (q) => real.list(q),
  };
  return { repository, statements };
}

let seq = 0;
function row(status: JobHistoryRecord['status'], id = `echo.t${seq++}`, attempts = 1): JobHistoryRecord {
  const now = new Date();
  const finished = status === 'completed' || status === 'failed' || status === 'dead';
  return {
    id,
    service: 'echo',
    tool: 'echo',
    agent: 'agent-a',
    status,
    attempts,
    errorName: null,
    errorMessage: null,
    submittedAt: now,
    startedAt: status === 'queued' ? null : now,
    finishedAt: finished ? now : null,
    durationMs: finished ? 1 : null,
    result: status === 'completed' ? { ok: true } : null,
  };
}

describe('JobHistory', () => {
  it('writes the rows of a flush interval in one statement, a job submitted, started and finished as its final row', async () => {
    const { repository, statements } = counted();
    const history = new JobHistory(repository, log, 100);
    const id = `echo.t${seq++}`;
    history.record(row('queued', id));
    history.record(row('active', id));
    history.record(row('completed', id));
    const others = Array.from({ length: 20 }, () => row('queued'));
    for (const r of others) history.record(r);
    expect(statements).toEqual([]); // nothing before the interval ends
    await history.flush();
    expect(statements).toEqual([21]);
    const stored = await store.jobs.get(id);
    expect(stored).toMatchObject({ id, status: 'completed', result: { ok: true } });
    expect(await store.jobs.get(others[19]!.id)).toMatchObject({ status: 'queued' });
  });

  it('writes on its own once the interval has passed (no flush call)', async () => {
    const { repository, statements } = counted();
    const history = new JobHistory(repository, log, 20);
    const r = row('completed');
    history.record(r);
    for (let i = 0; i < 100 && !(await store.jobs.get(r.id)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.jobs.get(r.id)).toMatchObject({ status: 'completed' });
    expect(statements).toEqual([1]);
  });

  it('starts a write at once when a batch is full, and never moves a finished job back', async () => {
    const { repository, statements } = counted();
    const history = new JobHistory(repository, log, 60_000);
    const rows = Array.from({ length: HISTORY_BATCH_ROWS }, () => row('completed'));
    for (const r of rows) history.record(r);
    expect(statements).toEqual([HISTORY_BATCH_ROWS]); // did not wait a minute
    // A late `active` row of the same attempt (recorded after the finish) does not undo it.
    history.record(row('active', rows[0]!.id));
    await history.flush();
    expect(await store.jobs.get(rows[0]!.id)).toMatchObject({ status: 'completed' });
  });

  it('keeps recording while the store is down: the failed batch is logged and dropped, later rows are written', async () => {
    const failing: JobRepository = {
      ...store.jobs,
      upsertMany: () => Promise.reject(new Error('store unreachable')),
      get: (id) => store.jobs.get(id),
      list: (q) => store.jobs.list(q),
      upsert: (r) => store.jobs.upsert(r),
    };
    let down = true;
    const warnings: string[] = [];
    const repository: JobRepository = { ...failing, upsertMany: (rows) => (down ? failing.upsertMany(rows) : store.jobs.upsertMany(rows)) };
    const history = new JobHistory(repository, { ...log, warn: (_o: object, m?: string) => warnings.push(m ?? '') } as unknown as typeof log, 0);
    const lost = row('completed');
    history.record(lost);
    await history.flush();
    expect(warnings).toEqual(['job history rows not written (the jobs themselves are safe in Redis)']);
    down = false;
    const kept = row('completed');
    history.record(kept);
    await history.flush();
    expect(await store.jobs.get(kept.id)).toMatchObject({ status: 'completed' });
    expect(await store.jobs.get(lost.id)).toBeUndefined();
  });
});
