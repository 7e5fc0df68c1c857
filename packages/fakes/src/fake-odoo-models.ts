/**
 * The fake Odoo's model registry: the finance models of integrations.md §1.7 with their field types,
 * labels, selections and the Odoo versions each field exists in, plus how a stored value is read back
 * (many2one → `[id, "Display Name"]`, empty → `false`, ...).
 */

/** Odoo field types the fake knows. */
export type OdooFieldType =
  | 'integer'
  | 'float'
  | 'monetary'
  | 'char'
  | 'text'
  | 'html'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many';

/** One stored record: raw values (many2one = id or null, x2many = id list, dates as Odoo strings). */
export type OdooRecord = Record<string, unknown> & { id: number };

/** What a computed field sees. */
export interface OdooEnv {
  /** Every model's records by id. */
  store: OdooStore;
  /** The server's major version (16, 17, 18, 19). */
  version: number;
  /** Today (UTC) as YYYY-MM-DD, for computed states such as `mail.activity.state`. */
  today: string;
}

/** A field definition. */
export interface OdooFieldDef {
  type: OdooFieldType;
  string: string;
  relation?: string;
  selection?: ReadonlyArray<readonly [string, string]>;
  /** First major version with the field (inclusive). */
  minVersion?: number;
  /** Last major version with the field (inclusive). */
  maxVersion?: number;
  required?: boolean;
  /** Computed from the record on read (not stored, but searchable in the fake). */
  compute?: (record: OdooRecord, env: OdooEnv) => unknown;
  /** Version-specific selection values (the payment rework of 18.0). */
  selectionFor?: (version: number) => ReadonlyArray<readonly [string, string]>;
  help?: string;
}

/** A model definition. */
export interface OdooModelDef {
  name: string;
  description: string;
  /** Default `_order`. */
  order: string;
  fields: Record<string, OdooFieldDef>;
  /** Builds the display name. */
  displayName: (record: OdooRecord, env: OdooEnv) => string;
}

/** All records of every model. */
export type OdooStore = Map<string, Map<number, OdooRecord>>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const byName = (record: OdooRecord): string => str(record['name']);

const MOVE_TYPES = [
  ['entry', 'Journal Entry'],
  ['out_invoice', 'Customer Invoice'],
  ['out_refund', 'Customer Credit Note'],
  ['in_invoice', 'Vendor Bill'],
  ['in_refund', 'Vendor Credit Note'],
  ['out_receipt', 'Sales Receipt'],
  ['in_receipt', 'Purchase Receipt'],
] as const;

const MOVE_DRAFT_LABEL: Record<string, string> = {
  entry: 'Entry',
  out_invoice: 'Invoice',
  out_refund: 'Credit Note',
  in_invoice: 'Bill',
  in_refund: 'Refund',
  out_receipt: 'Sales Receipt',
  in_receipt: 'Purchase Receipt',
};

const PAYMENT_STATES_17 = [
  ['not_paid', 'Not Paid'],
  ['in_payment', 'In Payment'],
  ['paid', 'Paid'],
  ['partial', 'Partially Paid'],
  ['reversed', 'Reversed'],
  ['invoicing_legacy', 'Invoicing App Legacy'],
] as const;

const PAYMENT_RECORD_STATES_17 = [
  ['draft', 'Draft'],
  ['posted', 'Posted'],
  ['cancel', 'Cancelled'],
] as const;
const PAYMENT_RECORD_STATES_18 = [
  ['draft', 'Draft'],
  ['in_process', 'In Process'],
  ['paid', 'Paid'],
  ['canceled', 'Canceled'],
  ['rejected', 'Rejected'],
] as const;

/** `account.payment.state` as 18.0 reworked it, derived from the ≤17 state stored by the seed. */
function paymentState(record: OdooRecord, env: OdooEnv): unknown {
  const state = record['state'];
  if (env.version < 18) return state;
  if (state === 'posted') return record['is_reconciled'] === true ? 'paid' : 'in_process';
  if (state === 'cancel') return 'canceled';
  return state;
}

/** `mail.activity.state`: computed from the deadline against today. */
function activityState(record: OdooRecord, env: OdooEnv): unknown {
  if (record['active'] === false && env.version >= 17) return 'done';
  const deadline = str(record['date_deadline']);
  if (deadline === '') return false;
  if (deadline < env.today) return 'overdue';
  if (deadline === env.today) return 'today';
  return 'planned';
}

