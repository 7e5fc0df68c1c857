/**
 * The read-side ORM of the fake Odoo: `search`, `search_count`, `read`, `search_read`, `read_group` and
 * `fields_get` over the in-memory store, with Odoo's argument binding (positional then keyword),
 * `active_test`, stable ordering and Odoo's faults for bad input.
 */
import { compileDomain, domainMentions } from './fake-odoo-domain.js';
import { accessError, attributeError, keyError, missingError, pyRepr, typeError, valueError } from './fake-odoo-faults.js';
import {
  fieldNames,
  fieldOf,
  ODOO_MODELS,
  rawValue,
  readValue,
  selectionOf,
  displayNameOf,
  type OdooEnv,
  type OdooFieldDef,
  type OdooModelDef,
  type OdooRecord,
} from './fake-odoo-models.js';

type Params = Record<string, unknown>;

/** Each read method's Python signature (after `self`), to bind positional args and reject unknown kwargs. */
const SIGNATURES: Record<string, readonly string[]> = {
  search: ['domain', 'offset', 'limit', 'order', 'count'],
  search_count: ['domain', 'limit'],
  read: ['ids', 'fields', 'load'],
  search_read: ['domain', 'fields', 'offset', 'limit', 'order', 'load'],
  read_group: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
  fields_get: ['allfields', 'attributes'],
  name_search: ['name', 'args', 'operator', 'limit'],
  check_access_rights: ['operation', 'raise_exception'],
};

/** Methods that would change data: the read-only fake answers them with an AccessError. */
const WRITE_METHODS = new Set([
  'create',
  'write',
  'unlink',
  'copy',
  'toggle_active',
  'action_archive',
  'action_unarchive',
  'action_post',
  'button_draft',
  'button_cancel',
  'requeue',
  'button_done',
  'action_done',
  'set_to_done',
  'method_direct_trigger',
  'action_feedback',
  'action_done_schedule_next',
  'action_register_payment',
  'message_post',
]);

/** Runs `method` of `modelName` with Odoo's `execute_kw` args/kwargs; throws OdooFault on any Odoo-side error. */
export function executeOrm(modelName: string, method: string, args: unknown, kwargs: unknown, env: OdooEnv): unknown {
  const model = ODOO_MODELS[modelName];
  if (model === undefined) throw keyError(modelName);
  if (method.startsWith('_')) {
    throw accessError(`Private methods (such as ${modelName}.${method}) cannot be called remotely.`);
  }
  if (WRITE_METHODS.has(method) || method.startsWith('action_') || method.startsWith('button_')) {
    throw accessError(
      `You are not allowed to modify '${model.description}' (${modelName}) records: this fake Odoo is read-only (${method}).`,
    );
  }
  const signature = SIGNATURES[method];
  if (signature === undefined) throw attributeError(`The method '${method}' does not exist on the model '${modelName}'`);
  const params = bind(method, signature, args, kwargs);
  const context = (params['context'] ?? {}) as Params;
  switch (method) {
    case 'search': {
      const ids = search(model, params, context, env);
      return params['count'] === true ? ids.length : ids;
    }
    case 'search_count': {
      const n = search(model, { domain: params['domain'] }, context, env).length;
      const limit = params['limit'];
      return typeof limit === 'number' && limit > 0 ? Math.min(n, limit) : n;
    }
    case 'read':
      return read(model, params, env);
    case 'search_read': {
      const ids = search(model, params, context, env);
      return readIds(model, ids, params['fields'], env, classicLoad(params));
    }
    case 'read_group':
      return readGroup(model, params, context, env);
    case 'fields_get':
      return fieldsGet(model, params, env);
    case 'name_search':
      return nameSearch(model, params, context, env);
    case 'check_access_rights':
      return true;
    default:
      throw attributeError(`The method '${method}' does not exist on the model '${modelName}'`);
  }
}

function bind(method: string, signature: readonly string[], args: unknown, kwargs: unknown): Params {
  const positional = args === undefined || args === null ? [] : args;
  if (!Array.isArray(positional)) throw typeError(`${method}() argument list must be a list, not ${pyRepr(args)}`);
  if (positional.length > signature.length) {
    throw typeError(`${method}() takes from 1 to ${signature.length + 1} positional arguments but ${positional.length + 1} were given`);
  }
  const params: Params = {};
  positional.forEach((value, i) => {
    params[signature[i]!] = value;
  });
  if (kwargs !== undefined && kwargs !== null) {
    if (typeof kwargs !== 'object' || Array.isArray(kwargs)) throw typeError(`${method}() keyword arguments must be a dict`);
    for (const [key, value] of Object.entries(kwargs as Params)) {
      if (key === 'context') {
        params['context'] = value;
        continue;
      }
      if (!signature.includes(key)) throw typeError(`${method}() got an unexpected keyword argument '${key}'`);
      if (key in params) throw typeError(`${method}() got multiple values for argument '${key}'`);
      params[key] = value;
    }
  }
  return params;
}

