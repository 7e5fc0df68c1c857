/**
 * The PostgREST subset the fake Supabase serves, as pure functions from a request's query string
 * to parameterised SQL. Every identifier comes from the table's real column list (never from the
 * caller) and every value travels as a bind parameter, so no caller text is ever spliced into SQL.
 */

/** One table or view of the exposed schema, as read from information_schema. */
export interface TableInfo {
  schema: string;
  name: string;
  /** Column name → data_type, in ordinal order. */
  columns: ReadonlyMap<string, string>;
  primaryKey: readonly string[];
}

/** A PostgREST-style error: the HTTP status plus the `{code, details, hint, message}` body. */
export class PostgrestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(message);
    this.name = 'PostgrestError';
  }

  /** The JSON body PostgREST sends. */
  toJSON(): { code: string; details: string | null; hint: string | null; message: string } {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message };
  }
}

/** Query-string keys that are not column filters. */
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'or', 'and', 'not.or', 'not.and', 'on_conflict', 'columns', 'apikey']);
const OPERATORS = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'in', 'is']);
const COMPARE: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const IS_VALUES: Record<string, string> = { null: 'NULL', not_null: 'NOT NULL', true: 'TRUE', false: 'FALSE', unknown: 'UNKNOWN' };
const CASTS = new Set(['text', 'int', 'integer', 'bigint', 'numeric', 'float', 'double precision', 'date', 'timestamptz', 'timestamp', 'boolean', 'json', 'jsonb']);
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes an identifier that is already known to exist (doubling any `"` all the same). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Collects bind parameters and hands out `$n` placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function parseError(message: string, details: string | null = null): PostgrestError {
  return new PostgrestError(400, 'PGRST100', message, details);
}

function column(table: TableInfo, name: string): string {
  if (!table.columns.has(name)) throw new PostgrestError(400, '42703', `column ${table.name}.${name} does not exist`);
  return quoteIdent(name);
}

/** Splits on commas that are outside parentheses and double quotes. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '\\' && quoted && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i += 1;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth += 1;
    else if (!quoted && ch === ')') depth -= 1;
    if (ch === ',' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
    if (depth < 0) throw parseError('unbalanced parentheses', text.slice(0, 200));
  }
  if (depth !== 0 || quoted) throw parseError('unbalanced parentheses or quotes', text.slice(0, 200));
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/** `op.value` (optionally `not.op.value`) on one column → a SQL condition. */
function condition(table: TableInfo, col: string, expr: string, params: Params): string {
  if (expr.startsWith('not.')) return `NOT (${condition(table, col, expr.slice(4), params)})`;
  const dot = expr.indexOf('.');
  const op = dot < 0 ? expr : expr.slice(0, dot);
  const value = dot < 0 ? '' : expr.slice(dot + 1);
  if (!OPERATORS.has(op) || dot < 0) throw parseError(`failed to parse filter (${expr.slice(0, 100)})`, `unknown or missing operator for column ${col}`);
  const c = column(table, col);
  if (op in COMPARE) return `${c} ${COMPARE[op]} ${params.add(value)}`;
  if (op === 'like' || op === 'ilike') return `${c}::text ${op === 'like' ? 'LIKE' : 'ILIKE'} ${params.add(value.replaceAll('*', '%'))}`;
  if (op === 'is') {
    const is = IS_VALUES[value.toLowerCase()];
    if (!is) throw parseError(`failed to parse filter (is.${value.slice(0, 50)})`, 'is accepts null, not_null, true, false or unknown');
    return `${c} IS ${is}`;
  }
  // in.(a,b,"c,d")
  if (!value.startsWith('(') || !value.endsWith(')')) throw parseError(`failed to parse filter (in.${value.slice(0, 50)})`, 'in expects a list: in.(a,b)');
  const inner = value.slice(1, -1);
  if (inner.trim() === '') return 'FALSE';
  return `${c} IN (${splitTopLevel(inner)
    .map((v) => params.add(unquote(v)))
    .join(', ')})`;
}

/** `(a.eq.1,b.gt.2,and(c.eq.3,d.is.null))` → a SQL condition joined by `joiner`. */
function logicTree(table: TableInfo, list: string, joiner: 'OR' | 'AND', params: Params): string {
  const trimmed = list.trim();
  if (!trimmed.startsWith('(') || !trimmed.endsWith(')')) throw parseError(`failed to parse logic tree (${trimmed.slice(0, 100)})`, 'expected a parenthesised list');
  const items = splitTopLevel(trimmed.slice(1, -1)).map((item) => {
    const t = item.trim();
    const nested = /^(not\.)?(or|and)(\(.*\))$/s.exec(t);
    if (nested) {
      const inner = logicTree(table, nested[3] as string, nested[2] === 'or' ? 'OR' : 'AND', params);
      return nested[1] ? `NOT ${inner}` : inner;
    }
    const dot = t.indexOf('.');
    if (dot <= 0) throw parseError(`failed to parse logic tree (${t.slice(0, 100)})`);
    return condition(table, t.slice(0, dot), t.slice(dot + 1), params);
  });
  return `(${items.join(` ${joiner} `)})`;
}

