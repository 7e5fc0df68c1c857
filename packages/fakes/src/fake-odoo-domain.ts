/**
 * Odoo domains for the fake: a list of `[field, operator, value]` leaves combined by prefix (Polish)
 * operators `&`, `|`, `!` and implicitly ANDed, compiled once into a predicate over stored records.
 */
import { leafRepr, pyRepr, valueError } from './fake-odoo-faults.js';
import { fieldOf, ODOO_MODELS, rawValue, displayNameOf, type OdooEnv, type OdooFieldDef, type OdooModelDef, type OdooRecord } from './fake-odoo-models.js';

/** A compiled domain. */
export type RecordPredicate = (record: OdooRecord) => boolean;

const OPERATORS = new Set([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=?',
  '=like',
  '=ilike',
  'like',
  'not like',
  'ilike',
  'not ilike',
  'in',
  'not in',
  'child_of',
  'parent_of',
  'any',
  'not any',
]);

const NEGATIVE: Record<string, string> = { '!=': '=', 'not like': 'like', 'not ilike': 'ilike', 'not in': 'in', 'not any': 'any' };

const isFalsy = (v: unknown): boolean => v === false || v === null || v === undefined;

/** Compiles `domain` for `model`; throws an OdooFault (`builtins.ValueError`) on a malformed domain, unknown field or operator. */
export function compileDomain(model: OdooModelDef, domain: unknown, env: OdooEnv): RecordPredicate {
  if (domain === null || domain === undefined || domain === false) return () => true;
  if (!Array.isArray(domain)) throw valueError(`Invalid domain: ${pyRepr(domain)}`);
  const stack: RecordPredicate[] = [];
  for (let i = domain.length - 1; i >= 0; i--) {
    const term: unknown = domain[i];
    if (term === '&' || term === '|') {
      const a = stack.pop();
      const b = stack.pop();
      if (a === undefined || b === undefined) throw valueError(`Invalid domain: ${pyRepr(domain)} (operator ${pyRepr(term)} lacks operands)`);
      stack.push(term === '&' ? (r) => a(r) && b(r) : (r) => a(r) || b(r));
    } else if (term === '!') {
      const a = stack.pop();
      if (a === undefined) throw valueError(`Invalid domain: ${pyRepr(domain)} (operator '!' lacks an operand)`);
      stack.push((r) => !a(r));
    } else if (Array.isArray(term) && term.length === 3) {
      stack.push(compileLeaf(model, term as [unknown, unknown, unknown], env));
    } else {
      throw valueError(`Invalid leaf ${pyRepr(term)}`);
    }
  }
  if (stack.length === 0) return () => true;
  if (stack.length === 1) return stack[0]!;
  // What is left is implicitly ANDed (Odoo prepends the missing '&'s); the stack holds terms in order.
  const terms = [...stack];
  return (r) => terms.every((t) => t(r));
}

/** True when a leaf of `domain` (at any depth of the top level) filters on `field`, e.g. `active` (which disables active_test). */
export function domainMentions(domain: unknown, field: string): boolean {
  if (!Array.isArray(domain)) return false;
  return domain.some((t) => Array.isArray(t) && typeof t[0] === 'string' && t[0].split('.')[0] === field);
}

