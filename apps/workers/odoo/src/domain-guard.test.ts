import { describe, expect, it } from '@jest/globals';
import { ToolError } from '@mcpgw/worker-kit';
import { assertAllowedModel, assertValidDomain, assertValidFields, assertValidOrder } from './domain-guard.js';

function failure(fn: () => void): ToolError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ToolError) return error;
    throw error;
  }
  throw new Error('expected a ToolError');
}

describe('domain guard', () => {
  it('accepts triples, implicit AND, prefix operators, lists and dotted paths', () => {
    expect(() => assertValidDomain([])).not.toThrow();
    expect(() => assertValidDomain([['state', '=', 'posted'], ['payment_state', 'in', ['not_paid', 'partial']]])).not.toThrow();
    expect(() => assertValidDomain(['|', ['state', '=', 'draft'], ['state', '=', 'cancel']])).not.toThrow();
    expect(() => assertValidDomain(['&', '!', ['active', '=', false], '|', ['a', '<', 1], ['b', '>=', 2.5]])).not.toThrow();
    expect(() => assertValidDomain([['partner_id.country_id.code', 'ilike', 'ph'], ['date', '=?', null]])).not.toThrow();
    expect(() => assertValidDomain([['line_ids', 'any', [['account_id.code', '=like', '11%']]]])).not.toThrow();
    expect(() => assertValidDomain([['parent_id', 'child_of', [1, 2]]])).not.toThrow();
  });

  it('refuses operators without enough operands, naming the term', () => {
    expect(failure(() => assertValidDomain(['|', ['state', '=', 'draft']]))).toMatchObject({ kind: 'invalid_arguments', message: expect.stringMatching(/^domain\[0\]: "\|" must be followed by two terms/) });
    expect(failure(() => assertValidDomain([['a', '=', 1], '!']))).toMatchObject({ message: expect.stringMatching(/domain\[1\]: "!" must be followed/) });
  });

  it('refuses unknown operators, bad fields, malformed terms and non-scalar values', () => {
    expect(failure(() => assertValidDomain([['state', 'similar to', 'x']])).message).toMatch(/domain\[0\]\[1\]: operator "similar to" is not allowed/);
    expect(failure(() => assertValidDomain([['state; drop', '=', 'x']])).message).toMatch(/domain\[0\]\[0\]: the field must be/);
    expect(failure(() => assertValidDomain([['state', '=']])).message).toMatch(/triple/);
    expect(failure(() => assertValidDomain('state = posted')).message).toMatch(/a domain is a list/);
    expect(failure(() => assertValidDomain(['AND', ['a', '=', 1]])).message).toMatch(/"AND" is not an operator/);
    expect(failure(() => assertValidDomain([['a', 'in', 'x']])).message).toMatch(/"in" needs a list/);
    expect(failure(() => assertValidDomain([['a', '=', { $gt: 1 }]])).message).toMatch(/values must be strings/);
    expect(failure(() => assertValidDomain([['a', 'any', [['b', 'any', [['c', 'any', [['d', 'any', []]]]]]]]])).message).toMatch(/nest at most 3/);
  });

  it('checks the model against the allow-list', () => {
    expect(() => assertAllowedModel('account.move', ['account.move'])).not.toThrow();
    expect(failure(() => assertAllowedModel('res.users', ['account.move', 'res.partner']))).toMatchObject({
      kind: 'rejected',
      message: 'model "res.users" is not in ODOO_ALLOWED_MODELS; allowed: account.move, res.partner',
    });
  });

  it('accepts "field asc|desc" orders only', () => {
    expect(() => assertValidOrder('date desc, id asc')).not.toThrow();
    expect(() => assertValidOrder('name')).not.toThrow();
    expect(failure(() => assertValidOrder('date desc; delete')).kind).toBe('invalid_arguments');
    expect(failure(() => assertValidOrder('(select 1)')).kind).toBe('invalid_arguments');
    expect(failure(() => assertValidOrder('date sideways')).kind).toBe('invalid_arguments');
  });

  it('accepts plain field names only in fields', () => {
    expect(() => assertValidFields(['name', 'amount_total'])).not.toThrow();
    expect(failure(() => assertValidFields(['name', 'partner_id.name'])).message).toMatch(/fields\[1\]/);
  });
});
