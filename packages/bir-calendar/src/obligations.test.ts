import { describe, expect, it } from '@jest/globals';
import { HolidayCalendar } from './holidays.js';
import { obligationsFor, resolveObligation, type TaxEntity } from './obligations.js';
import { BIR_RULES, type BirRule } from './rules.js';

/** A VAT-registered calendar-year employer filing through eBIRForms (no eFPS staggering). */
const vatEmployer: TaxEntity = { vatRegistered: true, hasEmployees: true, efpsGroup: null, taxpayerClass: 'medium', fiscalYearEndMonth: 12 };

/** [form, period, rule date, due date after roll-forward]. Weekdays checked against an independent calendar. */
const DUE_2026: [string, string, string, string][] = [
  ['1601-C', '2025-12', '2026-01-15', '2026-01-15'], // December override, a Thursday
  ['2307', '2025-Q4', '2026-01-20', '2026-01-20'],
  ['2550Q', '2025-Q4', '2026-01-25', '2026-01-26'], // Sunday
  ['SLSP', '2025-Q4', '2026-01-25', '2026-01-26'],
  ['1601-EQ', '2025-Q4', '2026-01-31', '2026-02-02'], // Saturday
  ['1604-C', '2025', '2026-01-31', '2026-02-02'],
  ['2316', '2025', '2026-01-31', '2026-02-02'],
  ['0619-E', '2026-01', '2026-02-10', '2026-02-10'],
  ['1601-C', '2026-01', '2026-02-10', '2026-02-10'],
  ['1604-E', '2025', '2026-03-01', '2026-03-02'], // Sunday
  ['0619-E', '2026-02', '2026-03-10', '2026-03-10'],
  ['1601-C', '2026-02', '2026-03-10', '2026-03-10'],
  ['1601-C', '2026-03', '2026-04-10', '2026-04-10'],
  ['1702-RT', '2025', '2026-04-15', '2026-04-15'],
  ['2307', '2026-Q1', '2026-04-20', '2026-04-20'],
  ['2550Q', '2026-Q1', '2026-04-25', '2026-04-27'], // Saturday
  ['SLSP', '2026-Q1', '2026-04-25', '2026-04-27'],
  ['1601-EQ', '2026-Q1', '2026-04-30', '2026-04-30'],
  ['0619-E', '2026-04', '2026-05-10', '2026-05-11'], // Sunday
  ['1601-C', '2026-04', '2026-05-10', '2026-05-11'],
  ['1702Q', '2026-Q1', '2026-05-30', '2026-06-01'], // Saturday
  ['0619-E', '2026-05', '2026-06-10', '2026-06-10'],
  ['1601-C', '2026-05', '2026-06-10', '2026-06-10'],
  ['1601-C', '2026-06', '2026-07-10', '2026-07-10'],
  ['2307', '2026-Q2', '2026-07-20', '2026-07-20'],
  ['2550Q', '2026-Q2', '2026-07-25', '2026-07-27'],
  ['SLSP', '2026-Q2', '2026-07-25', '2026-07-27'],
  ['1601-EQ', '2026-Q2', '2026-07-31', '2026-07-31'],
  ['0619-E', '2026-07', '2026-08-10', '2026-08-10'],
  ['1601-C', '2026-07', '2026-08-10', '2026-08-10'],
  ['1702Q', '2026-Q2', '2026-08-29', '2026-09-01'], // Saturday, Sunday, then National Heroes Day (Mon 31 Aug)
  ['0619-E', '2026-08', '2026-09-10', '2026-09-10'],
  ['1601-C', '2026-08', '2026-09-10', '2026-09-10'],
  ['1601-C', '2026-09', '2026-10-10', '2026-10-12'],
  ['2307', '2026-Q3', '2026-10-20', '2026-10-20'],
  ['2550Q', '2026-Q3', '2026-10-25', '2026-10-26'],
  ['SLSP', '2026-Q3', '2026-10-25', '2026-10-26'],
  ['1601-EQ', '2026-Q3', '2026-10-31', '2026-11-02'],
  ['0619-E', '2026-10', '2026-11-10', '2026-11-10'],
  ['1601-C', '2026-10', '2026-11-10', '2026-11-10'],
  ['1702Q', '2026-Q3', '2026-11-29', '2026-12-01'], // Sunday, then Bonifacio Day (Mon 30 Nov)
  ['0619-E', '2026-11', '2026-12-10', '2026-12-10'],
  ['1601-C', '2026-11', '2026-12-10', '2026-12-10'],
];

