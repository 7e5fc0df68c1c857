import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ALLOWED_MODELS, loadOdooConfig } from './config.js';

const base = { ODOO_URL: 'https://erp.example.com/', ODOO_DB: 'prod', ODOO_USERNAME: 'bot@example.com', ODOO_API_KEY: 'k-secret-123' };

describe('odoo configuration', () => {
  it('reads the credentials and applies defaults', () => {
    expect(loadOdooConfig(base)).toEqual({
      ok: true,
      config: {
        url: 'https://erp.example.com',
        db: 'prod',
        username: 'bot@example.com',
        apiKey: 'k-secret-123',
        timeoutMs: 15_000,
        maxRows: 500,
        allowedModels: [...DEFAULT_ALLOWED_MODELS],
        sandbox: false,
      },
    });
  });

  it('is unconfigured without credentials, naming each missing variable', () => {
    expect(loadOdooConfig({})).toEqual({
      ok: false,
      missing: ['ODOO_URL', 'ODOO_DB', 'ODOO_USERNAME', 'ODOO_API_KEY'],
      reason: 'set ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_API_KEY',
    });
    expect(loadOdooConfig({ ...base, ODOO_API_KEY: '' })).toMatchObject({ ok: false, missing: ['ODOO_API_KEY'] });
  });

  it('explains invalid values without repeating them', () => {
    const result = loadOdooConfig({ ...base, ODOO_URL: 'ftp://k-secret-123@host', ODOO_TIMEOUT_MS: 'soon' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/ODOO_URL is invalid: must be an http/);
    expect(result.reason).toMatch(/ODOO_TIMEOUT_MS is invalid/);
    expect(result.reason).not.toContain('k-secret-123');
  });

  it('reads the allow-list, limits and sandbox flag', () => {
    const result = loadOdooConfig({ ...base, ODOO_ALLOWED_MODELS: 'account.move, res.partner,account.move', ODOO_MAX_ROWS: '20', ODOO_TIMEOUT_MS: '500', ODOO_SANDBOX: 'true' });
    expect(result).toMatchObject({ ok: true, config: { allowedModels: ['account.move', 'res.partner'], maxRows: 20, timeoutMs: 500, sandbox: true } });
    expect(loadOdooConfig({ ...base, ODOO_ALLOWED_MODELS: 'account.move,DROP TABLE' })).toMatchObject({ ok: false });
  });
});
