import { describe, expect, it } from '@jest/globals';
import { loadCloudflareConfig } from './config.js';

const TOKEN = 'Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY';
const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';

describe('cloudflare worker configuration', () => {
  it('reads the token and account with defaults for the rest', () => {
    expect(loadCloudflareConfig({ CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT })).toEqual({
      ok: true,
      config: {
        apiUrl: 'https://api.cloudflare.com/client/v4',
        apiToken: TOKEN,
        accountId: ACCOUNT,
        defaultZone: undefined,
        timeoutMs: 15_000,
        uploadTimeoutMs: 600_000,
        pageSize: 50,
        maxItems: 1_000,
        uploadRoot: undefined,
        uploadMaxBytes: 200 * 1024 * 1024,
        sandbox: false,
      },
    });
  });

  it('reads every option', () => {
    const result = loadCloudflareConfig({
      CLOUDFLARE_API_TOKEN: TOKEN,
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT.toUpperCase(),
      CLOUDFLARE_ZONE: 'example.com',
      CLOUDFLARE_API_URL: 'http://127.0.0.1:8787/client/v4/',
      CLOUDFLARE_TIMEOUT_MS: '2500',
      CLOUDFLARE_UPLOAD_TIMEOUT_MS: '60000',
      CLOUDFLARE_PAGE_SIZE: '5',
      CLOUDFLARE_MAX_ITEMS: '200',
      CLOUDFLARE_UPLOAD_ROOT: '/srv/media',
      CLOUDFLARE_UPLOAD_MAX_BYTES: '1048576',
      CLOUDFLARE_SANDBOX: 'true',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        apiUrl: 'http://127.0.0.1:8787/client/v4',
        apiToken: TOKEN,
        accountId: ACCOUNT,
        defaultZone: 'example.com',
        timeoutMs: 2_500,
        uploadTimeoutMs: 60_000,
        pageSize: 5,
        maxItems: 200,
        uploadRoot: '/srv/media',
        uploadMaxBytes: 1_048_576,
        sandbox: true,
      },
    });
  });

  it('names what is missing', () => {
    const result = loadCloudflareConfig({});
    expect(result).toMatchObject({ ok: false, missing: ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID'] });
  });

  it('explains a bad value without repeating the token', () => {
    const result = loadCloudflareConfig({
      CLOUDFLARE_API_TOKEN: 'short secret',
      CLOUDFLARE_ACCOUNT_ID: 'acme',
      CLOUDFLARE_UPLOAD_ROOT: 'relative/dir',
      CLOUDFLARE_PAGE_SIZE: '500',
      CLOUDFLARE_ZONE: 'not a zone',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_UPLOAD_ROOT', 'CLOUDFLARE_PAGE_SIZE', 'CLOUDFLARE_ZONE']) expect(result.reason).toContain(name);
    expect(result.reason).not.toContain('short secret');
  });
});
