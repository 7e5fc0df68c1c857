/**
 * Deterministic sample data for the fake Odoo: a finance shared-service centre with one `res.company`
 * per reference agency, its journals, invoices/bills/entries for the last six months (draft, posted,
 * cancelled; paid, partial, overdue), payments, queue jobs in every state, crons (some failing),
 * server logs and activities (some overdue). Same `now` and seed → the same records, every run.
 */
import { SeedRandom } from '@mcpgw/ops-schema';
import type { OdooRecord, OdooStore } from './fake-odoo-models.js';

/** One company to create (an agency of the reference deployment). */
export interface FakeOdooCompany {
  code: string;
  name: string;
  tin: string;
  vatRegistered: boolean;
}

/** What the seed needs. */
export interface FakeOdooSeedOptions {
  now: Date;
  db: string;
  companies: readonly FakeOdooCompany[];
  /** Login names of the API users; they get uids 2, 3, ... in order. */
  logins: readonly string[];
  /** PRNG seed (default 0x0d00). */
  randomSeed?: number;
}

/** Counts per model after seeding. */
export type FakeOdooSeedSummary = Record<string, number>;

/** The seeded PRNG of the ops sample data, plus what the Odoo seed needs besides. */
export class FakeOdooRandom extends SeedRandom {
  /** A key chosen by weight. */
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as [T, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [key, w] of entries) {
      x -= w;
      if (x < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
  /** A version-4-looking UUID. */
  uuid(): string {
    const hex = (n: number): string =>
      Array.from({ length: n }, () => this.int(0, 15).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[this.int(0, 3)]}${hex(3)}-${hex(12)}`;
  }
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The Philippines (UTC+8, no DST): "today" and month boundaries of the operations are Manila's. */
const MANILA_OFFSET = 8 * HOUR;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** Odoo's datetime string (UTC). */
export const odooDatetime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
/** The Manila calendar date of an instant, as Odoo's date string. */
export const manilaDate = (ms: number): string => odooDatetime(ms + MANILA_OFFSET).slice(0, 10);
const dateMs = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const addDays = (date: string, days: number): string => odooDatetime(dateMs(date) + days * DAY).slice(0, 10);
const round2 = (n: number): number => Math.round(n * 100) / 100;

const CITIES: Record<string, string> = {
  MNL: 'Manila',
  CEB: 'Cebu City',
  DVO: 'Davao City',
  CLK: 'Angeles City',
  ILO: 'Iloilo City',
  BCD: 'Bacolod City',
  CDO: 'Cagayan de Oro',
  BAG: 'Baguio City',
};

const CUSTOMERS = [
  'Pacific Harbor Foods Inc.',
  'Luzon Steel Fabricators Corp.',
  'Visayan Beverage Distributors',
  'Mabuhay Retail Group',
  'Sierra Madre Construction',
  'Bayanihan Health Systems',
  'Golden Mango Exporters',
  'Metro Logistics Partners',
  'Island Hopper Travel Corp.',
  'Taal Lakeview Resorts',
  'Northpoint Property Ventures',
  'Kalayaan Telecom Services',
  'Sampaguita Pharma Trading',
  'Cordillera Coffee Roasters',
  'Rizal Educational Foundation',
  'Bukidnon Dairy Cooperative',
  'Palawan Pearl Ventures',
  'Quezon Agri Supply',
  'Subic Bay Marine Services',
  'Laguna Electronics Assembly',
  'Ilocos Heritage Crafts',
  'Samar Fisheries Corp.',
  'Batangas Port Services',
  'Pasig River Ferries Inc.',
];
const VENDORS = [
  'Meralco Business Center',
  'PLDT Enterprise',
  'Globe Business',
  'Manila Water Company',
  'Petron Fleet Cards',
  'National Bookstore Corporate',
  'Office Warehouse PH',
  'SGV Advisory Services',
  'Makati Office Leasing Corp.',
  'JRS Express Couriers',
  'Pioneer Insurance',
  'Cebu Pacific Corporate Travel',
  'Jollibee Corporate Catering',
  'Ayala Land Offices',
  'SM Supermalls Leasing',
  'Smart Communications Business',
];
const CONTACTS = ['Andrea Villanueva', 'Benjamin Tan', 'Carla Dizon', 'Dennis Aquino', 'Elena Castillo', 'Francis Lim', 'Grace Navarro', 'Hector Ramos'];
const EMPLOYEES = ['Maria Santos', 'Jose Reyes', 'Ana Cruz', 'Paolo Garcia', 'Liza Mendoza', 'Ramon Bautista'];

const JOURNALS = [
  { code: 'INV', name: 'Customer Invoices', type: 'sale', sequence: 5 },
  { code: 'BILL', name: 'Vendor Bills', type: 'purchase', sequence: 6 },
  { code: 'MISC', name: 'Miscellaneous Operations', type: 'general', sequence: 9 },
  { code: 'BNK1', name: 'Bank', type: 'bank', sequence: 10 },
  { code: 'CSH1', name: 'Cash', type: 'cash', sequence: 11 },
] as const;

const CRONS = [
  { name: 'Account: Post draft entries with auto_post enabled', model: 'account.move', code: 'model._autopost_draft_entries()', every: [1, 'days'] },
  { name: 'Payment: Send Payment Reminders', model: 'account.move', code: 'model._cron_send_followups()', every: [1, 'days'] },
  { name: 'BIR: Generate 2307 certificates', model: 'account.move', code: 'model._cron_generate_bir_2307()', every: [1, 'days'] },
  { name: 'BIR: Export SLSP / alphalist', model: 'account.move', code: 'model._cron_export_slsp()', every: [1, 'weeks'] },
  { name: 'Bank Synchronization: Fetch new transactions', model: 'account.journal', code: 'model._cron_fetch_online_transactions()', every: [4, 'hours'] },
  { name: 'Currency: rate update', model: 'res.currency', code: 'model.run_update_currency()', every: [1, 'days'] },
  { name: 'Jobs Garbage Collector', model: 'queue.job', code: 'model.requeue_stuck_jobs()', every: [5, 'minutes'] },
  { name: 'AutoVacuum Job Queue', model: 'queue.job', code: 'model.autovacuum()', every: [1, 'days'] },
  { name: 'Mail: Email Queue Manager', model: 'res.partner', code: 'model.process_email_queue()', every: [1, 'hours'] },
  { name: 'Activities: Daily digest', model: 'mail.activity', code: 'model._cron_daily_digest()', every: [1, 'days'] },
  { name: 'Base: Auto-vacuum internal data', model: 'ir.logging', code: 'model._run_vacuum_cleaner()', every: [1, 'days'] },
  { name: 'Month-end: Lock dates reminder', model: 'res.company', code: 'model._cron_lock_date_reminder()', every: [1, 'days'] },
] as const;

/** Failures of crons, by index in CRONS: consecutive failures and when the first one happened (days ago). */
const CRON_FAILURES: Record<number, { count: number; firstDaysAgo: number; error: string }> = {
  2: { count: 3, firstDaysAgo: 2, error: "UserError: Missing withholding tax code (ATC) on tax 'EWT 2%'" },
  4: { count: 6, firstDaysAgo: 9, error: 'requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host=\'api.bank.example\', port=443): Max retries exceeded' },
  5: { count: 1, firstDaysAgo: 0, error: 'ValueError: No rate found for currency USD on the provider BSP' },
};

const JOB_FAILURES = [
  { exc: 'odoo.exceptions.ValidationError', message: 'The invoice date is required to validate this document.', func: '_post_batch' },
  { exc: 'psycopg2.errors.SerializationFailure', message: 'could not serialize access due to concurrent update', func: '_reconcile_statement_lines' },
  { exc: 'requests.exceptions.ConnectTimeout', message: "HTTPSConnectionPool(host='efps.bir.gov.ph', port=443): Max retries exceeded", func: 'submit_efps_return' },
  { exc: 'odoo.exceptions.UserError', message: 'The journal entry is not balanced: difference of PHP 0.01.', func: '_post_batch' },
  { exc: 'odoo.exceptions.AccessError', message: "You are not allowed to access 'Journal Entry' (account.move) records.", func: 'action_send_and_print' },
  { exc: 'builtins.KeyError', message: "'l10n_ph_atc'", func: 'generate_bir_2307' },
];

const JOB_KINDS = [
  { model: 'account.move', method: '_post_batch', name: 'Post invoices batch', channel: 'root.account' },
  { model: 'account.move', method: 'action_send_and_print', name: 'Send invoices by email', channel: 'root.mail' },
  { model: 'account.bank.statement.line', method: '_reconcile_statement_lines', name: 'Auto-reconcile bank statement lines', channel: 'root.bank' },
  { model: 'account.move', method: 'generate_bir_2307', name: 'Generate BIR 2307 certificates', channel: 'root.bir' },
  { model: 'account.return', method: 'submit_efps_return', name: 'Submit eFPS return', channel: 'root.bir' },
  { model: 'res.partner', method: '_compute_credit_limits', name: 'Recompute partner credit', channel: 'root' },
];

const LOGGERS = [
  { name: 'odoo.addons.base.models.ir_cron', path: '/opt/odoo/odoo/addons/base/models/ir_cron.py', func: '_callback', line: '410' },
  { name: 'odoo.addons.queue_job.controllers.main', path: '/opt/odoo/addons/queue_job/controllers/main.py', func: '_try_perform_job', line: '113' },
  { name: 'odoo.sql_db', path: '/opt/odoo/odoo/sql_db.py', func: 'execute', line: '332' },
  { name: 'odoo.addons.account.models.account_move', path: '/opt/odoo/addons/account/models/account_move.py', func: '_post', line: '4187' },
  { name: 'odoo.http', path: '/opt/odoo/odoo/http.py', func: '_handle_error', line: '2140' },
  { name: 'odoo.addons.mail.models.mail_mail', path: '/opt/odoo/addons/mail/models/mail_mail.py', func: '_send', line: '574' },
];

const LOG_MESSAGES: Record<string, readonly string[]> = {
  CRITICAL: ['Failed to connect to the bank synchronization provider after 5 attempts', 'Worker memory limit reached (soft limit 2048MB), worker restarted'],
  ERROR: [
    'Job failed: psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update',
    'Mail delivery failed via SMTP server smtp.example.ph: Connection unexpectedly closed',
    'Bad query: SELECT "account_move".id FROM "account_move" WHERE ... canceling statement due to statement timeout',
    'Failed to generate BIR 2307: missing ATC on tax EWT 2%',
    'Exception during request handling: odoo.exceptions.ValidationError: Entries are not balanced',
  ],
  WARNING: [
    'Cron job took longer than expected (143.2s)',
    'Unbalanced journal entry draft detected in period',
    'Currency rate for USD is older than 3 days',
    'Retrying job after SerializationFailure (attempt 2/5)',
    'Partner without TIN used on a vendor bill subject to withholding',
  ],
  INFO: ['Job done: Post invoices batch', 'Starting job: Auto-reconcile bank statement lines', 'Fetched 42 new bank transactions', 'Email queue processed: 18 sent'],
};

const ACTIVITY_TYPES = ['Email', 'Call', 'Meeting', 'To-Do', 'Upload Document'];

/** Fills `store` with the sample data; returns the count per model. */
export function seedFakeOdoo(store: OdooStore, options: FakeOdooSeedOptions): FakeOdooSeedSummary {
  const rnd = new FakeOdooRandom(options.randomSeed ?? 0x0d00);
  const nowMs = options.now.getTime();
  const today = manilaDate(nowMs);
  const table = (model: string): Map<number, OdooRecord> => {
    let t = store.get(model);
    if (t === undefined) {
      t = new Map();
      store.set(model, t);
    }
    return t;
  };
  const insert = (model: string, values: Record<string, unknown>): OdooRecord => {
    const t = table(model);
    const id = typeof values['id'] === 'number' ? values['id'] : t.size === 0 ? 1 : Math.max(...t.keys()) + 1;
    const created = typeof values['create_date'] === 'string' ? values['create_date'] : odooDatetime(nowMs - 200 * DAY);
    const record: OdooRecord = { ...values, id, create_date: created, write_date: values['write_date'] ?? created };
    t.set(id, record);
    return record;
  };

  // Currencies, companies, users.
  insert('res.currency', { id: 1, name: 'PHP', symbol: '₱', active: true });
  insert('res.currency', { id: 2, name: 'USD', symbol: '$', active: true });
  const companies = options.companies.map((c, i) =>
    insert('res.company', {
      id: i + 1,
      name: c.name,
      sequence: 10 + i,
      company_registry: c.code,
      vat: c.tin,
      currency_id: 1,
      city: CITIES[c.code.split('-').pop() ?? ''] ?? null,
      email: `accounting@${c.code.toLowerCase()}.example.ph`,
      phone: `+63 2 8${pad(rnd.int(100, 999), 3)} ${pad(rnd.int(1000, 9999), 4)}`,
      street: null,
      active: true,
    }),
  );
  const companyIds = companies.map((c) => c.id);
  insert('res.users', { id: 1, name: 'OdooBot', login: '__system__', email: null, company_id: 1, company_ids: companyIds, active: false });
  options.logins.forEach((login, i) =>
    insert('res.users', {
      id: 2 + i,
      name: i === 0 ? 'Administrator' : login,
      login,
      email: login.includes('@') ? login : `${login}@example.ph`,
      company_id: 1,
      company_ids: companyIds,
      active: true,
    }),
  );
  const employees = EMPLOYEES.map((name) =>
    insert('res.users', {
      name,
      login: `${name.split(' ')[0]!.toLowerCase()}@acme-ssc.example.ph`,
      email: `${name.split(' ')[0]!.toLowerCase()}@acme-ssc.example.ph`,
      company_id: rnd.pick(companyIds),
      company_ids: companyIds,
      active: true,
    }),
  );

  // Partners: customer and vendor companies, some with a contact person; a couple archived.
  const customers: OdooRecord[] = [];
  const vendors: OdooRecord[] = [];
  const tin = (): string => `${pad(rnd.int(100, 999), 3)}-${pad(rnd.int(100, 999), 3)}-${pad(rnd.int(100, 999), 3)}-000`;
  for (const [names, list, customer] of [
    [CUSTOMERS, customers, true],
    [VENDORS, vendors, false],
  ] as const) {
    for (const name of names) {
      const partner = insert('res.partner', {
        name,
        is_company: true,
        parent_id: null,
        child_ids: [],
        vat: rnd.chance(0.85) ? tin() : null,
        email: `billing@${name.toLowerCase().replace(/[^a-z]+/g, '')}.example.ph`,
        phone: null,
        city: rnd.pick(Object.values(CITIES)),
        customer_rank: customer ? rnd.int(1, 40) : 0,
        supplier_rank: customer ? 0 : rnd.int(1, 40),
        credit: 0,
        debit: 0,
        company_id: null,
        active: !rnd.chance(0.06),
      });
      if (partner['active'] === true) list.push(partner);
      if (rnd.chance(0.4)) {
        const contact = insert('res.partner', {
          name: rnd.pick(CONTACTS),
          is_company: false,
          parent_id: partner.id,
          child_ids: [],
          vat: null,
          email: null,
          phone: null,
          city: partner['city'],
          customer_rank: 0,
          supplier_rank: 0,
          credit: 0,
          debit: 0,
          company_id: null,
          active: true,
        });
        (partner['child_ids'] as number[]).push(contact.id);
      }
    }
  }

  // Journals per company.
  const journals = new Map<string, OdooRecord>();
  for (const c of companies) {
    for (const j of JOURNALS) {
      journals.set(`${c.id}:${j.code}`, insert('account.journal', { name: j.name, code: j.code, type: j.type, sequence: j.sequence, company_id: c.id, currency_id: null, active: true }));
    }
  }

  // Journal entries: six months per company, generated then numbered in date order like Odoo's sequences.
  const monthStarts: string[] = [];
  for (let m = 0; m < 6; m++) {
    const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - m);
    monthStarts.push(odooDatetime(d.getTime()).slice(0, 10));
  }
  const moves: Record<string, unknown>[] = [];
  options.companies.forEach((agency, ci) => {
    const companyId = companyIds[ci]!;
    monthStarts.forEach((monthStart, age) => {
      const nextMonth = addDays(monthStart, 40).slice(0, 7) + '-01';
      const lastDay = age === 0 ? today : addDays(nextMonth, -1);
      const span = Math.max(0, Math.round((dateMs(lastDay) - dateMs(monthStart)) / DAY));
      const plan: [string, number][] = [
        ['out_invoice', rnd.int(6, 11)],
        ['in_invoice', rnd.int(4, 8)],
        ['entry', rnd.int(2, 4)],
        ['out_refund', rnd.chance(0.4) ? 1 : 0],
        ['in_refund', rnd.chance(0.2) ? 1 : 0],
      ];
      for (const [moveType, n] of plan) {
        for (let k = 0; k < n; k++) {
          const date = addDays(monthStart, rnd.int(0, span));
          const state =
            age === 0
              ? rnd.weighted({ draft: 40, posted: 55, cancel: 5 })
              : age === 1
                ? rnd.weighted({ draft: 15, posted: 80, cancel: 5 })
                : rnd.weighted({ draft: 2, posted: 93, cancel: 5 });
          const isInvoice = moveType !== 'entry';
          const partner = moveType.startsWith('out') ? rnd.pick(customers) : moveType.startsWith('in') ? rnd.pick(vendors) : null;
          const untaxed = round2(rnd.int(5_000, 450_000) + rnd.int(0, 99) / 100) / (moveType.endsWith('refund') ? 10 : 1);
          const tax = isInvoice && agency.vatRegistered ? round2(untaxed * 0.12) : 0;
          const total = round2(untaxed + tax);
          const terms = rnd.pick([15, 30, 30, 45, 60]);
          const due = isInvoice ? addDays(date, terms) : null;
          let paymentState = 'not_paid';
          let residual = state === 'cancel' ? 0 : total;
          if (state === 'posted' && isInvoice) {
            const overdueAge = due !== null && due < today;
            paymentState = overdueAge
              ? rnd.weighted({ paid: 62, partial: 10, not_paid: 22, in_payment: 6 })
              : rnd.weighted({ paid: 15, partial: 8, not_paid: 74, in_payment: 3 });
            if (moveType.endsWith('refund')) paymentState = rnd.weighted({ paid: 60, not_paid: 30, reversed: 10 });
            residual =
              paymentState === 'paid' || paymentState === 'in_payment' || paymentState === 'reversed'
                ? 0
                : paymentState === 'partial'
                  ? round2(total * rnd.pick([0.25, 0.4, 0.5, 0.7]))
                  : total;
          }
          if (!isInvoice) {
            paymentState = 'not_paid';
            residual = 0;
          }
          const sign = moveType === 'out_invoice' || moveType === 'in_refund' || moveType === 'entry' ? 1 : -1;
          const createdMs = dateMs(date) + rnd.int(1, 10) * HOUR;
          moves.push({
            name: null,
            ref: moveType === 'in_invoice' ? `SI-${rnd.int(10_000, 99_999)}` : moveType === 'entry' ? rnd.pick(['Payroll accrual', 'Depreciation', 'Rent accrual', 'Reclassification', 'Bank charges']) : null,
            move_type: moveType,
            state,
            payment_state: paymentState,
            partner_id: partner?.id ?? null,
            commercial_partner_id: partner?.id ?? null,
            invoice_user_id: rnd.pick(employees).id,
            invoice_date: isInvoice ? date : null,
            invoice_date_due: due,
            date,
            journal_id: journals.get(`${companyId}:${moveType.startsWith('out') ? 'INV' : moveType.startsWith('in') ? 'BILL' : 'MISC'}`)!.id,
            company_id: companyId,
            currency_id: 1,
            amount_untaxed: round2(untaxed),
            amount_tax: tax,
            amount_total: total,
            amount_residual: residual,
            amount_total_signed: round2(sign * total),
            amount_residual_signed: round2(sign * residual),
            invoice_origin: moveType === 'out_invoice' && rnd.chance(0.3) ? `SO${pad(rnd.int(1, 9999), 5)}` : null,
            narration: null,
            create_date: odooDatetime(Math.min(createdMs, nowMs)),
            write_date: odooDatetime(Math.min(createdMs + rnd.int(0, 72) * HOUR, nowMs)),
          });
        }
      }
    });
  });
  moves.sort((a, b) => String(a['date']).localeCompare(String(b['date'])));
  const sequences = new Map<string, number>();
  const moveRecords = moves.map((m) => {
    if (m['state'] !== 'draft') {
      const journal = table('account.journal').get(m['journal_id'] as number)!;
      const prefix = `${String(m['move_type']).endsWith('refund') ? 'R' : ''}${String(journal['code'])}`;
      const year = String(m['date']).slice(0, 4);
      const key = `${String(m['company_id'])}:${prefix}:${year}`;
      const n = (sequences.get(key) ?? 0) + 1;
      sequences.set(key, n);
      m['name'] = `${prefix}/${year}/${pad(n, 5)}`;
    } else {
      m['name'] = '/';
    }
    return insert('account.move', m);
  });

  // Partner balances from posted open items.
  for (const m of moveRecords) {
    if (m['state'] !== 'posted' || typeof m['partner_id'] !== 'number') continue;
    const partner = table('res.partner').get(m['partner_id'])!;
    const residual = m['amount_residual'] as number;
    if (m['move_type'] === 'out_invoice') partner['credit'] = round2((partner['credit'] as number) + residual);
    if (m['move_type'] === 'in_invoice') partner['debit'] = round2((partner['debit'] as number) + residual);
  }

  // Payments for paid/partly paid invoices, plus some drafts and cancellations.
  const paymentSeq = new Map<string, number>();
  for (const m of moveRecords) {
    const paid = m['payment_state'];
    const invoice = m['move_type'] === 'out_invoice' || m['move_type'] === 'in_invoice';
    if (!invoice || m['state'] !== 'posted' || (paid !== 'paid' && paid !== 'partial' && paid !== 'in_payment')) continue;
    const total = m['amount_total'] as number;
    const amount = paid === 'partial' ? round2(total - (m['amount_residual'] as number)) : total;
    const date = addDays(String(m['invoice_date']), rnd.int(3, 40));
    const payDate = date > today ? today : date;
    const state = 'posted';
    const bank = journals.get(`${String(m['company_id'])}:${rnd.chance(0.9) ? 'BNK1' : 'CSH1'}`)!;
    const key = `${bank.id}:${payDate.slice(0, 4)}`;
    const n = (paymentSeq.get(key) ?? 0) + 1;
    paymentSeq.set(key, n);
    insert('account.payment', {
      name: `P${String(bank['code'])}/${payDate.slice(0, 4)}/${pad(n, 5)}`,
      partner_id: m['partner_id'],
      amount,
      payment_type: m['move_type'] === 'out_invoice' ? 'inbound' : 'outbound',
      partner_type: m['move_type'] === 'out_invoice' ? 'customer' : 'supplier',
      date: payDate,
      journal_id: bank.id,
      company_id: m['company_id'],
      currency_id: 1,
      memo: m['name'],
      ref: m['name'],
      state,
      is_reconciled: paid === 'paid',
      is_matched: paid === 'paid' && rnd.chance(0.8),
      create_date: odooDatetime(Math.min(dateMs(payDate) + 9 * HOUR, nowMs)),
    });
  }
  for (let i = 0; i < companies.length * 2; i++) {
    const c = rnd.pick(companies);
    const customer = rnd.chance(0.5);
    insert('account.payment', {
      name: null,
      partner_id: (customer ? rnd.pick(customers) : rnd.pick(vendors)).id,
      amount: round2(rnd.int(1_000, 120_000)),
      payment_type: customer ? 'inbound' : 'outbound',
      partner_type: customer ? 'customer' : 'supplier',
      date: addDays(today, -rnd.int(0, 20)),
      journal_id: journals.get(`${c.id}:BNK1`)!.id,
      company_id: c.id,
      currency_id: 1,
      memo: null,
      ref: null,
      state: rnd.chance(0.75) ? 'draft' : 'cancel',
      is_reconciled: false,
      is_matched: false,
    });
  }

  // Queue jobs: every state, the failed ones with their exception.
  const jobStates = { done: 48, failed: 9, started: 2, enqueued: 3, pending: 5, wait_dependencies: 2, cancelled: 3 } as const;
  let failureIndex = 0;
  for (const [state, n] of Object.entries(jobStates) as [keyof typeof jobStates, number][]) {
    for (let i = 0; i < n; i++) {
      const kind = state === 'failed' ? JOB_KINDS.find((k) => k.method === JOB_FAILURES[failureIndex % JOB_FAILURES.length]!.func) ?? rnd.pick(JOB_KINDS) : rnd.pick(JOB_KINDS);
      const createdMs = nowMs - rnd.int(10, 10 * 24 * 60) * 60_000;
      const enqueuedMs = createdMs + rnd.int(1, 120) * 1000;
      const startedMs = enqueuedMs + rnd.int(1, 600) * 1000;
      const doneMs = startedMs + rnd.int(1, 300) * 1000;
      const company = rnd.pick(companies);
      const target = rnd.pick(moveRecords.filter((m) => m['company_id'] === company.id).slice(0, 40));
      const failure = state === 'failed' ? JOB_FAILURES[failureIndex++ % JOB_FAILURES.length]! : undefined;
      const maxRetries = 5;
      insert('queue.job', {
        uuid: rnd.uuid(),
        name: kind.name,
        model_name: kind.model,
        method_name: kind.method,
        func_string: `${kind.model}(${target?.id ?? 1},).${kind.method}()`,
        state,
        priority: 10,
        eta: state === 'pending' && rnd.chance(0.5) ? odooDatetime(nowMs + rnd.int(5, 120) * 60_000) : null,
        retry: state === 'failed' ? maxRetries : state === 'done' ? rnd.pick([0, 0, 0, 1]) : 0,
        max_retries: maxRetries,
        channel: kind.channel,
        date_created: odooDatetime(createdMs),
        date_enqueued: state === 'pending' || state === 'wait_dependencies' ? null : odooDatetime(enqueuedMs),
        date_started: ['started', 'done', 'failed'].includes(state) ? odooDatetime(Math.min(startedMs, nowMs)) : null,
        date_done: state === 'done' ? odooDatetime(Math.min(doneMs, nowMs)) : null,
        date_cancelled: state === 'cancelled' ? odooDatetime(Math.min(enqueuedMs + HOUR, nowMs)) : null,
        exc_name: failure?.exc ?? null,
        exc_message: failure?.message ?? null,
        exc_info:
          failure === undefined
            ? null
            : `Traceback (most recent call last):\n  File "/opt/odoo/addons/queue_job/controllers/main.py", line 113, in _try_perform_job\n    job.perform()\n  File "/opt/odoo/addons/queue_job/job.py", line 521, in perform\n    self.result = self.func(*tuple(self.args), **self.kwargs)\n  File "/opt/odoo/addons/custom/models/${kind.method}.py", line 57, in ${kind.method}\n${failure.exc.replace(/^builtins\./, '')}: ${failure.message}\n`,
        result: state === 'done' ? rnd.pick([null, 'Job done', `${rnd.int(1, 40)} records processed`]) : null,
        worker_pid: state === 'started' ? rnd.int(1000, 40000) : null,
        identity_key: null,
        company_id: company.id,
        user_id: 2,
        create_date: odooDatetime(createdMs),
      });
    }
  }

  // ir.model rows for the crons' targets.
  const irModels = new Map<string, number>();
  for (const cron of CRONS) {
    if (irModels.has(cron.model)) continue;
    irModels.set(cron.model, insert('ir.model', { name: cron.model, model: cron.model }).id);
  }

  // Crons, some failing; one auto-deactivated after ≥5 failures over ≥7 days (Odoo 18 behaviour).
  CRONS.forEach((cron, i) => {
    const failure = CRON_FAILURES[i];
    const [number, unit] = cron.every;
    const unitMs = unit === 'minutes' ? 60_000 : unit === 'hours' ? HOUR : unit === 'days' ? DAY : 7 * DAY;
    const lastMs = nowMs - rnd.int(1, Math.max(1, Math.floor((number * unitMs) / 60_000))) * 60_000;
    const deactivated = failure !== undefined && failure.count >= 5 && failure.firstDaysAgo >= 7;
    insert('ir.cron', {
      cron_name: cron.name,
      active: !deactivated && i !== CRONS.length - 1,
      model_id: irModels.get(cron.model)!,
      user_id: 1,
      code: cron.code,
      interval_number: number,
      interval_type: unit,
      numbercall: -1,
      doall: false,
      nextcall: odooDatetime(lastMs + number * unitMs),
      lastcall: odooDatetime(lastMs),
      priority: 5,
      failure_count: failure?.count ?? 0,
      first_failure_date: failure === undefined ? null : odooDatetime(nowMs - failure.firstDaysAgo * DAY - rnd.int(1, 20) * HOUR),
    });
  });

  // Server logs over the last 7 days (with --log-db); cron failures appear here on every version.
  const logs: Record<string, unknown>[] = [];
  for (let i = 0; i < 110; i++) {
    const level = rnd.weighted({ INFO: 40, WARNING: 30, ERROR: 25, CRITICAL: 5 });
    const logger = rnd.pick(LOGGERS);
    logs.push({
      create_date: odooDatetime(nowMs - rnd.int(1, 7 * 24 * 60) * 60_000),
      name: logger.name,
      type: 'server',
      dbname: options.db,
      level,
      message: rnd.pick(LOG_MESSAGES[level]!),
      path: logger.path,
      func: logger.func,
      line: logger.line,
    });
  }
  for (const [index, failure] of Object.entries(CRON_FAILURES)) {
    const cron = CRONS[Number(index)]!;
    for (let k = 0; k < Math.min(failure.count, 4); k++) {
      logs.push({
        create_date: odooDatetime(nowMs - failure.firstDaysAgo * DAY + k * 6 * HOUR - rnd.int(1, 60) * 60_000),
        name: 'odoo.addons.base.models.ir_cron',
        type: 'server',
        dbname: options.db,
        level: 'ERROR',
        message: `Call from cron ${cron.name} for server action #${100 + Number(index)} failed in Job #${1 + Number(index)}\n${failure.error}`,
        path: '/opt/odoo/odoo/addons/base/models/ir_cron.py',
        func: '_callback',
        line: '410',
      });
    }
  }
  logs.sort((a, b) => String(a['create_date']).localeCompare(String(b['create_date'])));
  for (const log of logs) insert('ir.logging', { ...log, write_date: log['create_date'] });

  // Activities on journal entries: review drafts, chase overdue receivables, approve bills.
  const activityTypes = ACTIVITY_TYPES.map((name, i) => insert('mail.activity.type', { name, sequence: i + 1, active: true }));
  const toDo = activityTypes.find((t) => t['name'] === 'To-Do')!;
  const call = activityTypes.find((t) => t['name'] === 'Call')!;
  const drafts = moveRecords.filter((m) => m['state'] === 'draft');
  const overdue = moveRecords.filter(
    (m) => m['move_type'] === 'out_invoice' && m['state'] === 'posted' && (m['payment_state'] === 'not_paid' || m['payment_state'] === 'partial') && String(m['invoice_date_due']) < today,
  );
  const bills = moveRecords.filter((m) => m['move_type'] === 'in_invoice' && m['state'] === 'draft');
  const plan: [OdooRecord[], string, OdooRecord, number][] = [
    [drafts, 'Review and post draft entry', toDo, 18],
    [overdue, 'Follow up on overdue payment', call, 16],
    [bills, 'Approve vendor bill', toDo, 10],
  ];
  for (const [records, summary, type, n] of plan) {
    for (let i = 0; i < Math.min(n, records.length); i++) {
      const move = records[Math.floor((i * records.length) / Math.min(n, records.length))]!;
      const done = rnd.chance(0.1);
      insert('mail.activity', {
        res_model: 'account.move',
        res_id: move.id,
        res_name: move['name'] === '/' ? `Draft (* ${move.id})` : move['name'],
        activity_type_id: type.id,
        summary,
        note: null,
        date_deadline: addDays(today, rnd.int(-12, 14)),
        date_done: done ? addDays(today, -rnd.int(0, 5)) : null,
        user_id: rnd.pick(employees).id,
        active: !done,
      });
    }
  }

  return Object.fromEntries([...store.entries()].map(([model, records]) => [model, records.size]));
}
