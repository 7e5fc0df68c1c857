import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRow } from '@mcpgw/store';
import { AuditWriter, type AuditSink, type AuditWriterOptions } from './audit-writer.js';

const row = (i: number): AuditRow => ({
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, 0) + i),
  requestId: `req-${i}`,
  agent: 'agent-a',
  authMethod: 'api_key',
  service: 'postgres',
  tool: 'query',
  outcome: 'ok',
  errorCode: null,
  errorName: null,
  durationMs: 3,
  peer: '10.0.0.1',
  endpoint: '/mcp/rpc',
});
const ids = (rows: readonly AuditRow[]): string[] => rows.map((r) => r.requestId);
const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `req-${from + i}`);

/** Our AuditSink interface backed by an array; `down` makes it reject, `hold()` keeps the next append in flight. */
class ArraySink implements AuditSink {
  readonly batches: AuditRow[][] = [];
  down = false;
  calls = 0;
  maxConcurrent = 0;
  private concurrent = 0;
  private gate: Promise<boolean> | undefined;

  get rows(): AuditRow[] {
    return this.batches.flat();
  }

  /** The next appends wait until `release(ok)`; ok=false makes them fail. */
  hold(): (ok: boolean) => void {
    let open!: (ok: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (open = resolve));
    this.gate = gate;
    return (ok) => {
      if (this.gate === gate) this.gate = undefined;
      open(ok);
    };
  }

  async append(rows: AuditRow[]): Promise<void> {
    this.calls++;
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      if (this.gate && !(await this.gate)) throw new Error('connection terminated unexpectedly');
      if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      this.batches.push([...rows]);
    } finally {
      this.concurrent--;
    }
  }
}

interface LogEntry {
  level: 'warn' | 'info' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function setup(options: Partial<AuditWriterOptions> = {}, sink = new ArraySink()) {
  const logs: LogEntry[] = [];
  const entry = (level: LogEntry['level']) => (obj: object, msg?: string) => logs.push({ level, obj: obj as Record<string, unknown>, msg });
  const seen = { written: [] as number[], dropped: [] as number[], spoolSize: [] as number[], storeState: [] as boolean[] };
  const writer = new AuditWriter({
    sink,
    log: { warn: entry('warn'), info: entry('info'), error: entry('error') },
    flushIntervalMs: 60_000,
    retryBaseMs: 5,
    retryMaxMs: 20,
    events: {
      onWritten: (n) => seen.written.push(n),
      onDropped: (n) => seen.dropped.push(n),
      onSpoolSize: (n) => seen.spoolSize.push(n),
      onStoreState: (up) => seen.storeState.push(up),
    },
    ...options,
  });
  return { writer, sink, logs, seen };
}
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
let fileNo = 0;
const spoolPath = (): string => join(dir, `spool-${++fileNo}.ndjson`);

describe('AuditWriter batching', () => {
  it('writes N recorded rows in batches of batchSize, one append at a time, in order', async () => {
    const { writer, sink, seen } = setup({ batchSize: 100 });
    await writer.start();
    for (let i = 0; i < 250; i++) writer.record(row(i));
    await writer.flush();
    expect(sink.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(ids(sink.rows)).toEqual(range(0, 250));
    expect(sink.maxConcurrent).toBe(1);
    expect(writer.pending).toBe(0);
    expect(sum(seen.written)).toBe(250);
    expect(writer.written).toBe(250);
    await writer.close();
  });

  it('record() is synchronous: nothing reaches the sink during the call', async () => {
    const { writer, sink } = setup({ batchSize: 1 });
    await writer.start();
    writer.record(row(0));
    expect(sink.calls).toBe(0);
    expect(writer.pending).toBe(1);
    await writer.close();
    expect(ids(sink.rows)).toEqual(['req-0']);
  });

  it('flushes on the interval without an explicit flush()', async () => {
    const { writer, sink } = setup({ flushIntervalMs: 10 });
    await writer.start();
    for (let i = 0; i < 3; i++) writer.record(row(i));
    await until(() => sink.rows.length === 3, 'the interval flush wrote 3 rows');
    expect(sink.batches).toHaveLength(1);
    writer.record(row(3));
    await until(() => sink.rows.length === 4, 'a second interval flush wrote the 4th row');
    expect(ids(sink.rows)).toEqual(range(0, 4));
    await writer.close();
  });

  it('starts a flush as soon as batchSize rows are waiting, long before the interval', async () => {
    const { writer, sink } = setup({ batchSize: 10 });
    await writer.start();
    for (let i = 0; i < 9; i++) writer.record(row(i));
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.calls).toBe(0);
    writer.record(row(9));
    await until(() => sink.rows.length === 10, 'a full batch was written');
    expect(sink.batches).toHaveLength(1);
    await writer.close();
  });

  it('keeps rows recorded before start() and writes them after start()', async () => {
    const { writer, sink } = setup();
    writer.record(row(0));
    await writer.flush();
    expect(sink.calls).toBe(0);
    await writer.start();
    await writer.flush();
    expect(ids(sink.rows)).toEqual(['req-0']);
    await writer.close();
  });
});

describe('AuditWriter while the store is down', () => {
  it('spools rows, logs the outage once, retries with back-off and flushes everything in order on recovery', async () => {
    const { writer, sink, logs, seen } = setup({ batchSize: 10 });
    await writer.start();
    sink.down = true;
    for (let i = 0; i < 30; i++) writer.record(row(i));
    await writer.flush();
    expect(writer.pending).toBe(30);
    for (let i = 30; i < 50; i++) writer.record(row(i));
    await writer.flush();
    await until(() => sink.calls >= 6, 'several retries happened');
    expect(writer.pending).toBe(50);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'warn', obj: { spooled: 30 } });
    expect(seen.storeState).toEqual([false]);

    sink.down = false;
    await until(() => writer.pending === 0, 'the backlog was written');
    expect(ids(sink.rows)).toEqual(range(0, 50));
    const infos = logs.filter((l) => l.level === 'info');
    expect(infos).toHaveLength(1);
    expect(infos[0]!.obj).toMatchObject({ rowsFlushed: 10, backlog: 40, dropped: 0 });
    expect(seen.storeState).toEqual([false, true]);
    expect(sum(seen.written)).toBe(50);
    expect(seen.dropped).toEqual([]);
    expect(seen.spoolSize.at(-1)).toBe(0);
    await writer.close();
  });