const optionalInt = (value: unknown, name: string): number | undefined => {
  if (value === undefined || value === null || value === false) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw valueError(`Invalid ${name}: ${pyRepr(value)}`);
  return value;
};

/** Matching records' ids, ordered and paged. */
function search(model: OdooModelDef, params: Params, context: Params, env: OdooEnv): number[] {
  const domain = params['domain'] ?? [];
  const predicate = compileDomain(model, domain, env);
  const activeTest =
    context['active_test'] !== false && fieldOf(model, 'active', env.version) !== undefined && !domainMentions(domain, 'active');
  const offset = optionalInt(params['offset'], 'offset') ?? 0;
  const limit = optionalInt(params['limit'], 'limit');
  const comparator = orderComparator(model, params['order'], env);
  const records = [...(env.store.get(model.name)?.values() ?? [])].filter(
    (r) => (!activeTest || r['active'] !== false) && predicate(r),
  );
  records.sort(comparator);
  const paged = limit === undefined || limit === 0 ? records.slice(offset) : records.slice(offset, offset + limit);
  return paged.map((r) => r.id);
}

const ORDER_SPEC = /^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\.id)?(\s+(desc|asc))?(\s+nulls\s+(first|last))?\s*(,|$))+(?<!,)$/i;

/** A comparator for an Odoo `order` string (`"date desc, id"`), always tie-broken by id for stable paging. */
function orderComparator(model: OdooModelDef, order: unknown, env: OdooEnv): (a: OdooRecord, b: OdooRecord) => number {
  const spec = order === undefined || order === null || order === false || order === '' ? model.order : order;
  if (typeof spec !== 'string' || !ORDER_SPEC.test(spec)) {
    throw valueError(
      `Invalid "order" specified (${String(spec)}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`,
    );
  }
  const terms = spec
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const [rawName = '', ...words] = t.split(/\s+/);
      const name = rawName.replace(/"/g, '').replace(/\.id$/, '');
      const def = fieldOf(model, name, env.version);
      if (def === undefined || def.type === 'one2many' || def.type === 'many2many') {
        throw valueError(`Invalid field '${name}' on model '${model.name}'`);
      }
      const lower = words.map((w) => w.toLowerCase());
      const desc = lower[0] === 'desc';
      const nullsIdx = lower.indexOf('nulls');
      // PostgreSQL's default: NULLS LAST for ascending, NULLS FIRST for descending.
      const nullsFirst = nullsIdx >= 0 ? lower[nullsIdx + 1] === 'first' : desc;
      return { name, def, desc, nullsFirst };
    });
  const sortKey = (def: OdooFieldDef, r: OdooRecord, name: string): unknown => {
    const raw = rawValue(model, r, name, env);
    if (def.type === 'many2one') {
      return typeof raw === 'number' && def.relation !== undefined ? (displayNameOf(def.relation, raw, env) ?? null) : null;
    }
    if (def.type === 'boolean') return raw === true ? 1 : 0;
    return raw === '' || raw === undefined || raw === false ? null : raw;
  };
  return (a, b) => {
    for (const term of terms) {
      const x = sortKey(term.def, a, term.name);
      const y = sortKey(term.def, b, term.name);
      if (x === y) continue;
      if (x === null) return term.nullsFirst ? -1 : 1;
      if (y === null) return term.nullsFirst ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      if (c !== 0) return term.desc ? -c : c;
    }
    return a.id - b.id;
  };
}

