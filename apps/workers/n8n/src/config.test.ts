import { describe, expect, it } from '@jest/globals';
import { instanceBase, loadN8nConfig } from './config.js';

describe('n8n configuration', () => {
  it('needs N8N_API_URL and N8N_API_KEY, and names them', () => {
    const result = loadN8nConfig({});
    expect(result).toMatchObject({ ok: false, missing: ['N8N_API_URL', 'N8N_API_KEY'] });
  });

  it('takes the instance URL with or without /api/v1 and applies the defaults', () => {
    for (const url of ['https://n8n.example.com', 'https://n8n.example.com/', 'https://n8n.example.com/api/v1', 'https://n8n.example.com/api/v1/']) {
      const result = loadN8nConfig({ N8N_API_URL: url, N8N_API_KEY: 'k' });
      expect(result).toEqual({
        ok: true,
        config: { baseUrl: 'https://n8n.example.com', webhookUrl: 'https://n8n.example.com', apiKey: 'k', timeoutMs: 15_000, pageSize: 100, maxItems: 500, sandbox: false },
      });
    }
  });

  it('reads the webhook base, limits and sandbox flag', () => {
    const result = loadN8nConfig({
      N8N_API_URL: 'http://localhost:5678/api/v1',
      N8N_API_KEY: 'k',
      N8N_WEBHOOK_URL: 'https://hooks.example.com/',
      N8N_TIMEOUT_MS: '2000',
      N8N_PAGE_SIZE: '250',
      N8N_MAX_ITEMS: '40',
      N8N_SANDBOX: 'true',
    });
    expect(result).toMatchObject({ ok: true, config: { baseUrl: 'http://localhost:5678', webhookUrl: 'https://hooks.example.com', timeoutMs: 2_000, pageSize: 250, maxItems: 40, sandbox: true } });
  });

  it('rejects a page size above n8n\'s 250 and a URL that is not http(s), without repeating the key', () => {
    const result = loadN8nConfig({ N8N_API_URL: 'ftp://n8n', N8N_API_KEY: 'secret-key-value', N8N_PAGE_SIZE: '251' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/N8N_API_URL is invalid/);
    expect(result.reason).toMatch(/N8N_PAGE_SIZE is invalid/);
    expect(result.reason).not.toContain('secret-key-value');
  });

  it('strips trailing slashes and /api/v1 from a base', () => {
    expect(instanceBase('http://h:5678/n8n/api/v1/')).toBe('http://h:5678/n8n');
  });
});