  it('retries a failed write by itself, without another record() or flush()', async () => {
    const { writer, sink } = setup({ retryBaseMs: 10, retryMaxMs: 10 });
    await writer.start();
    sink.down = true;
    for (let i = 0; i < 3; i++) writer.record(row(i));
    await writer.flush();
    expect(writer.pending).toBe(3);
    sink.down = false;
    await until(() => writer.pending === 0, 'the back-off retry wrote the rows');
    expect(ids(sink.rows)).toEqual(range(0, 3));
    await writer.close();
  });

  it('logs each separate outage once', async () => {
    const { writer, sink, logs } = setup();
    await writer.start();
    for (const outage of [1, 2]) {
      sink.down = true;
      writer.record(row(outage));
      await writer.flush();
      await writer.flush();
      sink.down = false;
      await writer.flush();
    }
    expect(logs.map((l) => l.level)).toEqual(['warn', 'info', 'warn', 'info']);
    expect(ids(sink.rows)).toEqual(['req-1', 'req-2']);
    await writer.close();
  });

  it('keeps at most maxSpoolRows, dropping and counting the oldest', async () => {
    const { writer, sink, logs, seen } = setup({ maxSpoolRows: 10, batchSize: 4 });
    await writer.start();
    sink.down = true;
    writer.record(row(0));
    await writer.flush();
    for (let i = 1; i < 25; i++) writer.record(row(i));
    expect(writer.pending).toBe(10);
    expect(writer.dropped).toBe(15);
    expect(sum(seen.dropped)).toBe(15);
    sink.down = false;
    await writer.flush();
    expect(ids(sink.rows)).toEqual(range(15, 25));
    expect(logs.find((l) => l.level === 'info')!.obj).toMatchObject({ dropped: 15 });
    await writer.close();
  });

