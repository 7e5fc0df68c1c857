import { createWorker } from '@mcpgw/worker-kit';
import { loadPostgresConfig } from './config.js';
import { DatabaseSet } from './databases.js';
import type { PostgresDeps } from './deps.js';
import { describeTable } from './tools/describe-table.js';
import { explain } from './tools/explain.js';
import { listDatabases } from './tools/list-databases.js';
import { listTables } from './tools/list-tables.js';
import { query } from './tools/query.js';

/**
 * PostgreSQL, read-only, over several named databases. Without POSTGRES_DATABASES it serves an
 * embedded demo database so a fresh install has something real to show.
 */
export const postgresWorker = createWorker<PostgresDeps>({
  name: 'postgres',
  version: '1.0.0',
  description: 'Read-only SQL over named PostgreSQL databases: list, describe, query and explain.',
  tools: [listDatabases, listTables, describeTable, query, explain],
  commands: [
    { pattern: 'list databases', tool: 'list_databases', description: 'The databases you can query.' },
    { pattern: '<database> list tables [<schema>]', tool: 'list_tables', description: 'Tables and views, with row estimates.' },
    { pattern: '<database> describe <table>', tool: 'describe_table', description: 'Columns, keys and indexes of a table.' },
    { pattern: '<database> query <sql>', tool: 'query', description: 'Run one read-only statement: query "select ..."' },
    { pattern: '<database> explain <sql>', tool: 'explain', description: 'The plan of a statement, without running it.' },
  ],
  requiredEnv: ['POSTGRES_DATABASES'],
  setup: (env, log) => {
    const loaded = loadPostgresConfig(env);
    if (!loaded.ok) return { status: 'unconfigured', missing: loaded.missing, reason: loaded.reason };
    const config = loaded.config;
    const embedded = config.databases.length === 0;
    return {
      status: 'configured',
      mode: embedded ? 'embedded' : 'live',
      ...(embedded
        ? {
            notes:
              'POSTGRES_DATABASES is not set: serving the built-in "demo" database (customers, products, orders, order_items) from an embedded PostgreSQL (PGlite). Set POSTGRES_DATABASES="name=postgres://..." to query your own.',
          }
        : {}),
      deps: async () => ({ config, databases: await DatabaseSet.open(config, log), typeNames: new Map() }),
      close: (deps) => deps.databases.close(),
    };
  },
  health: (deps, signal) => deps.databases.health(signal),
});

export { postgresEnvSchema } from './config.js';
