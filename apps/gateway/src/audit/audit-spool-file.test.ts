import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRow } from '@mcpgw/store';
import { parseSpoolLine, readSpoolFile, writeSpoolFile } from './audit-spool-file.js';

const row = (i: number, overrides: Partial<AuditRow> = {}): AuditRow => ({
  at: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, i)),
  requestId: `req-${i}`,
  agent: i % 2 ? `agent-${i}` : null,
  authMethod: 'api_key',
  service: 'postgres',
  tool: 'query',
  outcome: 'ok',
  errorCode: null,
  errorName: null,
  durationMs: 1.5 + i,
  peer: '127.0.0.1',
  endpoint: '/mcp/rpc',
  ...overrides,
});

async function readAll(file: string): Promise<{ rows: AuditRow[]; result: Awaited<ReturnType<typeof readSpoolFile>> }> {
  const rows: AuditRow[] = [];
  const result = await readSpoolFile(file, (r) => rows.push(r));
  return { rows, result };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-spool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit spool file', () => {
  it('round-trips rows with Dates as ISO strings, in order, in a 0600 file', async () => {
    const file = join(dir, 'nested', 'round-trip.ndjson');
    const rows = [row(1), row(2, { outcome: 'error', errorCode: -32054, errorName: 'WORKER_CRASHED', agent: null, service: null, tool: null, peer: null })];
    await writeSpoolFile(file, rows, 'replace');
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')).toEqual([JSON.stringify(rows[0]), JSON.stringify(rows[1]), '']);
    expect(JSON.parse(text.split('\n')[0]!).at).toBe('2025-01-01T12:00:00.001Z');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { rows: back, result } = await readAll(file);
    expect(result).toEqual({ found: true, rows: 2, corrupt: 0, corruptLines: [] });
    expect(back).toEqual(rows);
    expect(back[0]!.at).toBeInstanceOf(Date);
  });

  it('appends to an existing file (repairing a torn last line) or replaces it', async () => {
    const file = join(dir, 'append.ndjson');
    await writeFile(file, `${JSON.stringify(row(1))}\n{"requestId":"torn`, { mode: 0o600 });
    await writeSpoolFile(file, [row(2), row(3)], 'append');
    const { rows, result } = await readAll(file);
    expect(rows.map((r) => r.requestId)).toEqual(['req-1', 'req-2', 'req-3']);
    expect(result.corrupt).toBe(1);
    expect(result.corruptLines).toEqual([2]);

    await writeSpoolFile(file, [row(9)], 'replace');
    expect((await readAll(file)).rows.map((r) => r.requestId)).toEqual(['req-9']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('leaves no temporary files behind', async () => {
    const sub = await mkdtemp(join(dir, 'tmpcheck-'));
    const file = join(sub, 'spool.ndjson');
    await writeSpoolFile(file, [row(1)], 'append');
    await writeSpoolFile(file, [row(2)], 'append');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(sub)).toEqual(['spool.ndjson']);
  });

  it('reports a missing file as not found', async () => {
    expect((await readAll(join(dir, 'missing.ndjson'))).result).toEqual({ found: false, rows: 0, corrupt: 0, corruptLines: [] });
  });

  it('rejects lines that are not valid audit rows', () => {
    const good = JSON.stringify(row(1));
    expect(parseSpoolLine(good)).toEqual(row(1));
    expect(parseSpoolLine('not json')).toBeUndefined();
    expect(parseSpoolLine('{"foo":1}')).toBeUndefined();
    expect(parseSpoolLine(JSON.stringify({ ...row(1), at: 'yesterday' }))).toBeUndefined();
    expect(parseSpoolLine(JSON.stringify({ ...row(1), outcome: 'maybe' }))).toBeUndefined();
    expect(parseSpoolLine(JSON.stringify({ ...row(1), durationMs: -1 }))).toBeUndefined();
    expect(parseSpoolLine('null')).toBeUndefined();
  });
});
