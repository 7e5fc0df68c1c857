import type pg from 'pg';

/** The one way repositories run SQL: errors arrive already mapped to StoreError where they mean something. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}