const company = { type: 'many2one', string: 'Company', relation: 'res.company' } as const;
const currency = { type: 'many2one', string: 'Currency', relation: 'res.currency' } as const;

/** The models the fake serves. */
export const ODOO_MODELS: Record<string, OdooModelDef> = {
  'res.currency': {
    name: 'res.currency',
    description: 'Currency',
    order: 'active desc, name',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Currency', required: true },
      symbol: { type: 'char', string: 'Symbol' },
      active: { type: 'boolean', string: 'Active' },
    },
  },
  'res.company': {
    name: 'res.company',
    description: 'Companies',
    order: 'sequence, name',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Company Name', required: true },
      sequence: { type: 'integer', string: 'Sequence' },
      company_registry: { type: 'char', string: 'Company ID', help: 'The agency code in the reference deployment.' },
      vat: { type: 'char', string: 'Tax ID' },
      currency_id: currency,
      street: { type: 'char', string: 'Street' },
      city: { type: 'char', string: 'City' },
      email: { type: 'char', string: 'Email' },
      phone: { type: 'char', string: 'Phone' },
      active: { type: 'boolean', string: 'Active' },
    },
  },
  'res.users': {
    name: 'res.users',
    description: 'User',
    order: 'name, login',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Name', required: true },
      login: { type: 'char', string: 'Login', required: true },
      email: { type: 'char', string: 'Email' },
      company_id: company,
      company_ids: { type: 'many2many', string: 'Companies', relation: 'res.company' },
      active: { type: 'boolean', string: 'Active' },
    },
  },
  'res.partner': {
    name: 'res.partner',
    description: 'Contact',
    order: 'complete_name asc, id desc',
    displayName: (r, env) => {
      const parentId = r['parent_id'];
      const parent = typeof parentId === 'number' ? env.store.get('res.partner')?.get(parentId) : undefined;
      return parent === undefined ? byName(r) : `${byName(parent)}, ${byName(r)}`;
    },
    fields: {
      name: { type: 'char', string: 'Name' },
      complete_name: { type: 'char', string: 'Complete Name', compute: (r, env) => ODOO_MODELS['res.partner']?.displayName(r, env) },
      is_company: { type: 'boolean', string: 'Is a Company' },
      parent_id: { type: 'many2one', string: 'Related Company', relation: 'res.partner' },
      child_ids: { type: 'one2many', string: 'Contact', relation: 'res.partner' },
      vat: { type: 'char', string: 'Tax ID' },
      email: { type: 'char', string: 'Email' },
      phone: { type: 'char', string: 'Phone' },
      city: { type: 'char', string: 'City' },
      customer_rank: { type: 'integer', string: 'Customer Rank' },
      supplier_rank: { type: 'integer', string: 'Supplier Rank' },
      credit: { type: 'monetary', string: 'Total Receivable' },
      debit: { type: 'monetary', string: 'Total Payable' },
      company_id: company,
      active: { type: 'boolean', string: 'Active' },
    },
  },
  'account.journal': {
    name: 'account.journal',
    description: 'Journal',
    order: 'sequence, type, code',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Journal Name', required: true },
      code: { type: 'char', string: 'Short Code', required: true },
      type: {
        type: 'selection',
        string: 'Type',
        required: true,
        selection: [
          ['sale', 'Sales'],
          ['purchase', 'Purchase'],
          ['cash', 'Cash'],
          ['bank', 'Bank'],
          ['general', 'Miscellaneous'],
        ],
      },
      sequence: { type: 'integer', string: 'Sequence' },
      company_id: company,
      currency_id: currency,
      active: { type: 'boolean', string: 'Active' },
    },
  },
  'account.move': {
    name: 'account.move',
    description: 'Journal Entry',
    order: 'date desc, name desc, id desc',
    displayName: (r) => {
      if (r['state'] === 'draft' || r['name'] === '/' || r['name'] === null) {
        return `Draft ${MOVE_DRAFT_LABEL[str(r['move_type'])] ?? 'Entry'} (* ${r.id})`;
      }
      return byName(r);
    },
    fields: {
      name: { type: 'char', string: 'Number' },
      ref: { type: 'char', string: 'Reference' },
      move_type: { type: 'selection', string: 'Type', required: true, selection: MOVE_TYPES },
      state: {
        type: 'selection',
        string: 'Status',
        required: true,
        selection: [
          ['draft', 'Draft'],
          ['posted', 'Posted'],
          ['cancel', 'Cancelled'],
        ],
      },
      payment_state: {
        type: 'selection',
        string: 'Payment Status',
        selection: PAYMENT_STATES_17,
        selectionFor: (v) => (v >= 17 ? [...PAYMENT_STATES_17, ['blocked', 'Blocked']] : PAYMENT_STATES_17),
      },
      partner_id: { type: 'many2one', string: 'Partner', relation: 'res.partner' },
      commercial_partner_id: { type: 'many2one', string: 'Commercial Entity', relation: 'res.partner' },
      invoice_user_id: { type: 'many2one', string: 'Salesperson', relation: 'res.users' },
      invoice_date: { type: 'date', string: 'Invoice/Bill Date' },
      invoice_date_due: { type: 'date', string: 'Due Date' },
      date: { type: 'date', string: 'Date', required: true },
      journal_id: { type: 'many2one', string: 'Journal', relation: 'account.journal', required: true },
      company_id: company,
      currency_id: currency,
      amount_untaxed: { type: 'monetary', string: 'Untaxed Amount' },
      amount_tax: { type: 'monetary', string: 'Tax' },
      amount_total: { type: 'monetary', string: 'Total' },
      amount_residual: { type: 'monetary', string: 'Amount Due' },
      amount_total_signed: { type: 'monetary', string: 'Total Signed' },
      amount_residual_signed: { type: 'monetary', string: 'Amount Due Signed' },
      invoice_origin: { type: 'char', string: 'Origin' },
      narration: { type: 'html', string: 'Terms and Conditions' },
    },
  },
  'account.payment': {
    name: 'account.payment',
    description: 'Payments',
    order: 'date desc, name desc',
    displayName: (r) => (str(r['name']) === '' ? 'Draft Payment' : byName(r)),
    fields: {
      name: { type: 'char', string: 'Number' },
      partner_id: { type: 'many2one', string: 'Customer/Vendor', relation: 'res.partner' },
      amount: { type: 'monetary', string: 'Amount' },
      payment_type: {
        type: 'selection',
        string: 'Payment Type',
        required: true,
        selection: [
          ['outbound', 'Send'],
          ['inbound', 'Receive'],
        ],
      },
      partner_type: {
        type: 'selection',
        string: 'Partner Type',
        selection: [
          ['customer', 'Customer'],
          ['supplier', 'Vendor'],
        ],
      },
      date: { type: 'date', string: 'Date' },
      journal_id: { type: 'many2one', string: 'Journal', relation: 'account.journal' },
      company_id: company,
      currency_id: currency,
      memo: { type: 'char', string: 'Memo', minVersion: 18 },
      ref: { type: 'char', string: 'Reference', maxVersion: 17 },
      state: {
        type: 'selection',
        string: 'Status',
        selection: PAYMENT_RECORD_STATES_17,
        selectionFor: (v) => (v >= 18 ? PAYMENT_RECORD_STATES_18 : PAYMENT_RECORD_STATES_17),
        compute: paymentState,
      },
      is_reconciled: { type: 'boolean', string: 'Is Reconciled' },
      is_matched: { type: 'boolean', string: 'Is Matched With a Bank Statement' },
    },
  },
  'queue.job': {
    name: 'queue.job',
    description: 'Queue Job',
    order: 'date_created DESC, date_done DESC',
    displayName: byName,
    fields: {
      uuid: { type: 'char', string: 'UUID', required: true },
      name: { type: 'char', string: 'Description' },
      model_name: { type: 'char', string: 'Model' },
      method_name: { type: 'char', string: 'Method' },
      func_string: { type: 'char', string: 'Task' },
      state: {
        type: 'selection',
        string: 'State',
        required: true,
        selection: [
          ['wait_dependencies', 'Wait Dependencies'],
          ['pending', 'Pending'],
          ['enqueued', 'Enqueued'],
          ['started', 'Started'],
          ['done', 'Done'],
          ['cancelled', 'Cancelled'],
          ['failed', 'Failed'],
        ],
      },
      priority: { type: 'integer', string: 'Priority' },
      eta: { type: 'datetime', string: 'Execute only after' },
      retry: { type: 'integer', string: 'Current try' },
      max_retries: { type: 'integer', string: 'Max. retries', help: 'Default 5; 0 means infinite retries.' },
      channel: { type: 'char', string: 'Channel' },
      date_created: { type: 'datetime', string: 'Created Date' },
      date_enqueued: { type: 'datetime', string: 'Enqueue Time' },
      date_started: { type: 'datetime', string: 'Start Date' },
      date_done: { type: 'datetime', string: 'Date Done' },
      date_cancelled: { type: 'datetime', string: 'Date Cancelled' },
      exc_name: { type: 'char', string: 'Exception' },
      exc_message: { type: 'char', string: 'Exception Message' },
      exc_info: { type: 'text', string: 'Exception Info' },
      result: { type: 'text', string: 'Result' },
      worker_pid: { type: 'integer', string: 'Worker PID' },
      identity_key: { type: 'char', string: 'Identity Key' },
      company_id: company,
      user_id: { type: 'many2one', string: 'User ID', relation: 'res.users' },
    },
  },
  'ir.model': {
    name: 'ir.model',
    description: 'Models',
    order: 'model',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Model Description', required: true },
      model: { type: 'char', string: 'Model', required: true },
    },
  },
  'ir.cron': {
    name: 'ir.cron',
    description: 'Scheduled Actions',
    order: 'cron_name',
    displayName: (r) => str(r['cron_name']),
    fields: {
      cron_name: { type: 'char', string: 'Name' },
      name: { type: 'char', string: 'Action Name', compute: (r) => r['cron_name'] },
      active: { type: 'boolean', string: 'Active' },
      model_id: { type: 'many2one', string: 'Model', relation: 'ir.model', required: true },
      user_id: { type: 'many2one', string: 'Scheduler User', relation: 'res.users', required: true },
      code: { type: 'text', string: 'Python Code' },
      interval_number: { type: 'integer', string: 'Interval Number' },
      interval_type: {
        type: 'selection',
        string: 'Interval Unit',
        selection: [
          ['minutes', 'Minutes'],
          ['hours', 'Hours'],
          ['days', 'Days'],
          ['weeks', 'Weeks'],
          ['months', 'Months'],
        ],
      },
      numbercall: { type: 'integer', string: 'Number of Calls', maxVersion: 17 },
      doall: { type: 'boolean', string: 'Repeat Missed', maxVersion: 17 },
      nextcall: { type: 'datetime', string: 'Next Execution Date', required: true },
      lastcall: { type: 'datetime', string: 'Last Execution Date' },
      priority: { type: 'integer', string: 'Priority' },
      failure_count: { type: 'integer', string: 'Failure Count', minVersion: 18 },
      first_failure_date: { type: 'datetime', string: 'First Failure Date', minVersion: 18 },
    },
  },
  'ir.logging': {
    name: 'ir.logging',
    description: 'Logging',
    order: 'id DESC',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Name', required: true },
      type: {
        type: 'selection',
        string: 'Type',
        required: true,
        selection: [
          ['client', 'Client'],
          ['server', 'Server'],
        ],
      },
      dbname: { type: 'char', string: 'Database Name' },
      level: { type: 'char', string: 'Level' },
      message: { type: 'text', string: 'Message', required: true },
      path: { type: 'char', string: 'Path', required: true },
      func: { type: 'char', string: 'Function', required: true },
      line: { type: 'char', string: 'Line', required: true },
    },
  },
  'mail.activity.type': {
    name: 'mail.activity.type',
    description: 'Activity Type',
    order: 'sequence, id',
    displayName: byName,
    fields: {
      name: { type: 'char', string: 'Name', required: true },
      sequence: { type: 'integer', string: 'Sequence' },
      active: { type: 'boolean', string: 'Active' },
    },
  },
  'mail.activity': {
    name: 'mail.activity',
    description: 'Activity',
    order: 'date_deadline ASC, id ASC',
    displayName: (r) => str(r['summary']) || 'Activity',
    fields: {
      res_model: { type: 'char', string: 'Related Document Model' },
      res_id: { type: 'integer', string: 'Related Document ID' },
      res_name: { type: 'char', string: 'Document Name' },
      activity_type_id: { type: 'many2one', string: 'Activity Type', relation: 'mail.activity.type' },
      summary: { type: 'char', string: 'Summary' },
      note: { type: 'html', string: 'Note' },
      date_deadline: { type: 'date', string: 'Due Date', required: true },
      date_done: { type: 'date', string: 'Done Date', minVersion: 17 },
      user_id: { type: 'many2one', string: 'Assigned to', relation: 'res.users' },
      state: {
        type: 'selection',
        string: 'State',
        selection: [
          ['overdue', 'Overdue'],
          ['today', 'Today'],
          ['planned', 'Planned'],
        ],
        selectionFor: (v) => (v >= 17 ? [['overdue', 'Overdue'], ['today', 'Today'], ['planned', 'Planned'], ['done', 'Done']] : [['overdue', 'Overdue'], ['today', 'Today'], ['planned', 'Planned']]),
        compute: activityState,
      },
      active: { type: 'boolean', string: 'Active', minVersion: 17 },
    },
  },
};

