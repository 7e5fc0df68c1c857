import { describe, expect, it } from '@jest/globals';
import { compare, conditionSchema, evaluateCondition, renderMessage, type Condition } from './condition.js';
import { parsePath, readPath } from './json-path.js';

const bir = { total: 2, summary: { overdue: 1, due_today: 0, due_soon: 1 }, obligations: [{ agency: 'A' }, { agency: 'B' }] };

describe('paths', () => {
  it('reads dotted names, indexes and quoted keys; missing steps give undefined', () => {
    expect(readPath(bir, parsePath('$.summary.overdue'))).toBe(1);
    expect(readPath(bir, parsePath('$.obligations[1].agency'))).toBe('B');
    expect(readPath({ 'odd key': 3 }, parsePath('$["odd key"]'))).toBe(3);
    expect(readPath(bir, parsePath('$.nothing.here'))).toBeUndefined();
    expect(readPath(bir, parsePath('$'))).toBe(bir);
  });

  it('never reads inherited properties', () => {
    expect(readPath({}, parsePath('$.constructor'))).toBeUndefined();
    expect(readPath({}, parsePath('$.__proto__'))).toBeUndefined();
  });

  it('refuses what it does not understand', () => {
    expect(() => parsePath('summary')).toThrow('must start with $');
    expect(() => parsePath('$.a[*]')).toThrow('not understood at "[*]"');
    expect(() => parsePath('$..a')).toThrow('not understood');
  });
});

describe('comparisons', () => {
  it('compare numbers with numbers and strings with strings, never across types', () => {
    expect(compare(3, '>', 2)).toBe(true);
    expect(compare('3', '>', 2)).toBe(false);
    expect(compare('b', '>=', 'a')).toBe(true);
    expect(compare(undefined, '<', 1)).toBe(false);
  });

  it('equality is deep; != is false for a missing value', () => {
    expect(compare({ a: [1] }, '==', { a: [1] })).toBe(true);
    expect(compare(undefined, '!=', 1)).toBe(false);
    expect(compare(2, 'in', [1, 2])).toBe(true);
    expect(compare(['x', 'y'], 'contains', 'y')).toBe(true);
    expect(compare('overdue soon', 'contains', 'soon')).toBe(true);
    expect(compare(null, 'exists')).toBe(false);
    expect(compare([], 'empty')).toBe(true);
  });
});

describe('conditions', () => {
  const parse = (c: unknown): Condition => conditionSchema.parse(c);

  it('a comparison on a path is true with details naming the path and the value found', () => {
    const result = evaluateCondition(parse({ path: '$.summary.overdue', op: '>', value: 0 }), bir, undefined);
    expect(result).toEqual({ matched: true, details: [{ path: '$.summary.overdue', op: '>', value: 0, actual: 1 }] });
    expect(evaluateCondition(parse({ path: '$.summary.due_today', op: '>', value: 0 }), bir, undefined)).toEqual({ matched: false, details: [] });
  });

  it('count compares the length of an array', () => {
    expect(evaluateCondition(parse({ count: '$.obligations', op: '>=', value: 2 }), bir, undefined).matched).toBe(true);
    expect(evaluateCondition(parse({ count: '$.missing', op: '==', value: 0 }), bir, undefined).matched).toBe(false);
  });

  it('any, all and not combine', () => {
    const overdueOrToday = parse({ any: [{ path: '$.summary.overdue', op: '>', value: 0 }, { path: '$.summary.due_today', op: '>', value: 0 }] });
    expect(evaluateCondition(overdueOrToday, bir, undefined).details).toHaveLength(1);
    expect(evaluateCondition(parse({ all: [{ path: '$.total', op: '>', value: 0 }, { path: '$.summary.due_today', op: '>', value: 0 }] }), bir, undefined).matched).toBe(false);
    expect(evaluateCondition(parse({ not: { path: '$.summary.due_today', op: '>', value: 0 } }), bir, undefined).matched).toBe(true);
  });

  it('new is true for items whose key was not seen on the previous run, and remembers this run\'s keys', () => {
    const condition = parse({ new: '$.jobs', key: ['origin', 'id'] });
    const run1 = { jobs: [{ origin: 'odoo', id: 1 }, { origin: 'supabase', id: 1 }] };
    const first = evaluateCondition(condition, run1, undefined);
    expect(first.matched).toBe(true); // first run: everything already failing is reported once
    expect(first.seen).toHaveLength(2);
    const second = evaluateCondition(condition, run1, first.seen);
    expect(second).toEqual({ matched: false, details: [], seen: first.seen });
    const run3 = { jobs: [{ origin: 'odoo', id: 2 }, ...run1.jobs] };
    const third = evaluateCondition(condition, run3, second.seen);
    expect(third.matched).toBe(true);
    expect(third.details).toEqual([{ new: '$.jobs', key: ['origin', 'id'], count: 1, items: [{ origin: 'odoo', id: 2 }] }]);
  });

  it('new inside any still records its memory when another branch is true first', () => {
    const condition = parse({ any: [{ path: '$.flag', op: '==', value: true }, { new: '$.jobs', key: 'id' }] });
    expect(evaluateCondition(condition, { flag: true, jobs: [{ id: 7 }] }, undefined).seen).toEqual(['["7"]']);
  });

  it('rejects scripts, unknown ops and malformed shapes', () => {
    expect(conditionSchema.safeParse({ path: '$.a', op: 'eval', value: 'process.exit()' }).success).toBe(false);
    expect(conditionSchema.safeParse({ expr: 'a > 1' }).success).toBe(false);
    expect(conditionSchema.safeParse({ path: '$.a', op: 'in', value: 3 }).success).toBe(false);
    expect(conditionSchema.safeParse({ any: [] }).success).toBe(false);
  });
});

describe('messages', () => {
  it('replace {{$.path}} with the value, collections by size, missing values by ?', () => {
    expect(renderMessage('{{$.summary.overdue}} overdue of {{ $.obligations }}; {{$.nope}}', bir)).toBe('1 overdue of 2; ?');
  });
});