/** The WHERE conditions of a query string (column filters plus or/and trees). */
function whereClause(table: TableInfo, query: URLSearchParams, params: Params): string[] {
  const conditions: string[] = [];
  for (const [key, value] of query) {
    if (key === 'or' || key === 'and') conditions.push(logicTree(table, value, key === 'or' ? 'OR' : 'AND', params));
    else if (key === 'not.or' || key === 'not.and') conditions.push(`NOT ${logicTree(table, value, key === 'not.or' ? 'OR' : 'AND', params)}`);
    else if (!RESERVED.has(key)) conditions.push(condition(table, key, value, params));
  }
  return conditions;
}

/** `select=a,alias:b,c::text` → the select list (`*` when absent). */
export function selectList(table: TableInfo, select: string | null): string {
  if (select === null || select.trim() === '' || select.trim() === '*') return '*';
  return splitTopLevel(select)
    .map((raw) => {
      const item = raw.trim();
      if (item === '*') return '*';
      if (item.includes('(')) {
        throw new PostgrestError(400, 'PGRST200', `Could not find a relationship for '${item.slice(0, 60)}' in the schema cache`, 'the fake Supabase does not embed resources');
      }
      const cast = item.split('::');
      if (cast.length > 2) throw parseError(`failed to parse select parameter (${item.slice(0, 60)})`);
      const [target, type] = cast as [string, string | undefined];
      const colon = target.indexOf(':');
      const alias = colon >= 0 ? target.slice(0, colon).trim() : null;
      const name = colon >= 0 ? target.slice(colon + 1).trim() : target.trim();
      if (alias !== null && !ALIAS.test(alias)) throw parseError(`failed to parse select parameter (${item.slice(0, 60)})`, 'invalid alias');
      if (type !== undefined && !CASTS.has(type.trim().toLowerCase())) throw parseError(`failed to parse select parameter (${item.slice(0, 60)})`, 'unsupported cast');
      const expr = type === undefined ? column(table, name) : `${column(table, name)}::${type.trim().toLowerCase()}`;
      return alias !== null || type !== undefined ? `${expr} AS ${quoteIdent(alias ?? name)}` : expr;
    })
    .join(', ');
}

/** `order=a.desc.nullslast,b` → ORDER BY items. */
export function orderBy(table: TableInfo, order: string | null): string {
  if (order === null || order.trim() === '') return '';
  const items = order.split(',').map((raw) => {
    const [name, ...modifiers] = raw.trim().split('.');
    let direction = '';
    let nulls = '';
    for (const m of modifiers) {
      if (m === 'asc' || m === 'desc') direction = ` ${m.toUpperCase()}`;
      else if (m === 'nullsfirst' || m === 'nullslast') nulls = ` NULLS ${m === 'nullsfirst' ? 'FIRST' : 'LAST'}`;
      else throw parseError(`failed to parse order (${raw.slice(0, 60)})`, 'modifiers are asc, desc, nullsfirst, nullslast');
    }
    return `${column(table, name ?? '')}${direction}${nulls}`;
  });
  return ` ORDER BY ${items.join(', ')}`;
}

function nonNegativeInt(name: string, raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d{1,9}$/.test(raw)) throw parseError(`failed to parse ${name} parameter (${raw.slice(0, 30)})`);
  return Number(raw);
}

/** A `Range: first-[last]` request header, or null when absent. */
export function parseRangeHeader(header: string | undefined): { first: number; last: number | null } | null {
  if (header === undefined || header.trim() === '') return null;
  const match = /^\s*(?:items=)?(\d{1,9})-(\d{0,9})\s*$/.exec(header);
  if (!match) throw new PostgrestError(416, 'PGRST103', 'Requested range not satisfiable', `invalid Range header ${JSON.stringify(header.slice(0, 40))}`);
  const first = Number(match[1]);
  const last = match[2] === '' ? null : Number(match[2]);
  if (last !== null && last < first) throw new PostgrestError(416, 'PGRST103', 'Requested range not satisfiable', 'the range ends before it starts');
  return { first, last };
}

/** Everything needed to run one read. */
export interface ReadPlan {
  /** Returns one row `{ body: json text, n: rows }`. */
  sql: string;
  /** Returns one row `{ total }`, for `Prefer: count=...`. */
  countSql: string;
  params: unknown[];
  offset: number;
  limit: number;
}