/**
 * A non-VAT employer with final withholding, eFPS group B, fiscal year ending June, in the leap
 * year 2028.
 */
const fiscalEfpsB: TaxEntity = { vatRegistered: false, hasEmployees: true, efpsGroup: 'B', taxpayerClass: 'small', fiscalYearEndMonth: 6, finalWithholding: true };

const DUE_2028: [string, string, string, string][] = [
  ['1601-C', '2027-12', '2028-01-15', '2028-01-17'], // December override beats eFPS; Saturday
  ['2307', '2027-Q4', '2028-01-20', '2028-01-20'],
  ['2551Q', 'FY2028-Q2', '2028-01-25', '2028-01-25'], // fiscal Q2 = Oct–Dec 2027
  ['1601-EQ', '2027-Q4', '2028-01-31', '2028-01-31'], // withholding returns stay on calendar quarters
  ['1601-FQ', '2027-Q4', '2028-01-31', '2028-01-31'],
  ['1604-C', '2027', '2028-01-31', '2028-01-31'],
  ['1604-F', '2027', '2028-01-31', '2028-01-31'],
  ['2316', '2027', '2028-01-31', '2028-01-31'],
  ['0619-E', '2028-01', '2028-02-14', '2028-02-14'], // eFPS group B: 14th
  ['0619-F', '2028-01', '2028-02-14', '2028-02-14'],
  ['1601-C', '2028-01', '2028-02-14', '2028-02-14'],
  ['1702Q', 'FY2028-Q2', '2028-02-29', '2028-02-29'], // 60 days after 31 Dec 2027: leap day
  ['1604-E', '2027', '2028-03-01', '2028-03-01'],
  ['0619-E', '2028-02', '2028-03-14', '2028-03-14'],
  ['0619-F', '2028-02', '2028-03-14', '2028-03-14'],
  ['1601-C', '2028-02', '2028-03-14', '2028-03-14'],
  ['1601-C', '2028-03', '2028-04-14', '2028-04-17'], // Good Friday, then the weekend
  ['2307', '2028-Q1', '2028-04-20', '2028-04-20'],
  ['2551Q', 'FY2028-Q3', '2028-04-25', '2028-04-25'],
  ['1601-EQ', '2028-Q1', '2028-04-30', '2028-05-02'], // Sunday, then Labor Day
  ['1601-FQ', '2028-Q1', '2028-04-30', '2028-05-02'],
  ['0619-E', '2028-04', '2028-05-14', '2028-05-15'],
  ['0619-F', '2028-04', '2028-05-14', '2028-05-15'],
  ['1601-C', '2028-04', '2028-05-14', '2028-05-15'],
  ['1702Q', 'FY2028-Q3', '2028-05-30', '2028-05-30'],
  ['0619-E', '2028-05', '2028-06-14', '2028-06-14'],
  ['0619-F', '2028-05', '2028-06-14', '2028-06-14'],
  ['1601-C', '2028-05', '2028-06-14', '2028-06-14'],
  ['1601-C', '2028-06', '2028-07-14', '2028-07-14'],
  ['2307', '2028-Q2', '2028-07-20', '2028-07-20'],
  ['2551Q', 'FY2028-Q4', '2028-07-25', '2028-07-25'], // the year-end quarter has a 2551Q but no 1702Q
  ['1601-EQ', '2028-Q2', '2028-07-31', '2028-07-31'],
  ['1601-FQ', '2028-Q2', '2028-07-31', '2028-07-31'],
  ['0619-E', '2028-07', '2028-08-14', '2028-08-14'],
  ['0619-F', '2028-07', '2028-08-14', '2028-08-14'],
  ['1601-C', '2028-07', '2028-08-14', '2028-08-14'],
  ['0619-E', '2028-08', '2028-09-14', '2028-09-14'],
  ['0619-F', '2028-08', '2028-09-14', '2028-09-14'],
  ['1601-C', '2028-08', '2028-09-14', '2028-09-14'],
  ['1601-C', '2028-09', '2028-10-14', '2028-10-16'],
  ['1702-RT', 'FY2028', '2028-10-15', '2028-10-16'], // 15th of the 4th month after a June year end; Sunday
  ['2307', '2028-Q3', '2028-10-20', '2028-10-20'],
  ['2551Q', 'FY2029-Q1', '2028-10-25', '2028-10-25'],
  ['1601-EQ', '2028-Q3', '2028-10-31', '2028-10-31'],
  ['1601-FQ', '2028-Q3', '2028-10-31', '2028-10-31'],
  ['0619-E', '2028-10', '2028-11-14', '2028-11-14'],
  ['0619-F', '2028-10', '2028-11-14', '2028-11-14'],
  ['1601-C', '2028-10', '2028-11-14', '2028-11-14'],
  ['1702Q', 'FY2029-Q1', '2028-11-29', '2028-11-29'],
  ['0619-E', '2028-11', '2028-12-14', '2028-12-14'],
  ['0619-F', '2028-11', '2028-12-14', '2028-12-14'],
  ['1601-C', '2028-11', '2028-12-14', '2028-12-14'],
];

