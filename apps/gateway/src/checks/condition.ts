import { z } from 'zod';
import { parsePath, readPath, type PathSegment } from './json-path.js';

/**
 * Conditions on a tool's result: declarative data, evaluated by this module alone (no eval, no
 * scripts), so a checks file can only ever compare values it reads. Forms:
 * - `{path, op, value}`: compare the value at `path` (`>`, `>=`, `<`, `<=`, `==`, `!=`, `in`,
 *   `contains`; `exists` and `empty` take no value);
 * - `{count: path, op, value}`: compare the length of the array (or the key count of the object) at `path`;
 * - `{new: path, key: field | [fields]}`: true when the array at `path` holds an item whose key was not
 *   there on the check's previous run (the keys are remembered in the store);
 * - `{any: [...]}`, `{all: [...]}`, `{not: condition}`.
 */
export type Condition =
  | { path: string; op: CompareOp; value?: unknown }
  | { count: string; op: NumericOp; value: number }
  | { new: string; key: string | string[] }
  | { any: Condition[] }
  | { all: Condition[] }
  | { not: Condition };

const COMPARE_OPS = ['>', '>=', '<', '<=', '==', '!=', 'in', 'contains', 'exists', 'empty'] as const;
const NUMERIC_OPS = ['>', '>=', '<', '<=', '==', '!='] as const;
type CompareOp = (typeof COMPARE_OPS)[number];
type NumericOp = (typeof NUMERIC_OPS)[number];