/** Fields every model has. */
const MAGIC_FIELDS: Record<string, OdooFieldDef> = {
  id: { type: 'integer', string: 'ID' },
  display_name: { type: 'char', string: 'Display Name' },
  create_date: { type: 'datetime', string: 'Created on' },
  write_date: { type: 'datetime', string: 'Last Updated on' },
};

/** The field `name` of `model` as it exists in `version`, or undefined. */
export function fieldOf(model: OdooModelDef, name: string, version: number): OdooFieldDef | undefined {
  const def = MAGIC_FIELDS[name] ?? model.fields[name];
  if (def === undefined) return undefined;
  if (def.minVersion !== undefined && version < def.minVersion) return undefined;
  if (def.maxVersion !== undefined && version > def.maxVersion) return undefined;
  return def;
}

/** Every field name of `model` that exists in `version`, magic fields first. */
export function fieldNames(model: OdooModelDef, version: number): string[] {
  return [...Object.keys(MAGIC_FIELDS), ...Object.keys(model.fields)].filter((n) => fieldOf(model, n, version) !== undefined);
}

/** The raw (stored or computed) value of a field. */
export function rawValue(model: OdooModelDef, record: OdooRecord, name: string, env: OdooEnv): unknown {
  if (name === 'display_name') return model.displayName(record, env);
  const def = fieldOf(model, name, env.version);
  if (def?.compute !== undefined) return def.compute(record, env);
  const value = record[name];
  return value === undefined ? null : value;
}

