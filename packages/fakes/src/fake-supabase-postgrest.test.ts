import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { contentRange, parseRangeHeader, planInsert, planRead, PostgrestError, splitTopLevel, type TableInfo } from './fake-supabase-postgrest.js';

const TABLE: TableInfo = {
  schema: 'public',
  name: 'error_logs',
  columns: new Map([
    ['id', 'bigint'],
    ['level', 'text'],
    ['source', 'text'],
    ['message', 'text'],
  ]),
  primaryKey: ['id'],
};
const read = (qs: string) => planRead(TABLE, new URLSearchParams(qs), { range: null, maxRows: 1000, hideRows: false });

describe('PostgREST query planning', () => {
  it('splits on top-level commas only', () => {
    expect(splitTopLevel('a.eq.1,and(b.eq.2,c.in.(3,4)),d.eq."x,y"')).toEqual(['a.eq.1', 'and(b.eq.2,c.in.(3,4))', 'd.eq."x,y"']);
    expect(() => splitTopLevel('a.in.(1,2')).toThrow(PostgrestError);
  });

  it('turns filters into bind parameters and quoted known columns', () => {
    const plan = read('select=id,level&level=in.(error,critical)&source=ilike.*odoo*&or=(id.gt.10,message.is.null)&order=id.desc.nullslast&limit=5&offset=10');
    expect(plan.params).toEqual(['error', 'critical', '%odoo%', '10']);
    expect(plan.sql).toContain('"level" IN ($1, $2)');
    expect(plan.sql).toContain('"source"::text ILIKE $3');
    expect(plan.sql).toContain('("id" > $4 OR "message" IS NULL)');
    expect(plan.sql).toContain('ORDER BY "id" DESC NULLS LAST LIMIT 5 OFFSET 10');
    expect(plan.countSql).not.toContain('LIMIT');
  });

  it('takes the smaller of limit, the Range size and the row cap', () => {
    const plan = planRead(TABLE, new URLSearchParams('limit=50'), { range: { first: 20, last: 29 }, maxRows: 1000, hideRows: false });
    expect(plan).toMatchObject({ offset: 20, limit: 10 });
    expect(planRead(TABLE, new URLSearchParams(''), { range: null, maxRows: 1000, hideRows: false }).limit).toBe(1000);
    expect(() => read('limit=-1')).toThrow(PostgrestError);
  });

  it('never puts caller text into the SQL: values are parameters, names must be real columns', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.constantFrom('eq', 'neq', 'gt', 'like', 'ilike', 'not.eq'), (value, op) => {
        fc.pre(!/[*]/.test(value));
        const plan = read(new URLSearchParams({ message: `${op}.${value}` }).toString());
        expect(plan.params).toEqual([value]);
        // The SQL text is the same whatever the value: only the parameter changes.
        expect(plan.sql).toBe(read(new URLSearchParams({ message: `${op}.x` }).toString()).sql);
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => !TABLE.columns.has(s.trim()) && s.trim() !== '' && s.trim() !== '*' && !['select', 'order', 'limit', 'offset', 'or', 'and', 'not.or', 'not.and', 'on_conflict', 'columns', 'apikey'].includes(s)), (name) => {
        expect(() => read(new URLSearchParams({ [name]: 'eq.1' }).toString())).toThrow(PostgrestError);
        expect(() => read(new URLSearchParams({ select: name }).toString())).toThrow(PostgrestError);
      }),
    );
  });

  it('plans inserts from the body keys and rejects unknown columns', () => {
    const plan = planInsert(TABLE, new URLSearchParams(), [{ level: 'info', source: 's', message: 'm' }], { resolution: null });
    expect(plan.sql).toContain('INSERT INTO "public"."error_logs" ("level", "source", "message")');
    expect(plan.params).toEqual([JSON.stringify([{ level: 'info', source: 's', message: 'm' }])]);
    expect(() => planInsert(TABLE, new URLSearchParams(), { 'level"); DROP TABLE x; --': 1 }, { resolution: null })).toThrow(/PGRST204|Could not find/);
    expect(() => planInsert(TABLE, new URLSearchParams(), [{ level: 'a' }, { source: 'b' }], { resolution: null })).toThrow(/keys must match/);
  });

  it('parses Range headers and formats Content-Range', () => {
    expect(parseRangeHeader('0-24')).toEqual({ first: 0, last: 24 });
    expect(parseRangeHeader('10-')).toEqual({ first: 10, last: null });
    expect(parseRangeHeader(undefined)).toBeNull();
    expect(() => parseRangeHeader('5-1')).toThrow(PostgrestError);
    expect(() => parseRangeHeader('abc')).toThrow(PostgrestError);
    expect(contentRange(0, 25, 137)).toBe('0-24/137');
    expect(contentRange(0, 0, 137)).toBe('*/137');
    expect(contentRange(5, 10, null)).toBe('5-14/*');
  });
});
