import { describe, expect, it } from '@jest/globals';
import { addDays, daysBetween, isIsoDate, lastDayOfMonth, manilaDate } from './dates.js';
import { HolidayCalendar, easterSunday, parseHolidayList, regularHolidays } from './holidays.js';

describe('Philippine regular holidays', () => {
  it.each([
    [2000, '2000-04-23'],
    [2022, '2022-04-17'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('computes Easter %i as %s', (year, easter) => {
    expect(easterSunday(year)).toBe(easter);
  });

  it('lists the regular holidays of 2026 as proclaimed, Holy Week from Easter and Heroes Day on the last Monday of August', () => {
    expect(regularHolidays(2026).map((h) => [h.date, h.name])).toEqual([
      ['2026-01-01', "New Year's Day"],
      ['2026-04-02', 'Maundy Thursday'],
      ['2026-04-03', 'Good Friday'],
      ['2026-04-09', 'Araw ng Kagitingan'],
      ['2026-05-01', 'Labor Day'],
      ['2026-06-12', 'Independence Day'],
      ['2026-08-31', 'National Heroes Day'],
      ['2026-11-30', 'Bonifacio Day'],
      ['2026-12-25', 'Christmas Day'],
      ['2026-12-30', 'Rizal Day'],
    ]);
  });

  it('computes the leap year 2028 (Holy Week after Araw ng Kagitingan, Heroes Day on 28 August)', () => {
    const dates = regularHolidays(2028).map((h) => h.date);
    expect(dates).toEqual(['2028-01-01', '2028-04-09', '2028-04-13', '2028-04-14', '2028-05-01', '2028-06-12', '2028-08-28', '2028-11-30', '2028-12-25', '2028-12-30']);
  });
});

describe('HolidayCalendar.rollForward', () => {
  const calendar = new HolidayCalendar();

  it('keeps a business day', () => {
    expect(calendar.rollForward('2026-04-08')).toEqual({ date: '2026-04-08', skipped: [] });
  });

  it('moves a Saturday to Monday', () => {
    expect(calendar.rollForward('2026-01-10')).toEqual({
      date: '2026-01-12',
      skipped: [
        { date: '2026-01-10', reason: 'saturday' },
        { date: '2026-01-11', reason: 'sunday' },
      ],
    });
  });

  it('moves Maundy Thursday over Good Friday and the Easter weekend', () => {
    expect(calendar.rollForward('2026-04-02').date).toBe('2026-04-06');
  });

  it('moves Rizal Day (30 December) to the 31st, or further when the operator declares the 31st a special day', () => {
    expect(calendar.rollForward('2026-12-30')).toEqual({ date: '2026-12-31', skipped: [{ date: '2026-12-30', reason: 'holiday', holidays: ['Rizal Day'] }] });
    const withEve = new HolidayCalendar([{ date: '2026-12-31', name: "New Year's Eve", kind: 'special_non_working' }]);
    expect(withEve.rollForward('2026-12-30').date).toBe('2027-01-04'); // 31 Dec, New Year's Day, then the weekend
  });

  it('honours a proclamation that moves a holiday (working_day cancels the computed one)', () => {
    const moved = new HolidayCalendar([
      { date: '2026-04-09', name: 'Araw ng Kagitingan moved', kind: 'working_day' },
      { date: '2026-04-10', name: 'Araw ng Kagitingan (observed)', kind: 'regular' },
    ]);
    expect(moved.isNonWorkingDay('2026-04-09')).toBe(false);
    expect(moved.rollForward('2026-04-10').date).toBe('2026-04-13');
    expect(moved.holidaysIn(2026).find((h) => h.date === '2026-04-09')).toMatchObject({ kind: 'working_day', source: 'operator' });
  });

  it('applies a form-limited extension day only to those forms', () => {
    const limited = new HolidayCalendar([{ date: '2026-04-15', name: 'eFPS outage', kind: 'bir_extension', forms: ['1702-RT'] }]);
    expect(limited.rollForward('2026-04-15', '1702-RT').date).toBe('2026-04-16');
    expect(limited.rollForward('2026-04-15', '1601-C').date).toBe('2026-04-15');
  });
});

describe('parseHolidayList (BIR_HOLIDAYS_FILE)', () => {
  it('reads a JSON list, with kind aliases and optional forms and extendedTo', () => {
    const { holidays, problems } = parseHolidayList(
      JSON.stringify([
        { date: '2026-03-20', name: "Eid'l Fitr", kind: 'regular' },
        { date: '2026-08-21', name: 'Ninoy Aquino Day', kind: 'special' },
        { date: '2026-04-15', name: 'RMC 40-2026', kind: 'extension', forms: ['1702-rt'], extendedTo: '2026-05-15' },
        { date: '2026-11-02', name: 'All Souls' },
      ]),
    );
    expect(problems).toEqual([]);
    expect(holidays).toEqual([
      { date: '2026-03-20', name: "Eid'l Fitr", kind: 'regular' },
      { date: '2026-08-21', name: 'Ninoy Aquino Day', kind: 'special_non_working' },
      { date: '2026-04-15', name: 'RMC 40-2026', kind: 'bir_extension', forms: ['1702-RT'], extendedTo: '2026-05-15' },
      { date: '2026-11-02', name: 'All Souls', kind: 'special_non_working' },
    ]);
    expect(parseHolidayList('{"holidays": [{"date": "2026-12-24", "name": "Christmas Eve"}]}').holidays).toHaveLength(1);
  });

  it('reads CSV with a header, quoted names and comments', () => {
    const csv = ['date,name,kind,forms', '# proclamations for 2026', '2026-12-24,"Christmas Eve, special",special_non_working,', '2026-04-30,eFPS downtime,bir_extension,1601-EQ;2550Q', ''].join('\n');
    expect(parseHolidayList(csv)).toEqual({
      holidays: [
        { date: '2026-12-24', name: 'Christmas Eve, special', kind: 'special_non_working' },
        { date: '2026-04-30', name: 'eFPS downtime', kind: 'bir_extension', forms: ['1601-EQ', '2550Q'] },
      ],
      problems: [],
    });
    expect(parseHolidayList('2026-02-25,EDSA Revolution Anniversary,special').holidays).toEqual([
      { date: '2026-02-25', name: 'EDSA Revolution Anniversary', kind: 'special_non_working' },
    ]);
  });

  it('reports each bad row instead of throwing', () => {
    const { holidays, problems } = parseHolidayList(
      JSON.stringify([{ date: '2026-02-30', name: 'x' }, { date: '2026-02-01', name: '' }, { date: '2026-02-02', name: 'y', kind: 'party' }, { date: '2026-02-03', name: 'z', kind: 'regular', extendedTo: '2026-02-10' }, 'nope', { date: '2026-02-04', name: 'ok' }]),
    );
    expect(holidays).toEqual([{ date: '2026-02-04', name: 'ok', kind: 'special_non_working' }]);
    expect(problems).toEqual([
      'entry 1: date must be YYYY-MM-DD, got "2026-02-30"',
      'entry 2: name is required',
      expect.stringMatching(/^entry 3: kind must be one of regular, special_non_working, bir_extension, working_day/),
      'entry 4: extendedTo is only meaningful for kind bir_extension',
      'entry 5: expected an object {date, name, kind}',
    ]);
    expect(parseHolidayList('[oops').problems[0]).toMatch(/^not valid JSON/);
    expect(parseHolidayList('{"days": []}').problems).toEqual(['expected a JSON array of {date, name, kind} (or {"holidays": [...]})']);
    expect(parseHolidayList('   ')).toEqual({ holidays: [], problems: [] });
  });
});

describe('dates', () => {
  it('does arithmetic on calendar days, across month ends, leap days and years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-03-31', '2026-05-30')).toBe(60);
    expect(lastDayOfMonth(2100, 2)).toBe('2100-02-28');
    expect(lastDayOfMonth(2000, 2)).toBe('2000-02-29');
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-2-1')).toBe(false);
  });

  it('reads an instant as a Manila date, whatever the offset it is written in', () => {
    expect(manilaDate('2026-04-15T15:59:59Z')).toBe('2026-04-15');
    expect(manilaDate('2026-04-15T16:00:00Z')).toBe('2026-04-16');
    expect(manilaDate('2026-04-15T23:30:00+08:00')).toBe('2026-04-15');
    expect(manilaDate(new Date(Date.UTC(2026, 0, 1, 0, 0)))).toBe('2026-01-01');
    expect(() => manilaDate('yesterday')).toThrow(RangeError);
  });
});