/** A path of the condition language, validated (the checks file reports what is wrong with it). */
export const pathText = z.string().superRefine((text, ctx) => {
  try {
    parsePath(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const itemField = z.string().regex(/^[A-Za-z_$][\w$-]{0,63}$/, 'a key field is a plain field name of the items, such as id');

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z
      .strictObject({ path: pathText, op: z.enum(COMPARE_OPS), value: z.unknown().optional() })
      .refine((c) => (c.op === 'exists' || c.op === 'empty' ? c.value === undefined : c.value !== undefined), {
        message: 'exists and empty take no value; every other op needs one',
        path: ['value'],
      })
      .refine((c) => c.op !== 'in' || Array.isArray(c.value), { message: 'op "in" needs a list as its value', path: ['value'] }),
    z.strictObject({ count: pathText, op: z.enum(NUMERIC_OPS), value: z.number() }),
    z.strictObject({ new: pathText, key: z.union([itemField, z.array(itemField).min(1).max(4)]) }),
    z.strictObject({ any: z.array(conditionSchema).min(1).max(32) }),
    z.strictObject({ all: z.array(conditionSchema).min(1).max(32) }),
    z.strictObject({ not: conditionSchema }),
  ]),
) as z.ZodType<Condition>;

/** What one evaluation found; `details` says why (bounded), `seen` is the new memory of a `new` condition. */
export interface Evaluation {
  matched: boolean;
  /** Leaf results that made the condition true (or, when false, nothing). */
  details: Record<string, unknown>[];
  /** Set when the condition has a `new` part: the item keys to remember for the next run. */
  seen?: string[];
}

/** How many new items (and matched leaves) an alert's details carry at most. */
const MAX_DETAIL_ITEMS = 20;

/** The number of `new` parts in a condition (a check may have one: it has one memory). */
export function countNewParts(condition: Condition): number {
  if ('any' in condition) return condition.any.reduce((n, c) => n + countNewParts(c), 0);
  if ('all' in condition) return condition.all.reduce((n, c) => n + countNewParts(c), 0);
  if ('not' in condition) return countNewParts(condition.not);
  return 'new' in condition ? 1 : 0;
}

/**
 * Evaluates a (validated) condition on a result. `previousSeen` is what the `new` part remembered
 * from the previous run; undefined on the first run, when every item counts as new (a failure that
 * was already there when checking began is still reported once).
 */
export function evaluateCondition(condition: Condition, result: unknown, previousSeen: readonly string[] | undefined): Evaluation {
  const state: { seen?: string[] } = {};
  const details: Record<string, unknown>[] = [];
  const matched = evaluate(condition, result, previousSeen === undefined ? undefined : new Set(previousSeen), state, details);
  return { matched, details: matched ? details.slice(0, MAX_DETAIL_ITEMS) : [], ...(state.seen ? { seen: state.seen } : {}) };
}

function evaluate(
  condition: Condition,
  result: unknown,
  previous: ReadonlySet<string> | undefined,
  state: { seen?: string[] },
  details: Record<string, unknown>[],
): boolean {
  if ('any' in condition) {
    // Every branch runs (no short cut): a `new` branch must record its memory on every run.
    let any = false;
    for (const c of condition.any) any = evaluate(c, result, previous, state, details) || any;
    return any;
  }
  if ('all' in condition) {
    const local: Record<string, unknown>[] = [];
    let all = true;
    for (const c of condition.all) all = evaluate(c, result, previous, state, local) && all;
    if (all) details.push(...local);
    return all;
  }
  if ('not' in condition) return !evaluate(condition.not, result, previous, state, []);
  if ('new' in condition) {
    const items = readPath(result, path(condition.new));
    const list = Array.isArray(items) ? items : [];
    const fields = Array.isArray(condition.key) ? condition.key : [condition.key];
    const keys: string[] = [];
    const fresh: unknown[] = [];
    for (const item of list) {
      const key = itemKey(item, fields);
      if (key === undefined) continue;
      keys.push(key);
      if (!previous || !previous.has(key)) fresh.push(item);
    }
    state.seen = keys;
    if (fresh.length === 0) return false;
    details.push({ new: condition.new, key: condition.key, count: fresh.length, items: fresh.slice(0, MAX_DETAIL_ITEMS) });
    return true;
  }
  if ('count' in condition) {
    const value = readPath(result, path(condition.count));
    const size = Array.isArray(value) ? value.length : value !== null && typeof value === 'object' ? Object.keys(value).length : undefined;
    if (size === undefined || !compare(size, condition.op, condition.value)) return false;
    details.push({ count: condition.count, op: condition.op, value: condition.value, actual: size });
    return true;
  }
  const actual = readPath(result, path(condition.path));
  if (!compare(actual, condition.op, condition.value)) return false;
  details.push({ path: condition.path, op: condition.op, ...(condition.value === undefined ? {} : { value: condition.value }), actual: summarize(actual) });
  return true;
}

/** Compares without coercion: numbers with numbers, strings with strings; anything else only by equality. */
export function compare(actual: unknown, op: CompareOp, expected?: unknown): boolean {
  switch (op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'empty':
      return actual === undefined || actual === null || actual === '' || (Array.isArray(actual) && actual.length === 0) || (typeof actual === 'object' && Object.keys(actual).length === 0);
    case '==':
      return deepEqual(actual, expected);
    case '!=':
      return actual !== undefined && !deepEqual(actual, expected);
    case 'in':
      return Array.isArray(expected) && expected.some((e) => deepEqual(actual, e));
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((a) => deepEqual(a, expected));
    default: {
      const ordered = (typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string');
      if (!ordered) return false;
      const a = actual as number | string;
      const e = expected as number | string;
      return op === '>' ? a > e : op === '>=' ? a >= e : op === '<' ? a < e : a <= e;
    }
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function itemKey(item: unknown, fields: readonly string[]): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const parts: string[] = [];
  for (const field of fields) {
    const value = (item as Record<string, unknown>)[field];
    if (value === undefined || value === null || typeof value === 'object') return undefined;
    parts.push(String(value));
  }
  return JSON.stringify(parts);
}

/** A matched value as alert details carry it: scalars as they are, collections by size. */
function summarize(value: unknown): unknown {
  if (Array.isArray(value)) return { items: value.length };
  if (value !== null && typeof value === 'object') return { keys: Object.keys(value).length };
  if (typeof value === 'string' && value.length > 500) return `${value.slice(0, 500)}…`;
  return value;
}

const parsedPaths = new Map<string, PathSegment[]>();

/** Paths are validated when the file loads; parsed once here (bounded by the file's own paths). */
function path(text: string): PathSegment[] {
  let segments = parsedPaths.get(text);
  if (!segments) {
    segments = parsePath(text);
    parsedPaths.set(text, segments);
  }
  return segments;
}

/** Replaces `{{$.path}}` in a message with the value at that path (scalars; collections by size). */
export function renderMessage(template: string, result: unknown): string {
  return template.replace(/\{\{\s*(\$[^}]*?)\s*\}\}/g, (whole, text: string) => {
    let segments: PathSegment[];
    try {
      segments = path(text);
    } catch {
      return whole;
    }
    const value = summarize(readPath(result, segments));
    if (value === undefined) return '?';
    if (value !== null && typeof value === 'object') return String((value as { items?: number; keys?: number }).items ?? (value as { keys?: number }).keys);
    return String(value);
  });
}
