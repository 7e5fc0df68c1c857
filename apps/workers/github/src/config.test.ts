import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { loadGithubConfig } from './config.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

describe('loadGithubConfig', () => {
  it('reads a personal access token with the documented defaults', () => {
    const result = loadGithubConfig({ GITHUB_TOKEN: TOKEN });
    expect(result).toMatchObject({
      ok: true,
      config: {
        apiUrl: 'https://api.github.com',
        auth: { kind: 'token', token: TOKEN },
        apiVersion: '2022-11-28',
        defaultRepo: undefined,
        defaultHead: undefined,
        timeoutMs: 15_000,
        pageSize: 100,
        maxItems: 500,
        maxRetryWaitMs: 20_000,
        sandbox: false,
      },
    });
  });

  it('reads a GitHub App, with the key\'s newlines written as \\n', () => {
    const result = loadGithubConfig({ GITHUB_APP_ID: '12345', GITHUB_INSTALLATION_ID: '678', GITHUB_PRIVATE_KEY: PEM.replace(/\n/g, '\\n') });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.auth).toMatchObject({ kind: 'app', appId: '12345', installationId: '678' });
  });

  it('splits GITHUB_DEFAULT_REPO and strips a trailing slash from GITHUB_API_URL', () => {
    const result = loadGithubConfig({ GITHUB_TOKEN: TOKEN, GITHUB_DEFAULT_REPO: 'acme/platform', GITHUB_DEFAULT_HEAD: 'feature/x', GITHUB_API_URL: 'https://ghe.example.com/api/v3/' });
    expect(result).toMatchObject({ ok: true, config: { defaultRepo: { owner: 'acme', name: 'platform' }, defaultHead: 'feature/x', apiUrl: 'https://ghe.example.com/api/v3' } });
  });

  it('asks for GITHUB_TOKEN or the App variables when nothing is set', () => {
    expect(loadGithubConfig({})).toEqual({ ok: false, missing: ['GITHUB_TOKEN'], reason: expect.stringMatching(/GITHUB_TOKEN.*GITHUB_APP_ID, GITHUB_PRIVATE_KEY, GITHUB_INSTALLATION_ID/) });
  });

  it('names the App variables still missing', () => {
    const result = loadGithubConfig({ GITHUB_APP_ID: '1', GITHUB_PRIVATE_KEY: PEM });
    expect(result).toEqual({ ok: false, missing: ['GITHUB_INSTALLATION_ID'], reason: expect.stringContaining('set GITHUB_INSTALLATION_ID') });
  });

  it('refuses a token and an App at once', () => {
    const result = loadGithubConfig({ GITHUB_TOKEN: TOKEN, GITHUB_APP_ID: '1' });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('not both') });
  });

  it('refuses an unreadable private key without quoting it', () => {
    const result = loadGithubConfig({ GITHUB_APP_ID: '1', GITHUB_INSTALLATION_ID: '2', GITHUB_PRIVATE_KEY: 'not-a-key-secret-material' });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('GITHUB_PRIVATE_KEY is invalid') });
    expect(JSON.stringify(result)).not.toContain('secret-material');
  });

  it('names invalid variables without repeating secrets', () => {
    const result = loadGithubConfig({ GITHUB_TOKEN: 'short-secret', GITHUB_DEFAULT_REPO: 'no-slash', GITHUB_PAGE_SIZE: '500' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/GITHUB_TOKEN is invalid/);
    expect(result.reason).toMatch(/GITHUB_DEFAULT_REPO is invalid: must be owner\/name/);
    expect(result.reason).toMatch(/GITHUB_PAGE_SIZE is invalid/);
    expect(result.reason).not.toContain('short-secret');
  });

  it('treats blank variables as unset', () => {
    expect(loadGithubConfig({ GITHUB_TOKEN: TOKEN, GITHUB_APP_ID: ' ', GITHUB_DEFAULT_REPO: '' })).toMatchObject({ ok: true, config: { auth: { kind: 'token' } } });
  });
});
