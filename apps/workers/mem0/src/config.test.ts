import { describe, expect, it } from '@jest/globals';
import { loadMem0Config } from './config.js';

const KEY = 'm0-secret-key-0123456789';

describe('mem0 configuration', () => {
  it('reads a platform key alone as the hosted API, with defaults', () => {
    expect(loadMem0Config({ MEM0_API_KEY: KEY })).toEqual({
      ok: true,
      config: {
        kind: 'platform',
        url: 'https://api.mem0.ai',
        apiKey: KEY,
        orgId: undefined,
        projectId: undefined,
        timeoutMs: 15_000,
        maxResults: 200,
        pageSize: 100,
        sandbox: false,
      },
    });
  });

  it('reads a URL alone as a self-hosted server without auth, and a URL with a key as a server using X-API-Key', () => {
    expect(loadMem0Config({ MEM0_API_URL: 'http://mem0.internal:8888/' })).toMatchObject({ ok: true, config: { kind: 'server', url: 'http://mem0.internal:8888', apiKey: undefined } });
    expect(loadMem0Config({ MEM0_API_URL: 'http://mem0.internal:8888', MEM0_API_KEY: KEY })).toMatchObject({ ok: true, config: { kind: 'server', apiKey: KEY } });
    expect(loadMem0Config({ MEM0_API_URL: 'https://api.mem0.ai', MEM0_API_KEY: KEY })).toMatchObject({ ok: true, config: { kind: 'platform' } });
  });

  it('lets MEM0_API_KIND override the guess, and needs a key for the platform', () => {
    expect(loadMem0Config({ MEM0_API_URL: 'http://127.0.0.1:9000', MEM0_API_KEY: KEY, MEM0_API_KIND: 'platform' })).toMatchObject({ ok: true, config: { kind: 'platform', url: 'http://127.0.0.1:9000' } });
    expect(loadMem0Config({ MEM0_API_URL: 'http://127.0.0.1:9000', MEM0_API_KIND: 'platform' })).toEqual({
      ok: false,
      missing: ['MEM0_API_KEY'],
      reason: expect.stringMatching(/set MEM0_API_KEY/),
    });
  });

  it('is unconfigured without a URL or a key, naming both', () => {
    expect(loadMem0Config({})).toEqual({
      ok: false,
      missing: ['MEM0_API_URL', 'MEM0_API_KEY'],
      reason: 'set MEM0_API_KEY (the hosted platform, api.mem0.ai) or MEM0_API_URL (a self-hosted Mem0 server)',
    });
    expect(loadMem0Config({ MEM0_API_URL: ' ', MEM0_API_KEY: '' })).toMatchObject({ ok: false, missing: ['MEM0_API_URL', 'MEM0_API_KEY'] });
  });

  it('explains invalid values without repeating them', () => {
    const result = loadMem0Config({ MEM0_API_URL: `ftp://${KEY}@host`, MEM0_API_KEY: KEY, MEM0_TIMEOUT_MS: 'soon', MEM0_API_KIND: 'cloud' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/MEM0_API_URL is invalid: must be an http/);
    expect(result.reason).toMatch(/MEM0_TIMEOUT_MS is invalid/);
    expect(result.reason).toMatch(/MEM0_API_KIND is invalid/);
    expect(result.reason).not.toContain(KEY);
  });

  it('reads limits, tenancy and the sandbox flag', () => {
    expect(
      loadMem0Config({ MEM0_API_KEY: KEY, MEM0_ORG_ID: 'org_1', MEM0_PROJECT_ID: 'proj_1', MEM0_MAX_RESULTS: '20', MEM0_PAGE_SIZE: '5', MEM0_TIMEOUT_MS: '500', MEM0_SANDBOX: 'true' }),
    ).toMatchObject({ ok: true, config: { orgId: 'org_1', projectId: 'proj_1', maxResults: 20, pageSize: 5, timeoutMs: 500, sandbox: true } });
    expect(loadMem0Config({ MEM0_API_KEY: KEY, MEM0_PAGE_SIZE: '0' })).toMatchObject({ ok: false });
  });
});