const rows = (entity: TaxEntity, year: number) =>
  obligationsFor(entity, { from: `${year}-01-01`, to: `${year}-12-31` }).map((o) => [o.formCode, o.periodLabel, o.rawDueDate, o.dueDate]);

describe('obligationsFor over a whole year', () => {
  it('lists every deadline of 2026 for a VAT-registered calendar-year employer, rolled off weekends and holidays', () => {
    expect(rows(vatEmployer, 2026)).toEqual(DUE_2026);
  });

  it('lists every deadline of the leap year 2028 for a non-VAT, fiscal-year, eFPS group B employer', () => {
    expect(rows(fiscalEfpsB, 2028)).toEqual(DUE_2028);
  });

  it.each(BIR_RULES.filter((r) => !r.effectiveTo).map((r) => [r.formCode, r] as const))('produces %s obligations only for entities it applies to', (_form, rule) => {
    const everything: TaxEntity = { vatRegistered: rule.appliesIf !== 'non_vat', hasEmployees: true, finalWithholding: true };
    const count = obligationsFor(everything, { from: '2026-01-01', to: '2026-12-31', forms: [rule.formCode] }).length;
    const expected = { monthly: 12, monthly_first2: 8, quarterly: 4, quarterly_q1_q3: 3, annual: 1 }[rule.frequency];
    expect(count).toBe(expected);
    const nobody: TaxEntity = { vatRegistered: rule.appliesIf === 'non_vat', hasEmployees: false, finalWithholding: false };
    const none = obligationsFor(nobody, { from: '2026-01-01', to: '2026-12-31', forms: [rule.formCode] }).length;
    expect(none).toBe(rule.appliesIf === 'always' ? expected : 0);
  });

  it('has quarters that end on the last day of March, June, September and December', () => {
    const quarters = obligationsFor(vatEmployer, { from: '2026-01-01', to: '2026-12-31', by: 'period', forms: ['1601-EQ'] });
    expect(quarters.map((o) => [o.periodStart, o.periodEnd, o.periodLabel])).toEqual([
      ['2026-01-01', '2026-03-31', '2026-Q1'],
      ['2026-04-01', '2026-06-30', '2026-Q2'],
      ['2026-07-01', '2026-09-30', '2026-Q3'],
      ['2026-10-01', '2026-12-31', '2026-Q4'],
    ]);
  });

  it('ends February on the 29th in a leap year and on the 28th otherwise', () => {
    const feb = (year: number) => resolveObligation(vatEmployer, '1601-C', `${year}-02`);
    expect(feb(2028)).toMatchObject({ ok: true, obligation: { periodStart: '2028-02-01', periodEnd: '2028-02-29', rawDueDate: '2028-03-10' } });
    expect(feb(2026)).toMatchObject({ ok: true, obligation: { periodStart: '2026-02-01', periodEnd: '2026-02-28', rawDueDate: '2026-03-10' } });
  });

  it('windows by period end when asked, so a month includes the quarters ending in it', () => {
    const march = obligationsFor(vatEmployer, { from: '2026-03-01', to: '2026-03-31', by: 'period' });
    expect(march.map((o) => o.formCode).sort()).toEqual(['1601-C', '1601-EQ', '1702Q', '2307', '2550Q', 'SLSP']);
  });
});

