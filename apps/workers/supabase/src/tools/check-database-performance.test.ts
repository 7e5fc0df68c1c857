import { describe, expect, it } from '@jest/globals';
import { maskLiterals } from './check-database-performance.js';

describe('maskLiterals', () => {
  it('hides string and dollar-quoted literals of live statements, keeping their shape', () => {
    expect(maskLiterals("ALTER ROLE app PASSWORD 'hunter2'")).toBe("ALTER ROLE app PASSWORD '…'");
    expect(maskLiterals("select * from t where a = 'it''s' and b = $1")).toBe("select * from t where a = '…' and b = $1");
    expect(maskLiterals('select $tag$secret$tag$, $$also$$')).toBe("select '…', '…'");
    expect(maskLiterals("insert into t values ('cut off at 300 chars")).toBe("insert into t values ('…'");
    expect(maskLiterals(null)).toBeNull();
  });
});