/** The field list of a read: all readable fields when none are named; throws ValueError for an unknown one. */
function readFields(model: OdooModelDef, fields: unknown, env: OdooEnv): string[] {
  if (fields === undefined || fields === null || fields === false || (Array.isArray(fields) && fields.length === 0)) {
    return fieldNames(model, env.version);
  }
  if (!Array.isArray(fields)) throw valueError(`Invalid fields: ${pyRepr(fields)}`);
  const names: string[] = ['id'];
  for (const name of fields) {
    if (typeof name !== 'string' || fieldOf(model, name, env.version) === undefined) {
      throw valueError(`Invalid field ${pyRepr(name)} on model ${pyRepr(model.name)}`);
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** `load=None` (JSON null/false) reads many2one fields as bare ids instead of `[id, name]`. */
const classicLoad = (params: Params): boolean => !('load' in params) || (params['load'] !== null && params['load'] !== false && params['load'] !== '');

function readIds(model: OdooModelDef, ids: number[], fields: unknown, env: OdooEnv, classic = true): Record<string, unknown>[] {
  const names = readFields(model, fields, env);
  const table = env.store.get(model.name);
  return ids.map((id) => {
    const record = table?.get(id);
    if (record === undefined) throw missingError(`Record does not exist or has been deleted.\n(Record: ${model.name}(${id},), User: 2)`);
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const def = fieldOf(model, name, env.version)!;
      const raw = rawValue(model, record, name, env);
      out[name] = name === 'id' ? id : !classic && def.type === 'many2one' ? (typeof raw === 'number' ? raw : false) : readValue(def, raw, env);
    }
    return out;
  });
}

function read(model: OdooModelDef, params: Params, env: OdooEnv): Record<string, unknown>[] {
  const rawIds = params['ids'];
  const ids = typeof rawIds === 'number' ? [rawIds] : rawIds;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'number' && Number.isInteger(id))) {
    throw valueError(`Invalid ids: ${pyRepr(rawIds)}`);
  }
  const unique = [...new Set(ids as number[])];
  const table = env.store.get(model.name);
  const missing = unique.filter((id) => table?.get(id) === undefined);
  if (missing.length > 0) {
    throw missingError(`Record does not exist or has been deleted.\n(Record: ${model.name}(${missing.join(', ')},), User: 2)`);
  }
  return readIds(model, unique, params['fields'], env, classicLoad(params));
}

const ATTRIBUTES = ['type', 'string', 'help', 'required', 'readonly', 'store', 'searchable', 'sortable', 'relation', 'selection'] as const;

function fieldsGet(model: OdooModelDef, params: Params, env: OdooEnv): Record<string, Record<string, unknown>> {
  const allfields = params['allfields'];
  const attributes = params['attributes'];
  const wanted = Array.isArray(allfields) && allfields.length > 0 ? (allfields as unknown[]) : fieldNames(model, env.version);
  const attrs = Array.isArray(attributes) && attributes.length > 0 ? (attributes as unknown[]) : ATTRIBUTES;
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of wanted) {
    if (typeof name !== 'string') continue;
    const def = fieldOf(model, name, env.version);
    if (def === undefined) continue;
    const full: Record<string, unknown> = {
      type: def.type,
      string: def.string,
      help: def.help ?? false,
      required: def.required === true,
      readonly: def.compute !== undefined || name === 'id' || name === 'display_name' || name === 'create_date' || name === 'write_date',
      store: def.compute === undefined && name !== 'display_name',
      searchable: true,
      sortable: def.compute === undefined && def.type !== 'one2many' && def.type !== 'many2many' && name !== 'display_name',
    };
    if (def.relation !== undefined) full['relation'] = def.relation;
    const selection = selectionOf(def, env.version);
    if (selection !== undefined) full['selection'] = selection.map(([k, v]) => [k, v]);
    const entry: Record<string, unknown> = {};
    for (const attr of attrs) {
      if (typeof attr === 'string' && attr in full) entry[attr] = full[attr];
    }
    out[name] = entry;
  }
  return out;
}

function nameSearch(model: OdooModelDef, params: Params, context: Params, env: OdooEnv): [number, string][] {
  const name = typeof params['name'] === 'string' ? params['name'] : '';
  const operator = typeof params['operator'] === 'string' ? params['operator'] : 'ilike';
  const extra = Array.isArray(params['args']) ? (params['args'] as unknown[]) : [];
  const limit = optionalInt(params['limit'], 'limit') ?? 100;
  const domain = name === '' ? extra : ['&', ['display_name', operator, name], ...(extra.length > 0 ? extra : [[1, '=', 1]])];
  const ids = search(model, { domain, limit }, context, env);
  return ids.map((id) => [id, displayNameOf(model.name, id, env) ?? '']);
}

// ---------------------------------------------------------------- read_group

