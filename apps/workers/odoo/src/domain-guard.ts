import { ToolError } from '@mcpgw/worker-kit';

/** Comparison operators search_read accepts (integrations.md §1.6); anything else is refused before Odoo sees it. */
export const DOMAIN_OPERATORS = [
  '=',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  '=?',
  'like',
  'not like',
  'ilike',
  'not ilike',
  '=like',
  '=ilike',
  'in',
  'not in',
  'child_of',
  'parent_of',
  'any',
  'not any',
] as const;

const OPERATORS = new Set<string>(DOMAIN_OPERATORS);
const LIST_OPERATORS = new Set(['in', 'not in']);
const SUBDOMAIN_OPERATORS = new Set(['any', 'not any']);
/** A field, or a dotted path through relations (`partner_id.country_id.code`). */
const FIELD_PATH = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){0,3}$/;
const FIELD_NAME = /^[a-z_][a-z0-9_]*$/;
const MAX_TERMS = 100;
const MAX_LIST = 1_000;
const MAX_STRING = 1_000;
const MAX_DEPTH = 3;

/** Refuses a model that is not in ODOO_ALLOWED_MODELS. */
export function assertAllowedModel(model: string, allowed: readonly string[]): void {
  if (!allowed.includes(model)) {
    throw new ToolError('rejected', `model "${model}" is not in ODOO_ALLOWED_MODELS; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * Checks a domain's structure before it is sent: each term is a `[field, operator, value]` triple
 * or a prefix operator (`&`, `|`, `!`) with enough operands; operators come from the allow-list;
 * values are JSON scalars (lists for `in`/`not in`, a sub-domain for `any`). Throws `invalid_arguments`
 * naming the first bad term.
 */
export function assertValidDomain(domain: unknown, path = 'domain', depth = 0): void {
  const bad = (where: string, message: string): never => {
    throw new ToolError('invalid_arguments', `${where}: ${message}`, { issues: [{ path: where, message }] });
  };
  if (!Array.isArray(domain)) bad(path, 'a domain is a list of [field, operator, value] triples and "&", "|", "!" operators');
  const terms = domain as unknown[];
  if (terms.length > MAX_TERMS) bad(path, `at most ${MAX_TERMS} terms`);
  // Prefix (Polish) notation, read right to left: a leaf pushes one operand, "!" needs one, "&"/"|" need two.
  let operands = 0;
  for (let i = terms.length - 1; i >= 0; i--) {
    const term = terms[i];
    const where = `${path}[${i}]`;
    if (typeof term === 'string') {
      if (term === '!') {
        if (operands < 1) bad(where, '"!" must be followed by a term');
      } else if (term === '&' || term === '|') {
        if (operands < 2) bad(where, `"${term}" must be followed by two terms`);
        operands -= 1;
      } else {
        bad(where, `"${term}" is not an operator; use "&", "|" or "!" (or a [field, operator, value] triple)`);
      }
      continue;
    }
    assertTriple(term, where, depth, bad);
    operands += 1;
  }
}

function assertTriple(term: unknown, where: string, depth: number, bad: (where: string, message: string) => never): void {
  if (!Array.isArray(term) || term.length !== 3) bad(where, 'each term must be a [field, operator, value] triple');
  const [field, operator, value] = term as [unknown, unknown, unknown];
  if (typeof field !== 'string' || !FIELD_PATH.test(field)) {
    bad(`${where}[0]`, 'the field must be a field name or a dotted path such as partner_id.name');
  }
  if (typeof operator !== 'string' || !OPERATORS.has(operator.toLowerCase())) {
    bad(`${where}[1]`, `operator ${JSON.stringify(operator)} is not allowed; use one of ${DOMAIN_OPERATORS.join(' ')}`);
  }
  const op = (operator as string).toLowerCase();
  if (LIST_OPERATORS.has(op)) {
    if (!Array.isArray(value)) bad(`${where}[2]`, `"${op}" needs a list of values`);
    const list = value as unknown[];
    if (list.length > MAX_LIST) bad(`${where}[2]`, `at most ${MAX_LIST} values`);
    list.forEach((item, i) => assertScalar(item, `${where}[2][${i}]`, bad));
    return;
  }
  if (SUBDOMAIN_OPERATORS.has(op)) {
    if (depth >= MAX_DEPTH) bad(`${where}[2]`, `sub-domains nest at most ${MAX_DEPTH} deep`);
    assertValidDomain(value, `${where}[2]`, depth + 1);
    return;
  }
  if (op === 'child_of' || op === 'parent_of') {
    if (Array.isArray(value)) {
      value.forEach((item, i) => assertScalar(item, `${where}[2][${i}]`, bad));
      return;
    }
  }
  assertScalar(value, `${where}[2]`, bad);
}

function assertScalar(value: unknown, where: string, bad: (where: string, message: string) => never): void {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  if (typeof value === 'string') {
    if (value.length > MAX_STRING) bad(where, `strings are at most ${MAX_STRING} characters`);
    return;
  }
  bad(where, 'values must be strings, numbers, booleans or null');
}

/** Checks `field asc|desc` terms separated by commas (no SQL reaches Odoo's ORDER BY). */
export function assertValidOrder(order: string): void {
  const terms = order.split(',').map((t) => t.trim());
  const ok =
    terms.length <= 5 &&
    terms.every((term) => {
      const [field, direction, ...rest] = term.split(/\s+/);
      return field !== undefined && FIELD_NAME.test(field) && rest.length === 0 && (direction === undefined || /^(asc|desc)$/i.test(direction));
    });
  if (!ok) {
    throw new ToolError('invalid_arguments', `order "${order}" is invalid: use "field asc" or "field desc", comma-separated (at most 5)`, {
      issues: [{ path: 'order', message: 'expected "field asc|desc[, field asc|desc]"' }],
    });
  }
}

/** Checks requested field names. */
export function assertValidFields(fields: readonly string[]): void {
  const badIndex = fields.findIndex((f) => !FIELD_NAME.test(f));
  if (badIndex >= 0) {
    throw new ToolError('invalid_arguments', `fields[${badIndex}]: ${JSON.stringify(fields[badIndex])} is not a field name`, {
      issues: [{ path: `fields[${badIndex}]`, message: 'not a field name' }],
    });
  }
}
