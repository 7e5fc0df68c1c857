import { describe, expect, it } from '@jest/globals';
import { assertExplainable, assertReadStatement, firstKeyword } from './read-only-guard.js';

describe('read-only guard', () => {
  it.each([
    ['select 1', 'select'],
    ['  -- note\n /* a /* nested */ comment */ (SELECT 1)', 'select'],
    ['WITH x AS (select 1) select * from x', 'with'],
    ['\n\tshow search_path', 'show'],
    ['', ''],
    ['/* unterminated', ''],
  ])('finds the first keyword of %j', (sql, keyword) => {
    expect(firstKeyword(sql)).toBe(keyword);
  });

  it.each(['COMMIT; DROP TABLE x', 'delete from x', 'DO $$ BEGIN END $$', "COPY x TO PROGRAM 'id'", 'SET ROLE postgres', 'begin', 'vacuum', 'insert into x values (1)'])(
    'refuses %j before it reaches the database',
    (sql) => {
      expect(() => assertReadStatement(sql)).toThrow(/only read statements are allowed/);
    },
  );

  it('lets EXPLAIN plan writes but not smuggle options', () => {
    expect(() => assertExplainable('update x set a = 1')).not.toThrow();
    expect(() => assertExplainable('ANALYZE delete from x')).toThrow(/explain plans/);
  });
});
