import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config.js';

const base = { WORKERS: 'none' };

describe('checks and alerts configuration', () => {
  it('CHECKS_FILE: unset → the shipped default, none → off, a path → resolved against the working directory', () => {
    expect(loadConfig(base, '/srv').checks).toEqual({ file: undefined });
    expect(loadConfig({ ...base, CHECKS_FILE: 'none' }, '/srv').checks).toEqual({ file: null });
    expect(loadConfig({ ...base, CHECKS_FILE: 'ops/checks.yaml' }, '/srv').checks).toEqual({ file: '/srv/ops/checks.yaml' });
  });

  it('webhooks need a secret, and only http(s) URLs are accepted', () => {
    expect(() => loadConfig({ ...base, ALERT_WEBHOOK_URLS: 'https://hooks.example.com/a' })).toThrow('ALERT_WEBHOOK_SECRET is required when ALERT_WEBHOOK_URLS is set');
    expect(() => loadConfig({ ...base, ALERT_WEBHOOK_URLS: 'ftp://hooks.example.com/a', ALERT_WEBHOOK_SECRET: 'x'.repeat(16) })).toThrow('ALERT_WEBHOOK_URLS');
    expect(() => loadConfig({ ...base, ALERT_WEBHOOK_URLS: 'https://h.example.com/a', ALERT_WEBHOOK_SECRET: 'short' })).toThrow('at least 16 characters');
    const config = loadConfig({ ...base, ALERT_WEBHOOK_URLS: 'https://a.example.com/x, https://b.example.com/y', ALERT_WEBHOOK_SECRET: 'x'.repeat(16), ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
    expect(config.alerts).toEqual({
      webhookUrls: ['https://a.example.com/x', 'https://b.example.com/y'],
      webhookSecret: 'x'.repeat(16),
      allowHosts: ['127.0.0.1'],
      attempts: 5,
      timeoutMs: 5_000,
      backoffMs: 1_000,
    });
  });
});