type Granularity = 'day' | 'week' | 'month' | 'quarter' | 'year';
const GRANULARITIES = new Set(['day', 'week', 'month', 'quarter', 'year']);
const AGGREGATES = new Set(['sum', 'avg', 'min', 'max', 'count', 'count_distinct', 'bool_and', 'bool_or', 'array_agg']);
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface GroupBySpec {
  /** As given: `partner_id`, `date:month`. */
  spec: string;
  field: string;
  def: OdooFieldDef;
  granularity: Granularity | undefined;
}

interface AggregateSpec {
  alias: string;
  field: string;
  def: OdooFieldDef;
  fn: string;
}

function parseGroupBy(model: OdooModelDef, raw: unknown, env: OdooEnv): GroupBySpec[] {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list)) throw valueError(`Invalid groupby: ${pyRepr(raw)}`);
  return list.map((spec) => {
    if (typeof spec !== 'string') throw valueError(`Invalid groupby: ${pyRepr(spec)}`);
    const [field = '', gran] = spec.split(':');
    const def = fieldOf(model, field, env.version);
    if (def === undefined || def.type === 'one2many' || def.type === 'text' || def.type === 'html' || field === 'display_name') {
      throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(model.name)}`);
    }
    const isDate = def.type === 'date' || def.type === 'datetime';
    if (gran !== undefined && (!isDate || !GRANULARITIES.has(gran))) {
      throw valueError(`Invalid groupby ${pyRepr(spec)} on model ${pyRepr(model.name)}`);
    }
    return { spec, field, def, granularity: isDate ? ((gran ?? 'month') as Granularity) : undefined };
  });
}

const AGG_SPEC = /^(\w+)(?::(\w+)(?:\((\w+)\))?)?$/;

function parseAggregates(model: OdooModelDef, raw: unknown, groupby: GroupBySpec[], env: OdooEnv): AggregateSpec[] {
  if (raw === undefined || raw === null || raw === false) return [];
  if (!Array.isArray(raw)) throw valueError(`Invalid fields: ${pyRepr(raw)}`);
  const out: AggregateSpec[] = [];
  for (const spec of raw) {
    if (typeof spec !== 'string') throw valueError(`Invalid field specification ${pyRepr(spec)}`);
    const match = AGG_SPEC.exec(spec);
    if (match === null) throw valueError(`Invalid field specification ${pyRepr(spec)}`);
    const [, alias = '', fn, source] = match;
    const field = source ?? alias;
    if (field === '__count' || groupby.some((g) => g.field === field && fn === undefined)) continue;
    const def = fieldOf(model, field, env.version);
    if (def === undefined) throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(model.name)}`);
    if (fn !== undefined && !AGGREGATES.has(fn.toLowerCase())) throw valueError(`Invalid aggregation function ${pyRepr(fn)}.`);
    const numeric = def.type === 'integer' || def.type === 'float' || def.type === 'monetary';
    // Without an explicit aggregate Odoo applies the field's group_operator: sum for numbers, none otherwise.
    if (fn === undefined && !numeric) continue;
    if (field === 'id' && fn === undefined) continue;
    out.push({ alias, field, def, fn: (fn ?? 'sum').toLowerCase() });
  }
  return out;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const ymd = (d: Date): string => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** The [from, to) bounds and label of the date bucket holding `value`. */
function dateBucket(value: string, granularity: Granularity): { from: string; to: string; label: string } {
  const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  let from: Date;
  let to: Date;
  let label: string;
  switch (granularity) {
    case 'day':
      from = d;
      to = new Date(Date.UTC(y, m, d.getUTCDate() + 1));
      label = `${pad(d.getUTCDate())} ${MONTHS[m]!.slice(0, 3)} ${y}`;
      break;
    case 'week': {
      // ISO week: Monday start; babel's 'w YYYY' is the week-based year.
      const dow = (d.getUTCDay() + 6) % 7;
      from = new Date(Date.UTC(y, m, d.getUTCDate() - dow));
      to = new Date(from.getTime() + 7 * 86_400_000);
      const thursday = new Date(from.getTime() + 3 * 86_400_000);
      const weekYear = thursday.getUTCFullYear();
      const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000)) + 1;
      label = `W${week} ${weekYear}`;
      break;
    }
    case 'month':
      from = new Date(Date.UTC(y, m, 1));
      to = new Date(Date.UTC(y, m + 1, 1));
      label = `${MONTHS[m]} ${y}`;
      break;
    case 'quarter': {
      const q = Math.floor(m / 3);
      from = new Date(Date.UTC(y, q * 3, 1));
      to = new Date(Date.UTC(y, q * 3 + 3, 1));
      label = `Q${q + 1} ${y}`;
      break;
    }
    case 'year':
      from = new Date(Date.UTC(y, 0, 1));
      to = new Date(Date.UTC(y + 1, 0, 1));
      label = String(y);
      break;
  }
  return { from: ymd(from), to: ymd(to), label };
}

