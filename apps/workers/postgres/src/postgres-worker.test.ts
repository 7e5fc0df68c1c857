import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { MetaKeys, WorkerMethods, healthReportSchema, serviceManifestSchema } from '@mcpgw/protocol';
import { createTestDatabase, type TestDatabase } from '@mcpgw/test-support';
import type { PreparedWorker } from '@mcpgw/worker-kit';
import pino from 'pino';
import { postgresWorker } from './postgres-worker.js';

/**
 * The postgres worker against the real PostgreSQL at DATABASE_URL, in a database of its own:
 * the tools, and the read-only guarantees (security.md I6).
 */
let sales: TestDatabase;
let ops: TestDatabase;
let worker: PreparedWorker;
let client: Client;

beforeAll(async () => {
  [sales, ops] = await Promise.all([createTestDatabase('mcpgw_pg_sales'), createTestDatabase('mcpgw_pg_ops')]);
  await sales.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), total numeric(10,2) CHECK (total >= 0), placed_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX orders_customer_idx ON orders (customer_id);
    CREATE SCHEMA audit;
    CREATE TABLE audit.events (id bigserial PRIMARY KEY, payload jsonb, raw bytea);
    INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com' FROM generate_series(1, 30) i;
    INSERT INTO orders SELECT i, 1 + i % 30, i * 10.5, '2026-01-01 00:00:00+00' FROM generate_series(1, 50) i;
    INSERT INTO audit.events (payload, raw) VALUES ('{"a": 1}', '\\xdeadbeef');
    ANALYZE;
  `);
  await ops.query('CREATE TABLE jobs (id int PRIMARY KEY)');
  worker = postgresWorker.prepare(
    {
      POSTGRES_DATABASES: `sales=${sales.url},ops=${ops.url}`,
      DB_QUERY_TIMEOUT_MS: '400',
      DB_MAX_ROWS: '20',
    },
    pino({ level: 'silent' }),
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await worker.createServer().connect(serverSide);
  client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client?.close();
  await worker?.close();
  await Promise.all([sales?.drop(), ops?.drop()]);
});

async function tool(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  return {
    data: result.structuredContent as any,
    error: result.isError ? ((result._meta as Record<string, { kind: string; message: string }>)[MetaKeys.error] ?? { kind: 'unknown', message: '' }) : undefined,
  };
}

describe('postgres worker tools', () => {
  it('announces itself as live with its commands', async () => {
    const manifest = await client.request({ method: WorkerMethods.manifest }, serviceManifestSchema);
    expect(manifest).toMatchObject({ name: 'postgres', mode: 'live', requiredEnv: ['POSTGRES_DATABASES'] });
    expect(manifest.commands.map((c) => c.pattern)).toContain('<database> query <sql>');
  });

  it('lists databases by name, never by URL', async () => {
    const { data } = await tool('list_databases', {});
    expect(data).toEqual({ databases: [{ name: 'sales', embedded: false }, { name: 'ops', embedded: false }] });
    expect(JSON.stringify(data)).not.toContain('postgres://');
  });

  it('lists schema-qualified tables with row estimates, optionally in one schema', async () => {
    const { data } = await tool('list_tables', { database: 'sales' });
    expect(data.tables).toEqual([
      { schema: 'audit', name: 'events', qualifiedName: 'audit.events', type: 'table', rowEstimate: 1 },
      { schema: 'public', name: 'customers', qualifiedName: 'public.customers', type: 'table', rowEstimate: 30 },
      { schema: 'public', name: 'orders', qualifiedName: 'public.orders', type: 'table', rowEstimate: 50 },
    ]);
    const audit = await tool('list_tables', { database: 'sales', schema: 'audit' });
    expect(audit.data.tables.map((t: { name: string }) => t.name)).toEqual(['events']);
  });

  it('describes columns, keys, constraints and indexes', async () => {
    const { data } = await tool('describe_table', { database: 'sales', table: 'public.orders' });
    expect(data.table).toMatchObject({ qualifiedName: 'public.orders', type: 'table', rowEstimate: 50 });
    expect(data.columns).toEqual([
      { position: 1, name: 'id', type: 'integer', nullable: false, default: null, comment: null },
      { position: 2, name: 'customer_id', type: 'integer', nullable: false, default: null, comment: null },
      { position: 3, name: 'total', type: 'numeric(10,2)', nullable: true, default: null, comment: null },
      { position: 4, name: 'placed_at', type: 'timestamp with time zone', nullable: false, default: 'now()', comment: null },
    ]);
    expect(data.primaryKey).toEqual(['id']);
    expect(data.foreignKeys).toEqual([{ name: 'orders_customer_id_fkey', columns: ['customer_id'], references: { table: 'customers', columns: ['id'] } }]);
    expect(data.checkConstraints[0].definition).toMatch(/total >= /);
    expect(data.indexes.map((i: { name: string }) => i.name)).toEqual(['orders_customer_idx', 'orders_pkey']);
  });

  it('says what to do when a table or database does not exist', async () => {
    expect((await tool('describe_table', { database: 'sales', table: 'nope' })).error).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/list them with list_tables/) });
    expect((await tool('list_tables', { database: 'hr' })).error).toMatchObject({ kind: 'not_found', message: 'no database "hr"; databases: sales, ops' });
  });

  it('runs parameterised queries and reports columns with types, rows and rowCount', async () => {
    const { data } = await tool('query', { database: 'sales', sql: 'select id, name, email from customers where id <= $1 order by id', params: [2] });
    expect(data).toMatchObject({
      columns: [
        { name: 'id', key: 'id', type: 'integer' },
        { name: 'name', key: 'name', type: 'text' },
        { name: 'email', key: 'email', type: 'text' },
      ],
      rows: [
        { id: 1, name: 'customer 1', email: 'c1@example.com' },
        { id: 2, name: 'customer 2', email: 'c2@example.com' },
      ],
      rowCount: 2,
      truncated: false,
    });
  });

  it('returns dates, numerics, json and bytea as readable values, and duplicate names with suffixes', async () => {
    const { data } = await tool('query', { database: 'sales', sql: "select placed_at, total, 1 as x, 2 as x from orders where id = 1" });
    expect(data.rows).toEqual([{ placed_at: '2026-01-01 00:00:00+00', total: '10.50', x: 1, x_2: 2 }]);
    const events = await tool('query', { database: 'sales', sql: 'select payload, raw from audit.events', rowMode: 'array' });
    expect(events.data.rows).toEqual([[{ a: 1 }, '\\xdeadbeef']]);
  });

  it('caps rows at DB_MAX_ROWS (or maxRows) and flags truncation', async () => {
    const capped = await tool('query', { database: 'sales', sql: 'select id from orders order by id' });
    expect(capped.data).toMatchObject({ rowCount: 20, truncated: true, maxRows: 20 });
    const small = await tool('query', { database: 'sales', sql: 'select id from orders order by id', maxRows: 3 });
    expect(small.data.rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const tooMany = await tool('query', { database: 'sales', sql: 'select id from orders', maxRows: 500 });
    expect(tooMany.data.maxRows).toBe(20);
  });

  it('explains a plan without running the statement', async () => {
    const json = await tool('explain', { database: 'sales', sql: 'select * from orders where customer_id = $1', params: [3] });
    expect(json.data.plan[0].Plan['Node Type']).toEqual(expect.any(String));
    const text = await tool('explain', { database: 'sales', sql: 'delete from orders', format: 'text' });
    expect(text.data.plan).toMatch(/Delete on orders/);
    expect((await sales.query<{ n: number }>('select count(*)::int as n from orders')).rows[0]?.n).toBe(50);
  });

  it('reports pool sizes in its health', async () => {
    const health = await client.request({ method: WorkerMethods.health }, healthReportSchema);
    expect(health.status).toBe('ok');
    expect(health.pools?.map((p) => p.name)).toEqual(['sales', 'ops']);
    expect(health.pools?.[0]?.size).toBeGreaterThanOrEqual(1);
  });
});

describe('read-only by construction (security.md I6)', () => {
  const attempts: [string, RegExp][] = [
    ['COMMIT; DROP TABLE customers', /only read statements/],
    ['select 1; drop table customers', /exactly one statement/],
    ['DELETE FROM customers', /only read statements/],
    ['WITH gone AS (DELETE FROM customers RETURNING *) SELECT count(*) FROM gone', /read-only/],
    ['select * from customers for update', /read-only/],
    ["DO $$ BEGIN DROP TABLE customers; END $$", /only read statements/],
    ["COPY customers TO PROGRAM 'touch /tmp/mcpgw-pwned'", /only read statements/],
    ["select * from customers; COPY customers TO PROGRAM 'id'", /exactly one statement/],
    ['SET ROLE postgres', /only read statements/],
    ['select nextval(pg_get_serial_sequence(\'audit.events\', \'id\'))', /read-only/],
    ['create table evil (id int)', /only read statements/],
  ];

  it.each(attempts)('refuses %j and changes nothing', async (sql, message) => {
    const { error } = await tool('query', { database: 'sales', sql });
    expect(error).toBeDefined();
    expect(error!.message).toMatch(message);
    expect(['rejected', 'failed']).toContain(error!.kind);
    const counts = await sales.query<{ c: number; o: number; tables: number }>(
      "select (select count(*)::int from customers) c, (select count(*)::int from orders) o, (select count(*)::int from pg_tables where schemaname = 'public') tables",
    );
    expect(counts.rows[0]).toEqual({ c: 30, o: 50, tables: 2 });
  });

  it('keeps the session read-only even after a set_config attempt', async () => {
    await tool('query', { database: 'sales', sql: "select set_config('default_transaction_read_only', 'off', false)" });
    const { error } = await tool('query', { database: 'sales', sql: 'with x as (insert into customers values (99, \'x\') returning 1) select * from x' });
    expect(error?.message).toMatch(/read-only/);
  });

  it('cuts off a long statement at DB_QUERY_TIMEOUT_MS with a clear error', async () => {
    // Left alone, the statement would run for 60 s, past this test's timeout.
    const { error } = await tool('query', { database: 'sales', sql: 'SELECT pg_sleep(60)' });
    expect(error).toMatchObject({ kind: 'upstream_timeout', message: expect.stringMatching(/cancelled after 400 ms \(DB_QUERY_TIMEOUT_MS\)/) });
    // The pool is healthy afterwards.
    expect((await tool('query', { database: 'sales', sql: 'select 1 as one' })).data.rows).toEqual([{ one: 1 }]);
  });

  it('never lets a write through explain', async () => {
    const { error } = await tool('explain', { database: 'sales', sql: 'ANALYZE' });
    expect(error?.kind).toBe('rejected');
  });
});

describe('unreachable and misconfigured databases', () => {
  it('reports down with the database name, never its URL, and answers calls with a clear error', async () => {
    const broken = postgresWorker.prepare(
      { POSTGRES_DATABASES: 'gone=postgres://user:pw-not-shown@127.0.0.1:1/nothing', DB_CONNECT_TIMEOUT_MS: '500' },
      pino({ level: 'silent' }),
    );
    const [c, s] = InMemoryTransport.createLinkedPair();
    await broken.createServer().connect(s);
    const probe = new Client({ name: 'probe', version: '1' });
    await probe.connect(c);
    try {
      const health = await probe.request({ method: WorkerMethods.health }, healthReportSchema);
      expect(health).toMatchObject({ status: 'down', reason: expect.stringMatching(/^gone: cannot reach database gone/) });
      const result = await probe.callTool({ name: 'list_tables', arguments: { database: 'gone' } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result)).not.toContain('pw-not-shown');
    } finally {
      await probe.close();
      await broken.close();
    }
  });

  it('starts unconfigured, naming the problem, when POSTGRES_DATABASES is malformed', async () => {
    const bad = postgresWorker.prepare({ POSTGRES_DATABASES: 'sales=mysql://x' }, pino({ level: 'silent' }));
    expect(await bad.health()).toMatchObject({ status: 'unconfigured', reason: expect.stringMatching(/sales must be a postgres:\/\//) });
  });
});
