import { describe, expect, it } from '@jest/globals';
import { loadBirConfig } from './config.js';

describe('bir worker configuration', () => {
  it('applies defaults when only BIR_DATABASE_URL is set', () => {
    expect(loadBirConfig({ BIR_DATABASE_URL: 'postgres://u:p@db/ops' })).toEqual({
      ok: true,
      config: { databaseUrl: 'postgres://u:p@db/ops', schema: 'public', holidaysFile: undefined, dueSoonDays: 7, poolMax: 5, queryTimeoutMs: 10_000, connectTimeoutMs: 5_000, sandbox: false },
    });
  });

  it('reads every setting', () => {
    const result = loadBirConfig({
      BIR_DATABASE_URL: 'postgresql://db/ops',
      BIR_DATABASE_SCHEMA: 'compliance',
      BIR_HOLIDAYS_FILE: ' /etc/mcpgw/holidays.csv ',
      BIR_DUE_SOON_DAYS: '14',
      BIR_POOL_MAX: '2',
      BIR_QUERY_TIMEOUT_MS: '2000',
      BIR_CONNECT_TIMEOUT_MS: '1000',
    });
    expect(result).toMatchObject({ ok: true, config: { schema: 'compliance', holidaysFile: '/etc/mcpgw/holidays.csv', dueSoonDays: 14, poolMax: 2, queryTimeoutMs: 2000, connectTimeoutMs: 1000 } });
  });

  it('names what is missing or wrong, never repeating the URL', () => {
    expect(loadBirConfig({})).toEqual({ ok: false, missing: ['BIR_DATABASE_URL'], reason: 'set BIR_DATABASE_URL' });
    const bad = loadBirConfig({ BIR_DATABASE_URL: 'mysql://u:secretpw@h/db', BIR_DATABASE_SCHEMA: 'Bad-Name', BIR_DUE_SOON_DAYS: 'soon' });
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/BIR_DATABASE_URL is invalid: must be a postgres:\/\/.*BIR_DATABASE_SCHEMA is invalid.*BIR_DUE_SOON_DAYS is invalid/) });
    expect(JSON.stringify(bad)).not.toContain('secretpw');
  });
});