/** Options of {@link planRead}. */
export interface ReadOptions {
  range: { first: number; last: number | null } | null;
  maxRows: number;
  /** True for the anon role: row-level security with no policies hides every row. */
  hideRows: boolean;
}

/** A GET on a table → parameterised SQL returning the rows as one JSON array text. */
export function planRead(table: TableInfo, query: URLSearchParams, options: ReadOptions): ReadPlan {
  const params = new Params();
  const conditions = whereClause(table, query, params);
  if (options.hideRows) conditions.push('FALSE');
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const columns = selectList(table, query.get('select'));
  const order = orderBy(table, query.get('order'));
  const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const limitParam = nonNegativeInt('limit', query.get('limit'));
  const offsetParam = nonNegativeInt('offset', query.get('offset'));
  const offset = offsetParam ?? options.range?.first ?? 0;
  const rangeSize = options.range && options.range.last !== null ? options.range.last - options.range.first + 1 : Infinity;
  const limit = Math.min(limitParam ?? Infinity, rangeSize, options.maxRows);
  // limit and offset are integers computed here, so they are written into the SQL as literals.
  return {
    sql: `SELECT coalesce(json_agg(_r), '[]')::text AS body, count(*)::int AS n FROM (SELECT ${columns} FROM ${from}${where}${order} LIMIT ${limit} OFFSET ${offset}) _r`,
    countSql: `SELECT count(*)::int AS total FROM ${from}${where}`,
    params: params.values,
    offset,
    limit,
  };
}

/** Options of {@link planInsert}. */
export interface InsertOptions {
  /** `Prefer: resolution=...` with `on_conflict` → an upsert. */
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
}

/** A POST body on a table → parameterised INSERT (optionally upsert) returning rows as JSON text. */
export function planInsert(table: TableInfo, query: URLSearchParams, body: unknown, options: InsertOptions): { sql: string; params: unknown[] } {
  const rows = Array.isArray(body) ? body : [body];
  if (rows.length === 0) return { sql: `SELECT '[]'::text AS body, 0 AS n`, params: [] };
  if (!rows.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
    throw new PostgrestError(400, 'PGRST102', 'Empty or invalid json', 'the body must be a JSON object or an array of objects');
  }
  const objects = rows as Record<string, unknown>[];
  const keys = query.get('columns')?.split(',').map((c) => c.trim()) ?? Object.keys(objects[0] as object);
  if (query.get('columns') === null) {
    const signature = [...keys].sort().join(',');
    if (!objects.every((o) => Object.keys(o).sort().join(',') === signature)) throw new PostgrestError(400, 'PGRST102', 'All object keys must match');
  }
  for (const key of keys) {
    if (!table.columns.has(key)) throw new PostgrestError(400, 'PGRST204', `Could not find the '${key.slice(0, 60)}' column of '${table.name}' in the schema cache`);
  }
  if (keys.length === 0) throw new PostgrestError(400, 'PGRST102', 'Empty or invalid json', 'no columns to insert');
  const params = new Params();
  const target = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const cols = keys.map(quoteIdent).join(', ');
  let conflict = '';
  if (options.resolution) {
    const onConflict = query.get('on_conflict')?.split(',').map((c) => c.trim()) ?? [...table.primaryKey];
    if (onConflict.length === 0) throw parseError('on_conflict is required: the table has no primary key');
    const arbiter = onConflict.map((c) => column(table, c)).join(', ');
    const updates = keys.filter((k) => !onConflict.includes(k)).map((k) => `${quoteIdent(k)} = EXCLUDED.${quoteIdent(k)}`);
    conflict =
      options.resolution === 'ignore-duplicates' || updates.length === 0 ? ` ON CONFLICT (${arbiter}) DO NOTHING` : ` ON CONFLICT (${arbiter}) DO UPDATE SET ${updates.join(', ')}`;
  }
  const returning = selectList(table, query.get('select'));
  const json = params.add(JSON.stringify(objects));
  return {
    sql: `WITH _ins AS (INSERT INTO ${target} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${target}, ${json}::json)${conflict} RETURNING ${returning}) SELECT coalesce(json_agg(_ins), '[]')::text AS body, count(*)::int AS n FROM _ins`,
    params: params.values,
  };
}

/** The `Content-Range` value for `n` rows from `offset` of `total` (null: not counted). */
export function contentRange(offset: number, n: number, total: number | null): string {
  const size = total === null ? '*' : String(total);
  return n === 0 ? `*/${size}` : `${offset}-${offset + n - 1}/${size}`;
}
