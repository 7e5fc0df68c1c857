import Cursor from 'pg-cursor';
import type pg from 'pg';
import { typeParsers } from './databases.js';
import type { PostgresDeps } from './deps.js';

export interface StatementResult {
  fields: { name: string; dataTypeID: number }[];
  rows: unknown[][];
  /** More rows existed than were read. */
  truncated: boolean;
}

/**
 * Runs one caller-supplied statement through a cursor: always the extended protocol (so a
 * `;`-separated second statement is refused by the server), and never more than `maxRows` rows
 * read from the server.
 */
export function runStatement(client: pg.PoolClient, sql: string, params: unknown[], maxRows: number): Promise<StatementResult> {
  const cursor = client.query(new Cursor(sql, params, { rowMode: 'array', types: typeParsers }));
  return new Promise((resolve, reject) => {
    cursor.read(maxRows + 1, (error, rows, result) => {
      if (error) {
        reject(error);
        return;
      }
      const fields = (result?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
      const truncated = rows.length > maxRows;
      cursor.close(() => resolve({ fields, rows: truncated ? rows.slice(0, maxRows) : (rows as unknown[][]), truncated }));
    });
  });
}

/** Names of column types (`integer`, `timestamp with time zone`), cached per database. */
export async function typeNames(deps: PostgresDeps, database: string, client: pg.PoolClient, oids: number[]): Promise<Map<number, string>> {
  let cache = deps.typeNames.get(database);
  if (!cache) {
    cache = new Map();
    deps.typeNames.set(database, cache);
  }
  const missing = [...new Set(oids)].filter((oid) => !cache.has(oid));
  if (missing.length > 0) {
    const result = await client.query<{ oid: number; name: string }>('SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])', [
      missing,
    ]);
    for (const row of result.rows) cache.set(row.oid, row.name);
  }
  return cache;
}