interface GroupKeyPart {
  /** Identity of the bucket (for grouping). */
  key: string;
  /** The value Odoo returns under the groupby key. */
  value: unknown;
  /** The leaves restricting `__domain` to this bucket. */
  domain: unknown[];
  /** For date buckets: `{from, to}`. */
  range?: { from: string; to: string };
  /** For ordering. */
  sort: unknown;
}

function groupKeyPart(model: OdooModelDef, g: GroupBySpec, record: OdooRecord, env: OdooEnv): GroupKeyPart {
  const raw = rawValue(model, record, g.field, env);
  const empty = raw === null || raw === undefined || raw === '' || raw === false;
  if (g.granularity !== undefined) {
    if (empty || typeof raw !== 'string') return { key: 'false', value: false, domain: [[g.field, '=', false]], sort: null };
    const bucket = dateBucket(raw, g.granularity);
    const bound = (s: string): string => (g.def.type === 'datetime' ? `${s} 00:00:00` : s);
    return {
      key: bucket.from,
      value: bucket.label,
      domain: ['&', [g.field, '>=', bound(bucket.from)], [g.field, '<', bound(bucket.to)]],
      range: { from: bound(bucket.from), to: bound(bucket.to) },
      sort: bucket.from,
    };
  }
  if (g.def.type === 'many2one') {
    if (typeof raw !== 'number' || g.def.relation === undefined) return { key: 'false', value: false, domain: [[g.field, '=', false]], sort: null };
    const name = displayNameOf(g.def.relation, raw, env) ?? '';
    return { key: String(raw), value: [raw, name], domain: [[g.field, '=', raw]], sort: name };
  }
  if (g.def.type === 'boolean') {
    return { key: String(raw === true), value: raw === true, domain: [[g.field, '=', raw === true]], sort: raw === true ? 1 : 0 };
  }
  if (empty) return { key: 'false', value: false, domain: [[g.field, '=', false]], sort: null };
  return { key: JSON.stringify(raw), value: raw, domain: [[g.field, '=', raw]], sort: raw };
}