  it('evicting rows of the batch in flight loses them only if that append fails', async () => {
    const { writer, sink, seen } = setup({ maxSpoolRows: 5, batchSize: 5 });
    await writer.start();
    for (let i = 0; i < 5; i++) writer.record(row(i));
    let release = sink.hold();
    let flushed = writer.flush();
    await until(() => sink.calls === 1, 'the first batch is in flight');
    for (let i = 5; i < 8; i++) writer.record(row(i)); // evicts req-0..2, which are in flight
    expect(writer.pending).toBe(5);
    release(true);
    await flushed;
    expect(ids(sink.rows)).toEqual(range(0, 5));
    expect(writer.dropped).toBe(0);
    expect(writer.pending).toBe(3);

    // The same again, but the append fails: the evicted in-flight rows are gone.
    for (let i = 8; i < 10; i++) writer.record(row(i)); // queue: 5..9
    release = sink.hold();
    flushed = writer.flush();
    await until(() => sink.calls === 2, 'the second batch is in flight');
    for (let i = 10; i < 13; i++) writer.record(row(i)); // evicts 5..7
    release(false);
    await flushed;
    expect(writer.dropped).toBe(3);
    expect(seen.dropped).toEqual([3]);
    expect(writer.pending).toBe(5);
    await writer.flush();
    expect(ids(sink.rows)).toEqual([...range(0, 5), ...range(8, 13)]);
    await writer.close();
  });

  it('never throws from record(), whatever the sink or the metric callbacks do', async () => {
    const throwingSink: AuditSink = {
      append: () => {
        throw new Error('synchronous failure');
      },
    };
    const logs: string[] = [];
    const writer = new AuditWriter({
      sink: throwingSink,
      log: { warn: (_o, m) => logs.push(`warn ${m}`), info: (_o, m) => logs.push(`info ${m}`), error: (_o, m) => logs.push(`error ${m}`) },
      batchSize: 1,
      maxSpoolRows: 2,
      retryBaseMs: 5,
      retryMaxMs: 5,
      events: {
        onDropped: () => {
          throw new Error('metrics broke');
        },
        onStoreState: () => {
          throw new Error('metrics broke');
        },
      },
    });
    await writer.start();
    for (let i = 0; i < 5; i++) expect(() => writer.record(row(i))).not.toThrow();
    await writer.flush();
    expect(writer.pending).toBe(2);
    expect(logs).toContain('warn audit store is unavailable; keeping audit rows in memory and retrying');
    expect(logs).toContain('error audit metrics callback failed');
    await writer.close({ deadlineMs: 20 });
    expect(logs).toContain('error audit store unavailable at shutdown and no spool file configured; audit rows lost');
    expect(writer.dropped).toBe(5);
  });
});

