import type { Queryable } from './queryable.js';
import type { ApiKeyRecord, KeyRepository, NewApiKey } from './store-types.js';
import { StoreError } from './store-error.js';

interface ApiKeyRow {
  prefix: string;
  hash: string;
  name: string;
  scopes: string[];
  rate_limit_max: number | null;
  rate_limit_window_ms: number | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'prefix, hash, name, scopes, rate_limit_max, rate_limit_window_ms, created_at, expires_at, last_used_at, revoked_at';

/** API keys in `<schema>.api_keys`: one statement per call, so it suits the single-session embedded engine. */
export class SqlKeyRepository implements KeyRepository {
  private readonly table: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.table = `"${schema}".api_keys`;
  }

  async create(key: NewApiKey): Promise<ApiKeyRecord> {
    try {
      const result = await this.db.query<ApiKeyRow>(
        `INSERT INTO ${this.table} (prefix, hash, name, scopes, expires_at, rate_limit_max, rate_limit_window_ms)
         VALUES ($1, $2, $3, $4::text[], $5, $6, $7) RETURNING ${COLUMNS}`,
        [key.prefix, key.hash, key.name, key.scopes, key.expiresAt, key.rateLimitMax, key.rateLimitWindowMs],
      );
      return toRecord(result.rows[0]!);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'duplicate') {
        throw new StoreError('duplicate', `an API key with prefix ${key.prefix} already exists`);
      }
      throw error;
    }
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE prefix = $1`, [prefix]);
    const row = result.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    const result = await this.db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE $1::boolean OR revoked_at IS NULL ORDER BY created_at DESC, prefix DESC`,
      [options.includeRevoked === true],
    );
    return result.rows.map(toRecord);
  }

  async revoke(prefix: string, at?: Date): Promise<ApiKeyRecord | undefined> {
    const result = await this.db.query<ApiKeyRow>(
      `UPDATE ${this.table} SET revoked_at = coalesce(revoked_at, $2::timestamptz, now()) WHERE prefix = $1 RETURNING ${COLUMNS}`,
      [prefix, at ?? null],
    );
    const row = result.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async touch(uses: { prefix: string; at: Date }[]): Promise<void> {
    if (uses.length === 0) return;
    // Several uses of one key in a batch collapse to the latest, so each row is updated once.
    await this.db.query(
      `UPDATE ${this.table} AS k SET last_used_at = greatest(k.last_used_at, u.at)
       FROM (SELECT prefix, max(at) AS at FROM unnest($1::text[], $2::timestamptz[]) AS t(prefix, at) GROUP BY prefix) AS u
       WHERE k.prefix = u.prefix`,
      [uses.map((use) => use.prefix), uses.map((use) => use.at)],
    );
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    prefix: row.prefix,
    hash: row.hash,
    name: row.name,
    scopes: row.scopes,
    rateLimitMax: row.rate_limit_max,
    rateLimitWindowMs: row.rate_limit_window_ms,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
