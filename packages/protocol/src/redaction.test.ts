import { describe, expect, it } from '@jest/globals';
import { redactUrl, scrubSecrets } from './redaction.js';

describe('scrubSecrets', () => {
  it.each([
    ['connect ECONNREFUSED postgres://admin:s3cret@db:5432/sales', 'connect ECONNREFUSED postgres://admin:[redacted]@db:5432/sales'],
    ['internal detail: password=hunter2', 'internal detail: password=[redacted]'],
    ['config {"token": "abc.def"} and apiKey: xyz', 'config {"token": "[redacted]"} and apiKey: [redacted]'],
    ['Authorization: Bearer eyJhbGciOi.payload.sig', 'Authorization: Bearer [redacted]'],
    ['bad key mcp_live_ab12_zzzzzzzz', 'bad key mcp_live_[redacted]'],
    ['key mcp_live_0123456789ab_abc-DEF_ghi-jkl was refused', 'key mcp_live_[redacted] was refused'],
  ])('removes credentials from %j', (input, output) => {
    expect(scrubSecrets(input)).toBe(output);
  });

  it('leaves ordinary text alone', () => {
    const text = 'relation "orders" does not exist (at character 15). Hint: check the schema';
    expect(scrubSecrets(text)).toBe(text);
  });
});

describe('redactUrl', () => {
  it('hides the password and nothing else', () => {
    expect(redactUrl('redis://:secret@host:6379/2')).toBe('redis://:***@host:6379/2');
    expect(redactUrl('redis://user:secret@host:6379')).toBe('redis://user:***@host:6379');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactUrl('not a url :secret@')).toBe('[unparsable URL]');
  });
});