describe('AuditWriter shutdown and the spool file', () => {
  it('close() writes every queued row, is idempotent, and ignores (and counts) rows recorded afterwards', async () => {
    const file = spoolPath();
    const { writer, sink, seen } = setup({ spoolFile: file });
    await writer.start();
    for (let i = 0; i < 7; i++) writer.record(row(i));
    const closing = writer.close();
    expect(writer.close()).toBe(closing);
    writer.record(row(99));
    await closing;
    expect(ids(sink.rows)).toEqual(range(0, 7));
    expect(existsSync(file)).toBe(false);
    writer.record(row(100));
    expect(writer.pending).toBe(0);
    expect(writer.dropped).toBe(2);
    expect(seen.dropped).toEqual([1, 1]);
    await writer.close();
    expect(sink.rows).toHaveLength(7);
  });

  it('close() keeps retrying until the store comes back within the deadline', async () => {
    const file = spoolPath();
    const { writer, sink } = setup({ spoolFile: file });
    await writer.start();
    sink.down = true;
    for (let i = 0; i < 3; i++) writer.record(row(i));
    const closing = writer.close({ deadlineMs: 10_000 });
    await until(() => sink.calls >= 3, 'close() retried');
    sink.down = false;
    await closing;
    expect(ids(sink.rows)).toEqual(range(0, 3));
    expect(existsSync(file)).toBe(false);
  });

  it('close() while the store is down saves the rows to a 0600 spool file, and the next start() replays then deletes it', async () => {
    const file = spoolPath();
    const first = setup({ spoolFile: file });
    await first.writer.start();
    first.sink.down = true;
    for (let i = 0; i < 5; i++) first.writer.record(row(i));
    await first.writer.close({ deadlineMs: 30 });
    expect(first.sink.rows).toEqual([]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(range(0, 5));
    expect(JSON.parse(lines[0]!).at).toBe('2025-01-01T00:00:00.000Z');
    expect(first.logs.at(-1)).toMatchObject({ level: 'warn', obj: { rows: 5, file } });
    expect(first.writer.dropped).toBe(0);

    const second = setup({ spoolFile: file });
    second.writer.record(row(5)); // recorded before start(): newer than the file's rows
    await second.writer.start();
    expect(second.writer.pending).toBe(6);
    await second.writer.flush();
    expect(ids(second.sink.rows)).toEqual(range(0, 6));
    expect(second.sink.rows[0]).toEqual(row(0));
    expect(existsSync(file)).toBe(false);
    await second.writer.close();
    expect(existsSync(file)).toBe(false);
  });

  it('keeps the spool file until its rows are written, and rewrites it without duplicates if the store is still down', async () => {
    const file = spoolPath();
    await writeFile(file, `${[0, 1, 2].map((i) => JSON.stringify(row(i))).join('\n')}\n`, { mode: 0o600 });
    const { writer, sink } = setup({ spoolFile: file, batchSize: 2 });
    sink.down = true;
    await writer.start();
    await writer.flush();
    expect(writer.pending).toBe(3);
    expect(existsSync(file)).toBe(true);
    writer.record(row(3));
    await writer.close({ deadlineMs: 30 });
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(range(0, 4));
  });

  it('does not delete the spool file after a partial replay: a crash then loses nothing', async () => {
    const file = spoolPath();
    await writeFile(file, `${[0, 1, 2, 3].map((i) => JSON.stringify(row(i))).join('\n')}\n`, { mode: 0o600 });
    const { writer, sink } = setup({ spoolFile: file, batchSize: 2 });
    await writer.start();
    const releaseFirst = sink.hold();
    const flushed = writer.flush();
    await until(() => sink.calls === 1, 'the first batch is in flight');
    const releaseSecond = sink.hold();
    releaseFirst(true); // the first batch (0, 1) is written ...
    await until(() => sink.calls === 2, 'the second batch is in flight');
    releaseSecond(false); // ... the second (2, 3) fails
    await flushed;
    expect(ids(sink.rows)).toEqual(range(0, 2));
    expect(existsSync(file)).toBe(true);
    expect(writer.pending).toBe(2);
    await writer.flush();
    expect(ids(sink.rows)).toEqual(range(0, 4));
    expect(existsSync(file)).toBe(false);
    await writer.close();
  });

  it('close() gives up on an append that hangs past the deadline and saves its rows too (a late success duplicates, never loses)', async () => {
    const file = spoolPath();
    const { writer, sink, logs } = setup({ spoolFile: file });
    await writer.start();
    for (let i = 0; i < 3; i++) writer.record(row(i));
    const release = sink.hold();
    await writer.close({ deadlineMs: 30 });
    expect(sink.calls).toBe(1);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(range(0, 3));
    release(true);
    await until(() => sink.rows.length === 3, 'the late append finished');
    await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(file)).toBe(true);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('appends to a spool file it never loaded (start() was not called) instead of overwriting it', async () => {
    const file = spoolPath();
    await writeFile(file, `${JSON.stringify(row(0))}\n`, { mode: 0o600 });
    const { writer, sink } = setup({ spoolFile: file });
    sink.down = true;
    writer.record(row(1));
    await writer.close({ deadlineMs: 20 });
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(['req-0', 'req-1']);
  });

  it('skips corrupt spool lines with one warning and replays the valid ones', async () => {
    const file = spoolPath();
    const text = [
      JSON.stringify(row(0)),
      '{"requestId": "torn',
      '{"foo": 1}',
      '',
      JSON.stringify({ ...row(1), at: 'not a date' }),
      JSON.stringify(row(2)),
      '\u0000\u0000garbage',
    ].join('\n');
    await writeFile(file, text, { mode: 0o600 });
    const { writer, sink, logs } = setup({ spoolFile: file });
    await writer.start();
    await writer.flush();
    expect(ids(sink.rows)).toEqual(['req-0', 'req-2']);
    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ file, skipped: 4, lines: [2, 3, 5, 7] });
    expect(existsSync(file)).toBe(false);
    await writer.close();
  });

  it('replays at most maxSpoolRows from a large spool file, keeping the newest', async () => {
    const file = spoolPath();
    await writeFile(file, `${Array.from({ length: 50 }, (_, i) => JSON.stringify(row(i))).join('\n')}\n`, { mode: 0o600 });
    const { writer, sink, seen } = setup({ spoolFile: file, maxSpoolRows: 20 });
    await writer.start();
    expect(writer.pending).toBe(20);
    expect(sum(seen.dropped)).toBe(30);
    await writer.flush();
    expect(ids(sink.rows)).toEqual(range(30, 50));
    expect(existsSync(file)).toBe(false);
    await writer.close();
  });
});
