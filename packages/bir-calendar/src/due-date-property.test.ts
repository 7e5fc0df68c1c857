import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { addDays, dayOfWeek, isoDate } from './dates.js';
import { HolidayCalendar, type HolidayInput } from './holidays.js';
import { obligationsFor, type TaxEntity } from './obligations.js';

const entity: fc.Arbitrary<TaxEntity> = fc.record({
  vatRegistered: fc.boolean(),
  hasEmployees: fc.boolean(),
  efpsGroup: fc.constantFrom(null, 'A', 'B', 'C', 'D', 'E'),
  taxpayerClass: fc.constantFrom('micro', 'small', 'medium', 'large'),
  fiscalYearEndMonth: fc.integer({ min: 1, max: 12 }),
  finalWithholding: fc.boolean(),
});

const day = (year: number) => fc.integer({ min: 0, max: 364 }).map((n) => addDays(isoDate(year, 1, 1), n));

const extraDays = (year: number): fc.Arbitrary<HolidayInput[]> =>
  fc.array(
    fc.record({ date: day(year), name: fc.constant('operator day'), kind: fc.constantFrom('special_non_working' as const, 'regular' as const, 'bir_extension' as const) }),
    { maxLength: 15 },
  );

describe('due dates (property)', () => {
  it('never fall on a Saturday, a Sunday or a holiday, for any entity, year and operator-supplied days', () => {
    fc.assert(
      fc.property(
        entity,
        fc.integer({ min: 1990, max: 2100 }).chain((year) => fc.tuple(fc.constant(year), extraDays(year))),
        (taxpayer, [year, extra]) => {
          const calendar = new HolidayCalendar(extra);
          const obligations = obligationsFor(taxpayer, { from: isoDate(year, 1, 1), to: isoDate(year, 12, 31), calendar });
          for (const o of obligations) {
            expect([0, 6]).not.toContain(dayOfWeek(o.dueDate));
            expect(calendar.holidaysOn(o.dueDate, o.formCode)).toEqual([]);
            expect(o.dueDate >= o.rawDueDate).toBe(true);
            // The first business day on or after the rule's date: every day between is non-working.
            for (let d = o.rawDueDate; d < o.dueDate; d = addDays(d, 1)) expect(calendar.isNonWorkingDay(d, o.formCode)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('places every deadline of a year inside a window built from that year', () => {
    fc.assert(
      fc.property(entity, fc.integer({ min: 2000, max: 2060 }), (taxpayer, year) => {
        const list = obligationsFor(taxpayer, { from: isoDate(year, 3, 1), to: isoDate(year, 8, 31) });
        for (const o of list) expect(o.dueDate >= isoDate(year, 3, 1) && o.dueDate <= isoDate(year, 8, 31)).toBe(true);
        const keys = list.map((o) => `${o.formCode}/${o.periodStart}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 100 },
    );
  });
});