describe('deadline adjustments', () => {
  it('rolls a deadline on Good Friday past the weekend (1702-RT for 2021, due Friday 15 April 2022)', () => {
    const [annual] = obligationsFor(vatEmployer, { from: '2021-01-01', to: '2021-12-31', by: 'period', forms: ['1702-RT'] });
    expect(annual).toMatchObject({
      rawDueDate: '2022-04-15',
      dueDate: '2022-04-18',
      rolledForwardFrom: '2022-04-15',
      skipped: [{ date: '2022-04-15', reason: 'holiday', holidays: ['Good Friday'] }, { date: '2022-04-16', reason: 'saturday' }, { date: '2022-04-17', reason: 'sunday' }],
    });
  });

  it('rolls a deadline on Maundy Thursday past Good Friday and the weekend (eFPS group C, March 2028)', () => {
    const [march] = obligationsFor({ ...vatEmployer, efpsGroup: 'C' }, { from: '2028-03-01', to: '2028-03-31', by: 'period', forms: ['1601-C'] });
    expect(march).toMatchObject({ rawDueDate: '2028-04-13', dueDate: '2028-04-17', efpsApplied: 'C' });
  });

  it('leaves a deadline on a business day where it is', () => {
    const [jan] = obligationsFor(vatEmployer, { from: '2026-01-01', to: '2026-01-31', by: 'period', forms: ['1601-C'] });
    expect(jan).toMatchObject({ rawDueDate: '2026-02-10', dueDate: '2026-02-10' });
    expect(jan).not.toHaveProperty('rolledForwardFrom');
  });

  it('staggers eFPS filing days by group: A 15th, B 14th, C 13th, D 12th, E 11th', () => {
    const due = (efpsGroup: TaxEntity['efpsGroup']) =>
      obligationsFor({ ...vatEmployer, efpsGroup }, { from: '2026-06-01', to: '2026-06-30', by: 'period', forms: ['1601-C'] })[0]?.rawDueDate;
    expect([due('A'), due('B'), due('C'), due('D'), due('E'), due(null)]).toEqual(['2026-07-15', '2026-07-14', '2026-07-13', '2026-07-12', '2026-07-11', '2026-07-10']);
    // Group D and E fall on a weekend in July 2026 and move to Monday the 13th.
    const rolled = obligationsFor({ ...vatEmployer, efpsGroup: 'E' }, { from: '2026-06-01', to: '2026-06-30', by: 'period', forms: ['1601-C'] })[0];
    expect(rolled).toMatchObject({ dueDate: '2026-07-13', efpsApplied: 'E' });
  });

  it('does not stagger forms without eFPS offsets', () => {
    const [q] = obligationsFor({ ...vatEmployer, efpsGroup: 'A' }, { from: '2026-01-01', to: '2026-03-31', by: 'period', forms: ['1601-EQ'] });
    expect(q).toMatchObject({ rawDueDate: '2026-04-30' });
    expect(q).not.toHaveProperty('efpsApplied');
  });

  it('files the December 1601-C by 15 January, eFPS or not', () => {
    for (const efpsGroup of [null, 'A', 'E'] as const) {
      const [dec] = obligationsFor({ ...vatEmployer, efpsGroup }, { from: '2026-12-01', to: '2026-12-31', by: 'period', forms: ['1601-C'] });
      expect(dec).toMatchObject({ rawDueDate: '2027-01-15', dueDate: '2027-01-15', decemberOverride: true });
      expect(dec).not.toHaveProperty('efpsApplied');
    }
  });

  it('moves a deadline off an operator-supplied special non-working day, and off a BIR extension for that form only', () => {
    const calendar = new HolidayCalendar([
      { date: '2026-02-10', name: 'Special non-working day (proclamation)', kind: 'special_non_working' },
      { date: '2026-03-10', name: 'eFPS downtime (RMC)', kind: 'bir_extension', forms: ['1601-C'] },
    ]);
    const list = obligationsFor(vatEmployer, { from: '2026-01-01', to: '2026-02-28', by: 'period', forms: ['1601-C', '0619-E'], calendar });
    expect(list.map((o) => [o.formCode, o.periodLabel, o.dueDate])).toEqual([
      ['0619-E', '2026-01', '2026-02-11'],
      ['1601-C', '2026-01', '2026-02-11'],
      ['0619-E', '2026-02', '2026-03-10'],
      ['1601-C', '2026-02', '2026-03-11'],
    ]);
  });

  it('applies a BIR extension to a new date, rolling that forward too', () => {
    const calendar = new HolidayCalendar([{ date: '2026-04-15', name: 'RMC extension of the annual ITR', kind: 'bir_extension', forms: ['1702-RT'], extendedTo: '2026-05-16' }]);
    const [annual] = obligationsFor(vatEmployer, { from: '2025-12-31', to: '2025-12-31', by: 'period', forms: ['1702-RT'], calendar });
    expect(annual).toMatchObject({ rawDueDate: '2026-04-15', dueDate: '2026-05-18', extension: { name: 'RMC extension of the annual ITR', from: '2026-04-15' } });
  });
});

