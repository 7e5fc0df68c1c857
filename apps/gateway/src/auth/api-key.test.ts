import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from './api-key.js';

describe('API keys', () => {
  it('generates distinct keys of the documented shape, hashed with SHA-256', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^mcp_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).toBe(a.key.slice(9, 21));
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash.includes(a.key.slice(22))).toBe(false);
  });

  it('matches only the exact key', () => {
    const { key, hash } = generateApiKey();
    expect(apiKeyMatches(key, hash)).toBe(true);
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(apiKeyMatches(flipped, hash)).toBe(false);
    expect(apiKeyMatches(key, 'abcd')).toBe(false);
    expect(apiKeyMatches(key, '')).toBe(false);
  });

  it('never takes arbitrary text for a key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        const prefix = apiKeyPrefix(text);
        if (prefix !== undefined) expect(text.startsWith(`mcp_live_${prefix}_`)).toBe(true);
      }),
    );
    expect(apiKeyPrefix('mcp_test_0123456789ab_' + 'a'.repeat(43))).toBeUndefined();
    expect(apiKeyPrefix('Bearer x')).toBeUndefined();
  });
});
