import { describe, expect, it } from '@jest/globals';
import { JobProgressRelay, type JobProgressValue } from './job-progress.js';

describe('JobProgressRelay', () => {
  it('writes the first progress at once, holds the rest within the interval, and flush writes only the last one', async () => {
    const written: JobProgressValue[] = [];
    const relay = new JobProgressRelay(async (v) => void written.push(v), () => undefined, 60_000);
    for (let i = 1; i <= 100; i++) relay.notify('notifications/progress', { progressToken: 'job', progress: i, total: 100, message: `step ${i}` });
    await relay.flush();
    expect(written).toEqual([
      { progress: 1, total: 100, message: 'step 1' },
      { progress: 100, total: 100, message: 'step 100' },
    ]);
    await relay.flush();
    expect(written).toHaveLength(2);
  });

  it('ignores other notifications and progress that is not a number; a failed write is reported, not thrown', async () => {
    const errors: unknown[] = [];
    const relay = new JobProgressRelay(async () => {
      throw new Error('redis down');
    }, (e) => errors.push(e), 60_000);
    relay.notify('notifications/message', { level: 'info', data: 'x' });
    relay.notify('notifications/progress', { progress: 'half' });
    await relay.flush();
    expect(errors).toEqual([]);
    relay.notify('notifications/progress', { progress: 0.5 });
    await expect(relay.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('refuses requests back to a client: a job has none', async () => {
    const relay = new JobProgressRelay(async () => undefined, () => undefined);
    await expect(relay.request()).resolves.toMatchObject({ error: { code: -32601 } });
  });
});
