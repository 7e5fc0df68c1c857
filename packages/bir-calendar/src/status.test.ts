import { describe, expect, it } from '@jest/globals';
import { resolveObligation } from './obligations.js';
import { estimatePenalty, compromiseFor } from './penalty.js';
import { obligationStatus } from './status.js';

const due = { dueDate: '2026-04-15' };

describe('obligationStatus', () => {
  it.each([
    ['2026-03-01', { status: 'upcoming', daysUntilDue: 45 }],
    ['2026-04-07', { status: 'upcoming', daysUntilDue: 8 }],
    ['2026-04-08', { status: 'due_soon', daysUntilDue: 7 }],
    ['2026-04-14', { status: 'due_soon', daysUntilDue: 1 }],
    ['2026-04-15', { status: 'due_today', daysUntilDue: 0 }],
    ['2026-04-16', { status: 'overdue', daysUntilDue: -1, daysOverdue: 1 }],
  ])('without a filing, on %s it is %j', (today, expected) => {
    expect(obligationStatus(due, undefined, today)).toEqual(expected);
  });

  it('takes the due-soon window as a parameter', () => {
    expect(obligationStatus(due, undefined, '2026-04-01', 14)).toMatchObject({ status: 'due_soon' });
    expect(obligationStatus(due, undefined, '2026-04-01', 3)).toMatchObject({ status: 'upcoming' });
  });

  it('is filed up to 12 midnight Manila time of the due date, and filed late after', () => {
    expect(obligationStatus(due, { filedAt: '2026-04-15T15:59:00Z' }, '2026-05-01')).toEqual({ status: 'filed', filedOn: '2026-04-15', daysLate: 0 });
    expect(obligationStatus(due, { filedAt: '2026-04-15T16:01:00Z' }, '2026-05-01')).toEqual({ status: 'filed_late', filedOn: '2026-04-16', daysLate: 1 });
    expect(obligationStatus(due, { filedAt: '2026-03-30' }, '2026-05-01')).toEqual({ status: 'filed', filedOn: '2026-03-30', daysLate: 0 });
    expect(obligationStatus(due, { filedAt: new Date('2026-05-15T02:00:00Z') }, '2026-05-20')).toEqual({ status: 'filed_late', filedOn: '2026-05-15', daysLate: 30 });
  });
});

describe('estimatePenalty', () => {
  it('estimates a late 1601-C of a medium taxpayer: 25% surcharge, 12% interest for the days late, suggested compromise', () => {
    const found = resolveObligation({ vatRegistered: true, hasEmployees: true }, '1601-C', '2026-03');
    if (!found.ok) throw new Error(found.message);
    const status = obligationStatus(found.obligation, { filedAt: '2026-05-10' }, '2026-05-10');
    expect(status).toMatchObject({ status: 'filed_late', daysLate: 30 });
    const estimate = estimatePenalty({ dueDate: found.obligation.dueDate, asOf: '2026-05-10', taxDue: 100_000, taxpayerClass: 'medium' });
    expect(estimate).toMatchObject({
      estimate: true,
      daysLate: 30,
      surcharge: { rate: 0.25, amount: 25_000 },
      interest: { days: 30, amount: 986.3, segments: [{ from: '2026-04-10', to: '2026-05-10', days: 30, annualRate: 0.12, amount: 986.3 }] },
      compromise: { amount: 12_000, bracket: 'over ₱50,000 up to ₱100,000', suggested: true },
      total: 37_986.3,
    });
    expect(estimate.label).toMatch(/^Estimate only/);
    expect(estimate.basis.join(' ')).toMatch(/NIRC §248.*NIRC §249.*RMO 19-2007/);
  });

  it('uses the EOPT rates for micro and small taxpayers: 10% surcharge and 6% interest', () => {
    const estimate = estimatePenalty({ dueDate: '2026-04-15', asOf: '2026-10-12', taxDue: 10_000, taxpayerClass: 'small' });
    expect(estimate).toMatchObject({ daysLate: 180, surcharge: { rate: 0.1, amount: 1_000 }, interest: { amount: 295.89 }, compromise: { amount: 2_000 } });
    expect(estimate.basis[0]).toMatch(/10% for micro\/small taxpayers under RA 11976/);
  });

  it('splits interest where the rate changed (20% before 2018, 12% after)', () => {
    const estimate = estimatePenalty({ dueDate: '2017-12-22', asOf: '2018-01-11', taxDue: 36_500 });
    expect(estimate.interest?.segments).toEqual([
      { from: '2017-12-22', to: '2018-01-01', days: 10, annualRate: 0.2, amount: 200 },
      { from: '2018-01-01', to: '2018-01-11', days: 10, annualRate: 0.12, amount: 120 },
    ]);
  });

  it('gives rates but no amounts when the tax due is unknown', () => {
    const estimate = estimatePenalty({ dueDate: '2026-04-15', asOf: '2026-04-20' });
    expect(estimate).toMatchObject({ taxDue: null, surcharge: { rate: 0.25, amount: null }, interest: { days: 5, amount: null }, compromise: { amount: null }, total: null });
    expect(estimate.basis.at(-1)).toMatch(/Tax due unknown/);
  });

  it('charges the fixed §250 penalty for a late information return or certificate', () => {
    expect(estimatePenalty({ dueDate: '2026-03-02', asOf: '2026-03-20', penaltyBasis: 'information', taxpayerClass: 'large' })).toMatchObject({
      informationReturnPenalty: { amount: 1_000, annualCap: 25_000 },
      total: 1_000,
      surcharge: null,
    });
    expect(estimatePenalty({ dueDate: '2026-03-02', asOf: '2026-03-20', penaltyBasis: 'information', taxpayerClass: 'micro' }).total).toBe(500);
  });

  it('charges nothing when not late', () => {
    expect(estimatePenalty({ dueDate: '2026-04-15', asOf: '2026-04-15', taxDue: 5_000 })).toMatchObject({ daysLate: 0, total: 0 });
  });

  it('picks the compromise bracket by tax unpaid, bounds included', () => {
    expect([0, 500, 500.01, 20_000, 5_000_000, 5_000_001].map((t) => compromiseFor(t)?.amount)).toEqual([undefined, 200, 400, 4_000, 25_000, 50_000]);
  });
});
