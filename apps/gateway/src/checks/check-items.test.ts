import { describe, expect, it } from '@jest/globals';
import { readCheckItems } from './check-items.js';

describe('readCheckItems', () => {
  it('takes numbers as they are and arrays by their length', () => {
    const result = { summary: { overdue: 2, due_today: 0 }, obligations: [{}, {}, {}] };
    expect(readCheckItems({ overdue: '$.summary.overdue', due_today: '$.summary.due_today', listed: '$.obligations' }, result)).toEqual({
      overdue: 2,
      due_today: 0,
      listed: 3,
    });
  });

  it('leaves out a state whose path reads nothing countable, rather than reporting zero', () => {
    const result = { summary: { overdue: 'two', late: -1, odd: null } };
    expect(readCheckItems({ overdue: '$.summary.overdue', late: '$.summary.late', odd: '$.summary.odd', gone: '$.nothing.here' }, result)).toEqual({});
  });
});