describe('effective dates', () => {
  it('tracks monthly VAT (2550M) until December 2022 only: optional since 2023', () => {
    const list = obligationsFor(vatEmployer, { from: '2022-11-01', to: '2023-02-28', by: 'period', forms: ['2550M'] });
    expect(list.map((o) => [o.periodLabel, o.dueDate])).toEqual([
      ['2022-11', '2022-12-20'],
      ['2022-12', '2023-01-20'],
    ]);
  });

  it('stops the annual registration fee (0605) after 2023: abolished by the Ease of Paying Taxes Act', () => {
    const list = obligationsFor(vatEmployer, { from: '2022-01-01', to: '2025-12-31', forms: ['0605'] });
    expect(list.map((o) => [o.periodLabel, o.dueDate])).toEqual([
      ['2022', '2022-01-31'],
      ['2023', '2023-01-31'],
    ]);
  });

  it('starts a rule at its effective_from date', () => {
    const rule: BirRule = { ...BIR_RULES.find((r) => r.formCode === '1601-EQ')!, formCode: 'NEW-Q', effectiveFrom: '2027-01-01' };
    const list = obligationsFor(vatEmployer, { from: '2026-01-01', to: '2027-12-31', by: 'period', rules: [rule] });
    expect(list.map((o) => o.periodLabel)).toEqual(['2027-Q1', '2027-Q2', '2027-Q3', '2027-Q4']);
  });
});

describe('resolveObligation', () => {
  it('finds the obligation a user names by form and period, case- and dash-insensitively', () => {
    const found = resolveObligation(vatEmployer, '1601c', '2026-03');
    expect(found).toMatchObject({ ok: true, obligation: { formCode: '1601-C', periodStart: '2026-03-01', periodEnd: '2026-03-31', dueDate: '2026-04-10' } });
    expect(resolveObligation(vatEmployer, '1601-EQ', '2026-Q2')).toMatchObject({ ok: true, obligation: { periodStart: '2026-04-01', periodEnd: '2026-06-30' } });
    expect(resolveObligation(vatEmployer, '1702-RT', '2026')).toMatchObject({ ok: true, obligation: { periodEnd: '2026-12-31', dueDate: '2027-04-15' } });
    expect(resolveObligation(vatEmployer, '1601-C', '2026-03-01..2026-03-31')).toMatchObject({ ok: true });
  });

  it('reads quarters and years of fiscal-year entities in the fiscal year that ends in the named year', () => {
    expect(resolveObligation(fiscalEfpsB, '1702Q', '2028-Q2')).toMatchObject({ ok: true, obligation: { periodStart: '2027-10-01', periodEnd: '2027-12-31', periodLabel: 'FY2028-Q2' } });
    expect(resolveObligation(fiscalEfpsB, '1702-RT', 'FY2028')).toMatchObject({ ok: true, obligation: { periodStart: '2027-07-01', periodEnd: '2028-06-30' } });
  });

  it('explains why there is no such obligation', () => {
    expect(resolveObligation(vatEmployer, '9999', '2026-03')).toMatchObject({ ok: false, reason: 'unknown_form', message: expect.stringMatching(/unknown form "9999"; forms: 1601-C, /) });
    expect(resolveObligation(vatEmployer, '2551Q', '2026-Q1')).toMatchObject({ ok: false, reason: 'not_applicable', message: expect.stringMatching(/non-VAT taxpayers only/) });
    expect(resolveObligation(vatEmployer, '0619-E', '2026-03')).toMatchObject({ ok: false, reason: 'bad_period', message: expect.stringMatching(/first two months of each quarter/) });
    expect(resolveObligation(vatEmployer, '1702Q', '2026-Q4')).toMatchObject({ ok: false, reason: 'bad_period', message: expect.stringMatching(/first three quarters only/) });
    expect(resolveObligation(vatEmployer, '1601-C', '2026-Q1')).toMatchObject({ ok: false, reason: 'bad_period', message: expect.stringMatching(/give the period as a month, YYYY-MM/) });
    expect(resolveObligation(vatEmployer, '1601-C', '2026-03-01..2026-04-30')).toMatchObject({ ok: false, reason: 'bad_period' });
    expect(resolveObligation(vatEmployer, '2550M', '2024-05')).toMatchObject({ ok: false, reason: 'not_applicable', message: expect.stringMatching(/until 2022-12-31. Optional from 1 January 2023/) });
  });
});