function aggregate(model: OdooModelDef, agg: AggregateSpec, records: OdooRecord[], env: OdooEnv): unknown {
  const values = records.map((r) => rawValue(model, r, agg.field, env)).filter((v) => v !== null && v !== undefined && v !== '');
  const nums = values.filter((v): v is number => typeof v === 'number');
  switch (agg.fn) {
    case 'sum':
      return round(nums.reduce((s, v) => s + v, 0));
    case 'avg':
      return nums.length === 0 ? false : round(nums.reduce((s, v) => s + v, 0) / nums.length);
    case 'min':
    case 'max': {
      if (values.length === 0) return false;
      const sorted = [...values].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
      const v = agg.fn === 'min' ? sorted[0] : sorted[sorted.length - 1];
      return readValue(agg.def, v, env);
    }
    case 'count':
      return values.length;
    case 'count_distinct':
      return new Set(values.map((v) => JSON.stringify(v))).size;
    case 'bool_and':
      return records.every((r) => rawValue(model, r, agg.field, env) === true);
    case 'bool_or':
      return records.some((r) => rawValue(model, r, agg.field, env) === true);
    case 'array_agg':
      return values;
    default:
      return false;
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Odoo's `expression.AND([a, b])`: each domain normalized (missing '&'s prepended), joined by '&'. */
function andDomains(a: unknown[], b: unknown[]): unknown[] {
  const parts = [a, b].filter((d) => d.length > 0).map(normalizeDomain);
  if (parts.length === 0) return [];
  return [...Array<string>(parts.length - 1).fill('&'), ...parts.flat()];
}

/** Odoo's `normalize_domain`: an implicitly ANDed domain with the missing '&' operators prepended. */
function normalizeDomain(domain: unknown[]): unknown[] {
  // Top-level terms = leaves - binary operators (each '&'/'|' joins two terms into one; '!' keeps the count).
  let terms = 0;
  for (const t of domain) {
    if (t === '&' || t === '|') terms--;
    else if (t !== '!') terms++;
  }
  return terms > 1 ? [...Array<string>(terms - 1).fill('&'), ...domain] : domain;
}

function readGroup(model: OdooModelDef, params: Params, context: Params, env: OdooEnv): Record<string, unknown>[] {
  const domain = (Array.isArray(params['domain']) ? params['domain'] : []) as unknown[];
  const lazy = params['lazy'] !== false;
  const allGroupBy = parseGroupBy(model, params['groupby'] ?? [], env);
  const groupby = lazy ? allGroupBy.slice(0, 1) : allGroupBy;
  const aggregates = parseAggregates(model, params['fields'], allGroupBy, env);
  const offset = optionalInt(params['offset'], 'offset') ?? 0;
  const limit = optionalInt(params['limit'], 'limit');
  const ids = search(model, { domain }, context, env);
  const table = env.store.get(model.name)!;
  const records = ids.map((id) => table.get(id)!);

  const groups = new Map<string, { parts: GroupKeyPart[]; records: OdooRecord[] }>();
  for (const record of records) {
    const parts = groupby.map((g) => groupKeyPart(model, g, record, env));
    const key = parts.map((p) => p.key).join('\u0000');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { parts, records: [record] });
    else group.records.push(record);
  }
  const countKey = lazy ? `${groupby[0]?.field ?? ''}_count` : '__count';
  const rows = [...groups.values()].map(({ parts, records: members }) => {
    const row: Record<string, unknown> = {};
    groupby.forEach((g, i) => {
      row[g.spec] = parts[i]!.value;
    });
    row[groupby.length === 0 ? '__count' : countKey] = members.length;
    for (const agg of aggregates) row[agg.alias] = aggregate(model, agg, members, env);
    const ranges = groupby.flatMap((g, i) => (parts[i]!.range === undefined ? [] : [[g.spec, parts[i]!.range] as const]));
    if (ranges.length > 0) row['__range'] = Object.fromEntries(ranges);
    const groupDomain = parts.reduce<unknown[]>((acc, p) => andDomains(acc, p.domain), []);
    row['__domain'] = andDomains(groupDomain, domain);
    if (lazy && allGroupBy.length > 1) row['__context'] = { group_by: allGroupBy.slice(1).map((g) => g.spec) };
    return { row, parts, count: members.length };
  });
  rows.sort(groupComparator(params['orderby'], groupby, aggregates, countKey));
  const paged = limit === undefined || limit === 0 ? rows.slice(offset) : rows.slice(offset, offset + limit);
  return paged.map((r) => r.row);
}

function groupComparator(
  orderby: unknown,
  groupby: GroupBySpec[],
  aggregates: AggregateSpec[],
  countKey: string,
): (a: { row: Record<string, unknown>; parts: GroupKeyPart[] }, b: { row: Record<string, unknown>; parts: GroupKeyPart[] }) => number {
  type Term = { get: (x: { row: Record<string, unknown>; parts: GroupKeyPart[] }) => unknown; desc: boolean };
  const terms: Term[] = [];
  const spec = typeof orderby === 'string' && orderby.trim() !== '' ? orderby : undefined;
  if (spec !== undefined) {
    for (const part of spec.split(',')) {
      const [name = '', dir = 'asc'] = part.trim().split(/\s+/);
      const desc = dir.toLowerCase() === 'desc';
      const gi = groupby.findIndex((g) => g.spec === name || g.field === name);
      if (gi >= 0) terms.push({ get: (x) => x.parts[gi]!.sort, desc });
      else if (name === '__count' || name === countKey) terms.push({ get: (x) => x.row[countKey] ?? x.row['__count'], desc });
      else if (aggregates.some((a) => a.alias === name || a.field === name)) {
        const alias = aggregates.find((a) => a.alias === name || a.field === name)!.alias;
        terms.push({ get: (x) => x.row[alias], desc });
      } else throw valueError(`Invalid orderby ${pyRepr(spec)}: ${pyRepr(name)} is neither a groupby nor an aggregate`);
    }
  }
  groupby.forEach((_g, i) => terms.push({ get: (x) => x.parts[i]!.sort, desc: false }));
  return (a, b) => {
    for (const t of terms) {
      const x = t.get(a);
      const y = t.get(b);
      if (x === y) continue;
      if (x === null || x === undefined || x === false) return 1;
      if (y === null || y === undefined || y === false) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      if (c !== 0) return t.desc ? -c : c;
    }
    return 0;
  };
}
