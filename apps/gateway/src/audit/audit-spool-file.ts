import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditRow } from '@mcpgw/store';
import { z } from 'zod';

/**
 * The audit spool file: audit rows the store could not take before shutdown, one JSON object per
 * line (NDJSON, `at` as an ISO string), read back and replayed on the next start.
 */

/** One spool line. Unknown keys are ignored so an older gateway can read a newer file. */
const spoolLineSchema = z.object({
  at: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
  requestId: z.string(),
  agent: z.string().nullable(),
  authMethod: z.enum(['local', 'api_key', 'jwt', 'none']),
  service: z.string().nullable(),
  tool: z.string().nullable(),
  outcome: z.enum(['ok', 'error', 'denied', 'unauthenticated', 'rate_limited']),
  errorCode: z.number().int().nullable(),
  errorName: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  peer: z.string().nullable(),
  endpoint: z.string(),
});

/** How many bad line numbers a read reports (the count is always exact). */
const MAX_REPORTED_BAD_LINES = 10;

/** What `readSpoolFile` found. */
export interface SpoolReadResult {
  /** False when there was no spool file. */
  found: boolean;
  /** Rows handed to `onRow`. */
  rows: number;
  /** Lines that were not a valid audit row (skipped). */
  corrupt: number;
  /** 1-based numbers of the first few corrupt lines, for the warning. */
  corruptLines: number[];
}

/** Parses one spool line; undefined when it is not a valid audit row. */
export function parseSpoolLine(line: string): AuditRow | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = spoolLineSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const row: AuditRow = parsed.data;
  return row;
}

/**
 * Streams the spool file line by line, oldest row first, so a large file never has to fit in memory
 * at once. Blank lines are ignored; corrupt ones (a torn write, a hand edit) are counted and skipped.
 */
export async function readSpoolFile(file: string, onRow: (row: AuditRow) => void): Promise<SpoolReadResult> {
  const result: SpoolReadResult = { found: false, rows: 0, corrupt: 0, corruptLines: [] };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  result.found = true;
  try {
    let lineNumber = 0;
    for await (const line of handle.readLines({ encoding: 'utf8' })) {
      lineNumber++;
      if (line.trim() === '') continue;
      const row = parseSpoolLine(line);
      if (row) {
        result.rows++;
        onRow(row);
      } else {
        result.corrupt++;
        if (result.corruptLines.length < MAX_REPORTED_BAD_LINES) result.corruptLines.push(lineNumber);
      }
    }
  } finally {
    await handle.close();
  }
  return result;
}

/**
 * Writes `rows` to the spool file atomically: the new content goes to a temporary file (mode 0600)
 * that is synced and renamed over the spool file, so a crash leaves either the old or the new file.
 * `replace` drops what the file held (its rows were loaded and are part of `rows`); `append` keeps it.
 */
export async function writeSpoolFile(file: string, rows: readonly AuditRow[], mode: 'replace' | 'append'): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (mode === 'append') {
      try {
        await copyFile(file, temp);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const handle = await open(temp, 'a+', 0o600);
    try {
      await handle.chmod(0o600);
      const { size } = await handle.stat();
      let text = '';
      if (size > 0) {
        // A torn last line must not swallow the first new row.
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) text = '\n';
      }
      for (const row of rows) text += `${JSON.stringify(row)}\n`;
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Deletes the spool file (no error when it is already gone). */
export async function deleteSpoolFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