/** The display name of the record `id` of `relation`, or undefined when it does not exist. */
export function displayNameOf(relation: string, id: number, env: OdooEnv): string | undefined {
  const model = ODOO_MODELS[relation];
  const record = env.store.get(relation)?.get(id);
  if (model === undefined || record === undefined) return undefined;
  return model.displayName(record, env);
}

/** A raw value as Odoo's `read` returns it. */
export function readValue(def: OdooFieldDef, raw: unknown, env: OdooEnv): unknown {
  switch (def.type) {
    case 'many2one': {
      if (typeof raw !== 'number' || def.relation === undefined) return false;
      const name = displayNameOf(def.relation, raw, env);
      return name === undefined ? false : [raw, name];
    }
    case 'one2many':
    case 'many2many':
      return Array.isArray(raw) ? [...(raw as number[])] : [];
    case 'integer':
      return typeof raw === 'number' ? raw : 0;
    case 'float':
    case 'monetary':
      return typeof raw === 'number' ? raw : 0;
    case 'boolean':
      return raw === true;
    default:
      return raw === null || raw === undefined || raw === '' ? false : raw;
  }
}

/** The selection values of a field in `version`. */
export function selectionOf(def: OdooFieldDef, version: number): ReadonlyArray<readonly [string, string]> | undefined {
  return def.selectionFor?.(version) ?? def.selection;
}

/** The major version number of an Odoo version string ('17.0' → 17, 'saas~17.2' → 17). */
export function majorVersion(version: string): number {
  const match = /(\d+)/.exec(version);
  return match === null ? 17 : Number(match[1]);
}
