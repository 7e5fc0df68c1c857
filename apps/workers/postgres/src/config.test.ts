import { describe, expect, it } from '@jest/globals';
import { loadPostgresConfig, parseDatabases } from './config.js';

describe('POSTGRES_DATABASES', () => {
  it('reads name=url pairs, allowing commas inside a URL query string', () => {
    const { databases, problems } = parseDatabases(
      'sales=postgres://u:p@db1:5432/sales?sslmode=require&options=-c%20a,b, ops = postgresql://u@db2/ops',
    );
    expect(problems).toEqual([]);
    expect(databases).toEqual([
      { name: 'sales', connectionString: 'postgres://u:p@db1:5432/sales?sslmode=require&options=-c%20a,b' },
      { name: 'ops', connectionString: 'postgresql://u@db2/ops' },
    ]);
  });

  it('explains each bad entry without repeating its URL', () => {
    const { problems } = parseDatabases('Sales=postgres://u:secretpw@h/db,list=postgres://u:secretpw@h/x,ops=mysql://u:secretpw@h/db,a=postgres://x@h/1,a=postgres://x@h/2');
    expect(problems).toEqual([
      expect.stringMatching(/entry 1: the name must be lower-case/),
      expect.stringMatching(/"list" is a command word/),
      expect.stringMatching(/ops must be a postgres:\/\/ or postgresql:\/\/ URL/),
      expect.stringMatching(/a is listed twice/),
    ]);
    expect(problems.join(' ')).not.toContain('secretpw');
  });

  it('falls back to the embedded demo database when unset', () => {
    const result = loadPostgresConfig({});
    expect(result).toEqual({
      ok: true,
      config: { databases: [], poolMax: 5, idleTimeoutMs: 30_000, queryTimeoutMs: 10_000, connectTimeoutMs: 5_000, maxRows: 1_000, demoCacheDir: undefined },
    });
  });

  it('keeps the demo database cache under XDG_CACHE_HOME or ~/.cache', () => {
    expect(loadPostgresConfig({ HOME: '/home/ana' })).toMatchObject({ config: { demoCacheDir: '/home/ana/.cache/mcp-gateway' } });
    expect(loadPostgresConfig({ HOME: '/home/ana', XDG_CACHE_HOME: '/var/cache/x' })).toMatchObject({ config: { demoCacheDir: '/var/cache/x/mcp-gateway' } });
  });

  it('reports bad settings as a reason instead of throwing', () => {
    const result = loadPostgresConfig({ DB_POOL_MAX: 'lots', POSTGRES_DATABASES: 'x=postgres://h/db' });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/DB_POOL_MAX is invalid/) });
  });
});