function compileLeaf(model: OdooModelDef, leaf: [unknown, unknown, unknown], env: OdooEnv): RecordPredicate {
  const [path, rawOp, value] = leaf;
  // TRUE_LEAF / FALSE_LEAF
  if (typeof path === 'number' && rawOp === '=' && typeof value === 'number') {
    const result = path === value;
    return () => result;
  }
  if (typeof path !== 'string' || typeof rawOp !== 'string') throw valueError(`Invalid leaf ${leafRepr(leaf)}`);
  const op = rawOp.toLowerCase();
  if (!OPERATORS.has(op) || ((op === 'any' || op === 'not any') && env.version < 17)) {
    throw valueError(`Invalid leaf ${leafRepr(leaf)}`);
  }
  const [head, ...rest] = path.split('.');
  const def = head === undefined ? undefined : fieldOf(model, head, env.version);
  if (head === undefined || def === undefined) throw valueError(`Invalid field ${model.name}.${head ?? ''} in leaf ${leafRepr(leaf)}`);
  const relation = def.relation === undefined ? undefined : ODOO_MODELS[def.relation];

  if (rest.length > 0) {
    if (relation === undefined) throw valueError(`Invalid field ${model.name}.${path} in leaf ${leafRepr(leaf)}`);
    // Odoo resolves `a.b != x` as `a in (records where b != x)`: a record without `a` never matches.
    const sub = compileLeaf(relation, [rest.join('.'), op, value], env);
    return (r) => relatedRecords(def, rawValue(model, r, head, env), env).some(sub);
  }

  if (op === 'any' || op === 'not any') {
    if (relation === undefined) throw valueError(`Invalid leaf ${leafRepr(leaf)}: '${op}' needs a relational field`);
    const sub = compileDomain(relation, value, env);
    const any: RecordPredicate = (r) => relatedRecords(def, rawValue(model, r, head, env), env).some(sub);
    return op === 'any' ? any : (r) => !any(r);
  }
  if (op === 'child_of' || op === 'parent_of') return hierarchyLeaf(model, head, def, op, value, env);

  const negated = NEGATIVE[op];
  if (negated !== undefined && negated !== 'any') {
    const positive = compileScalar(model, head, def, negated, value, env);
    return (r) => !positive(r);
  }
  return compileScalar(model, head, def, op, value, env);
}

function relatedRecords(def: OdooFieldDef, raw: unknown, env: OdooEnv): OdooRecord[] {
  if (def.relation === undefined) return [];
  const table = env.store.get(def.relation);
  if (table === undefined) return [];
  const ids = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const out: OdooRecord[] = [];
  for (const id of ids) {
    if (typeof id !== 'number') continue;
    const rec = table.get(id);
    if (rec !== undefined) out.push(rec);
  }
  return out;
}

function compileScalar(model: OdooModelDef, field: string, def: OdooFieldDef, op: string, value: unknown, env: OdooEnv): RecordPredicate {
  if (op === '=?') {
    if (isFalsy(value)) return () => true;
    return compileScalar(model, field, def, '=', value, env);
  }
  const relational = def.type === 'many2one' || def.type === 'one2many' || def.type === 'many2many';
  if (relational) return compileRelational(model, field, def, op, value, env);

  const get = (r: OdooRecord): unknown => {
    const v = rawValue(model, r, field, env);
    if (def.type === 'boolean') return v === true;
    return v === '' ? null : v;
  };
  if (op === 'in') {
    const list = Array.isArray(value) ? value : [value];
    const wantsEmpty = list.some(isFalsy);
    const set = new Set(list.filter((v) => !isFalsy(v)).map((v) => coerce(def, v, '=')));
    return (r) => {
      const v = get(r);
      if (def.type === 'boolean') return set.has(v) || (wantsEmpty && v === false);
      return v === null ? wantsEmpty : set.has(v);
    };
  }
  if (op === '=') {
    if (isFalsy(value)) return def.type === 'boolean' ? (r) => get(r) === false : (r) => get(r) === null;
    const want = coerce(def, value, op);
    return (r) => get(r) === want;
  }
  if (op === 'like' || op === 'ilike' || op === '=like' || op === '=ilike') {
    const pattern = likeRegex(op.startsWith('=') ? String(value) : `%${String(value)}%`, op.endsWith('ilike'));
    return (r) => {
      const v = get(r);
      return v !== null && pattern.test(String(v));
    };
  }
  // < <= > >=
  if (isFalsy(value)) return () => false;
  const want = coerce(def, value, op);
  return (r) => {
    const v = get(r);
    if (v === null || v === undefined) return false;
    return compare(v, want, op);
  };
}

