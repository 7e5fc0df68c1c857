import { afterAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from '@mcpgw/test-support';
import { CheckItemsStore } from './check-items-store.js';

/** Two stores on one Redis prefix stand for two replicas: what one run wrote, every replica reads. */
const prefix = testRedisPrefix();
const writer = new CheckItemsStore(REDIS_URL, prefix);
const reader = new CheckItemsStore(REDIS_URL, prefix);

afterAll(async () => {
  writer.close();
  reader.close();
  await deleteRedisKeys(prefix);
});

describe('CheckItemsStore', () => {
  it('gives every replica the latest counts of the checks it asks for, and nothing for checks never run', async () => {
    expect(await reader.read(['bir-filing-deadlines'])).toEqual([]);
    await writer.save('bir-filing-deadlines', { overdue: 2, due_today: 1, due_soon: 0 }, new Date('2026-11-27T00:00:01Z'));
    await writer.save('other', { open: 4 });
    await writer.save('bir-filing-deadlines', { overdue: 1, due_today: 0, due_soon: 3 }, new Date('2026-11-30T00:00:01Z'));
    expect(await reader.read(['bir-filing-deadlines', 'never-ran'])).toEqual([
      { check: 'bir-filing-deadlines', counts: { overdue: 1, due_today: 0, due_soon: 3 }, at: '2026-11-30T00:00:01.000Z' },
    ]);
    expect(reader.key).toBe(`${prefix}check-items`);
  });
});
