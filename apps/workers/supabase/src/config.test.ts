import { describe, expect, it } from '@jest/globals';
import { loadSupabaseConfig } from './config.js';

const KEY = 'sb_secret_abcdefghijklmnopqrstuvwxyz0123';

describe('supabase worker configuration', () => {
  it('reads the URL and key with defaults for the rest', () => {
    expect(loadSupabaseConfig({ SUPABASE_URL: 'https://abcdefghijklmnopqrst.supabase.co/', SUPABASE_SERVICE_ROLE_KEY: KEY })).toEqual({
      ok: true,
      config: {
        rest: { url: 'https://abcdefghijklmnopqrst.supabase.co', key: KEY },
        databaseUrl: undefined,
        schema: 'public',
        timeoutMs: 15_000,
        maxRows: 1_000,
        pageSize: 1_000,
        sandbox: false,
      },
    });
  });

  it('accepts a URL given with /rest/v1 and reads every option', () => {
    const result = loadSupabaseConfig({
      SUPABASE_URL: 'http://127.0.0.1:54321/rest/v1',
      SUPABASE_SERVICE_ROLE_KEY: KEY,
      SUPABASE_DB_URL: 'postgresql://postgres:pw@db.example:5432/postgres',
      SUPABASE_SCHEMA: 'ops',
      SUPABASE_TIMEOUT_MS: '2500',
      SUPABASE_MAX_ROWS: '200',
      SUPABASE_PAGE_SIZE: '50',
      SUPABASE_SANDBOX: 'true',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        rest: { url: 'http://127.0.0.1:54321', key: KEY },
        databaseUrl: 'postgresql://postgres:pw@db.example:5432/postgres',
        schema: 'ops',
        timeoutMs: 2_500,
        maxRows: 200,
        pageSize: 50,
        sandbox: true,
      },
    });
  });

  it('is unconfigured without credentials, naming what to set', () => {
    expect(loadSupabaseConfig({})).toMatchObject({ ok: false, missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] });
    expect(loadSupabaseConfig({ SUPABASE_URL: '', SUPABASE_SERVICE_ROLE_KEY: ' ' })).toMatchObject({ ok: false, missing: ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] });
  });

  it('needs the URL and the key together', () => {
    expect(loadSupabaseConfig({ SUPABASE_URL: 'https://x.supabase.co' })).toMatchObject({ ok: false, missing: ['SUPABASE_SERVICE_ROLE_KEY'] });
    expect(loadSupabaseConfig({ SUPABASE_SERVICE_ROLE_KEY: KEY, SUPABASE_DB_URL: 'postgres://u@h/db' })).toMatchObject({ ok: false, missing: ['SUPABASE_URL'] });
  });

  it('runs with only SUPABASE_DB_URL (database performance alone)', () => {
    expect(loadSupabaseConfig({ SUPABASE_DB_URL: 'postgres://u@h/db' })).toMatchObject({ ok: true, config: { rest: undefined, databaseUrl: 'postgres://u@h/db' } });
  });

  it('explains bad values without repeating secrets', () => {
    const result = loadSupabaseConfig({
      SUPABASE_URL: 'ftp://nope',
      SUPABASE_SERVICE_ROLE_KEY: 'short-secret',
      SUPABASE_DB_URL: 'mysql://root:hunter22@h/db',
      SUPABASE_SCHEMA: 'bad schema',
      SUPABASE_TIMEOUT_MS: '5',
    });
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toMatch(/SUPABASE_URL is invalid: must be an http\(s\) URL/);
    expect(reason).toMatch(/SUPABASE_SERVICE_ROLE_KEY is invalid: is too short/);
    expect(reason).toMatch(/SUPABASE_DB_URL is invalid: must be a postgres:\/\//);
    expect(reason).toMatch(/SUPABASE_SCHEMA is invalid/);
    expect(reason).toMatch(/SUPABASE_TIMEOUT_MS is invalid/);
    expect(reason).not.toContain('short-secret');
    expect(reason).not.toContain('hunter22');
  });
});
