import { describe, expect, it } from '@jest/globals';
import { credentialRedactor, describeDatabaseUrl } from './connection-url.js';
import { isUnavailableError, StoreError, toStoreError } from './store-error.js';

describe('describeDatabaseUrl', () => {
  it.each([
    ['postgres://gw:secret@db.internal:6543/gateway?sslmode=require', 'db.internal:6543/gateway'],
    ['postgresql://gw@127.0.0.1/gateway', '127.0.0.1:5432/gateway'],
    ['postgres://gw:secret@/gateway?host=/run/postgresql', '/run/postgresql:5432/gateway'],
    ['postgres://gw:secret@db', 'db:5432/(default)'],
    ['not a url', 'postgres (unparsable DATABASE_URL)'],
  ])('describes %s as %s, without user or password', (url, expected) => {
    expect(describeDatabaseUrl(url)).toBe(expected);
  });
});

describe('credentialRedactor', () => {
  it('removes the whole URL and its password, raw and decoded', () => {
    const url = 'postgres://gw:p%40ss%2Fw0rd@db:5432/gateway';
    const redact = credentialRedactor(url);
    expect(redact(`failed: ${url}`)).toBe('failed: ***');
    expect(redact('password p@ss/w0rd was refused; raw p%40ss%2Fw0rd')).toBe('password *** was refused; raw ***');
  });

  it('removes a password given as a query parameter', () => {
    expect(credentialRedactor('postgres://db/gateway?password=hunter22')('auth hunter22')).toBe('auth ***');
  });

  it('leaves text alone when there is no URL', () => {
    expect(credentialRedactor(undefined)('nothing secret')).toBe('nothing secret');
  });
});

describe('toStoreError', () => {
  const redact = credentialRedactor('postgres://gw:topsecret@db/x');

  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }],
    [{ code: 'ENOENT', message: 'connect ENOENT /data/.s.PGSQL.5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [new Error('timeout exceeded when trying to connect')],
    [new Error('Connection terminated unexpectedly')],
    [new Error('Query read timeout')],
  ])('maps %o to unavailable', (error) => {
    const mapped = toStoreError(error, 'db:5432/x', redact);
    expect(mapped).toBeInstanceOf(StoreError);
    expect((mapped as StoreError).code).toBe('unavailable');
    expect((mapped as StoreError).message).toMatch(/^the gateway store at db:5432\/x is unavailable/);
    expect(isUnavailableError(error)).toBe(true);
  });

  it('scrubs the password from the message', () => {
    const mapped = toStoreError({ code: '28P01', message: 'password topsecret rejected' }, 'db:5432/x', redact) as StoreError;
    expect(mapped.code).toBe('unavailable');
    expect(mapped.message).not.toContain('topsecret');
  });

  it('maps a unique violation to duplicate', () => {
    expect((toStoreError({ code: '23505', message: 'duplicate key' }, 'db', redact) as StoreError).code).toBe('duplicate');
  });

  it('passes other SQL errors through unchanged', () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    expect(toStoreError(syntax, 'db', redact)).toBe(syntax);
    expect(isUnavailableError(syntax)).toBe(false);
  });
});