function compileRelational(model: OdooModelDef, field: string, def: OdooFieldDef, op: string, value: unknown, env: OdooEnv): RecordPredicate {
  const ids = (r: OdooRecord): number[] => {
    const raw = rawValue(model, r, field, env);
    if (Array.isArray(raw)) return raw as number[];
    return typeof raw === 'number' ? [raw] : [];
  };
  const names = (r: OdooRecord): string[] =>
    ids(r)
      .map((id) => (def.relation === undefined ? undefined : displayNameOf(def.relation, id, env)))
      .filter((n): n is string => n !== undefined);

  if (op === 'like' || op === 'ilike' || op === '=like' || op === '=ilike') {
    const pattern = likeRegex(op.startsWith('=') ? String(value) : `%${String(value)}%`, op.endsWith('ilike'));
    return (r) => names(r).some((n) => pattern.test(n));
  }
  if (op === '=' || op === 'in') {
    const list = op === 'in' ? (Array.isArray(value) ? value : [value]) : [value];
    const wantsEmpty = list.some(isFalsy);
    const wantIds = new Set(list.filter((v): v is number => typeof v === 'number'));
    const wantNames = list.filter((v): v is string => typeof v === 'string');
    return (r) => {
      const own = ids(r);
      if (own.length === 0) return wantsEmpty;
      if (own.some((id) => wantIds.has(id))) return true;
      return wantNames.length > 0 && names(r).some((n) => wantNames.includes(n));
    };
  }
  // < <= > >= on ids
  if (typeof value !== 'number') return () => false;
  return (r) => ids(r).some((id) => compare(id, value, op));
}

function hierarchyLeaf(model: OdooModelDef, field: string, def: OdooFieldDef, op: string, value: unknown, env: OdooEnv): RecordPredicate {
  const targetModelName = field === 'id' ? model.name : def.relation;
  const targetModel = targetModelName === undefined ? undefined : ODOO_MODELS[targetModelName];
  const table = targetModelName === undefined ? undefined : env.store.get(targetModelName);
  const roots = new Set((Array.isArray(value) ? value : [value]).filter((v): v is number => typeof v === 'number'));
  const ancestors = (id: number): number[] => {
    const out: number[] = [];
    let current: number | undefined = id;
    const seen = new Set<number>();
    while (current !== undefined && !seen.has(current)) {
      seen.add(current);
      out.push(current);
      const parent: unknown = table?.get(current)?.['parent_id'];
      current = typeof parent === 'number' ? parent : undefined;
    }
    return out;
  };
  const hasParent = targetModel !== undefined && fieldOf(targetModel, 'parent_id', env.version) !== undefined;
  const matches = (id: number): boolean => {
    if (!hasParent) return roots.has(id);
    if (op === 'child_of') return ancestors(id).some((a) => roots.has(a));
    return [...roots].some((root) => ancestors(root).includes(id));
  };
  return (r) => {
    const raw = field === 'id' ? r.id : rawValue(model, r, field, env);
    const ids = Array.isArray(raw) ? (raw as number[]) : typeof raw === 'number' ? [raw] : [];
    return ids.some(matches);
  };
}

/** A domain value as the stored value it is compared with (numbers from numeric strings, date bounds for datetimes). */
function coerce(def: OdooFieldDef, value: unknown, op: string): unknown {
  switch (def.type) {
    case 'integer':
    case 'float':
    case 'monetary':
      return typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
    case 'boolean':
      return value === true || value === 1;
    case 'datetime':
      if (typeof value === 'string' && value.length === 10) return op === '>' || op === '<=' ? `${value} 23:59:59` : `${value} 00:00:00`;
      return value;
    case 'date':
      return typeof value === 'string' && value.length > 10 ? value.slice(0, 10) : value;
    default:
      return value;
  }
}

function compare(a: unknown, b: unknown, op: string): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  const x = String(a);
  const y = String(b);
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** SQL LIKE (`%` any run, `_` one character) as a regular expression. */
function likeRegex(pattern: string, insensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      source += pattern[i + 1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    } else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, insensitive ? 'i' : '');
}
