import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '@mcpgw/protocol';
import { requestFingerprint } from '../idempotency/idempotency-store.js';
import type { IdempotentCall } from '../idempotency/idempotent-calls.js';
import { IDEMPOTENCY_KEY_META, IDEMPOTENT_META, TOOL_RESULT_REPLAY, metaForWorker, toolCallIdempotencyKey, toolCallRequest } from './mcp-idempotency.js';

const withKey = (key: unknown, extra: Record<string, unknown> = {}) => ({ name: 'sleep', _meta: { ...extra, [IDEMPOTENCY_KEY_META]: key } });

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('toolCallIdempotencyKey', () => {
  it('takes the key from params._meta or from the header, and none when neither has one', () => {
    expect(toolCallIdempotencyKey(withKey('k-1'), undefined)).toBe('k-1');
    expect(toolCallIdempotencyKey({ name: 'sleep' }, 'k-2')).toBe('k-2');
    expect(toolCallIdempotencyKey({ name: 'sleep', _meta: { progressToken: 1 } }, undefined)).toBeUndefined();
    expect(toolCallIdempotencyKey({ name: 'sleep' }, undefined)).toBeUndefined();
  });

  it('accepts the same key in both places and refuses two different ones', () => {
    expect(toolCallIdempotencyKey(withKey('same'), 'same')).toBe('same');
    const error = refusal(() => toolCallIdempotencyKey(withKey('one'), 'two'));
    expect(error.spec.name).toBe('INVALID_PARAMS');
    expect(error.message).toMatch(/Idempotency-Key header and params\._meta\["mcpgw\/idempotencyKey"\] name different keys/);
  });

  it('refuses keys that are not 1 to 255 visible ASCII characters, naming where the key was', () => {
    for (const bad of ['', 'has space', 'x'.repeat(256), 42, null, 'é']) {
      const error = refusal(() => toolCallIdempotencyKey(withKey(bad), undefined));
      expect(error.spec.name).toBe('INVALID_PARAMS');
      expect(error.message).toContain('_meta["mcpgw/idempotencyKey"]');
    }
    // A header sent twice arrives joined with ", " (or as a list): never a valid key.
    expect(refusal(() => toolCallIdempotencyKey({ name: 'sleep' }, 'a, b')).message).toContain('Idempotency-Key header');
    expect(refusal(() => toolCallIdempotencyKey({ name: 'sleep' }, ['a', 'b'])).spec.name).toBe('INVALID_PARAMS');
  });
});

describe('metaForWorker', () => {
  it('passes the client _meta on without the gateway key', () => {
    expect(metaForWorker(undefined)).toEqual({});
    const plain = { progressToken: 'p' };
    expect(metaForWorker(plain)).toBe(plain);
    expect(metaForWorker({ progressToken: 'p', [IDEMPOTENCY_KEY_META]: 'k' })).toEqual({ progressToken: 'p' });
  });
});

describe('toolCallRequest', () => {
  it('fingerprints service, tool and arguments in any key order, apart from mcp.execute requests', () => {
    const a = requestFingerprint(toolCallRequest('echo', 'sleep', { ms: 1, note: 'x' }));
    expect(requestFingerprint(toolCallRequest('echo', 'sleep', { note: 'x', ms: 1 }))).toBe(a);
    expect(requestFingerprint(toolCallRequest('echo', 'sleep', { ms: 2, note: 'x' }))).not.toBe(a);
    expect(requestFingerprint(toolCallRequest('echo', 'echo', { ms: 1, note: 'x' }))).not.toBe(a);
    expect(requestFingerprint({ service: 'echo', tool: 'sleep', arguments: { ms: 1, note: 'x' } })).not.toBe(a);
  });
});

describe('TOOL_RESULT_REPLAY', () => {
  const call = { service: 'echo', tool: 'sleep', requestId: 'r2' } as IdempotentCall;

  it('names the requested tool and marks the stored result replayed, keeping its own _meta', () => {
    const stored = { content: [{ type: 'text', text: 'ok' }], structuredContent: { ok: true }, _meta: { 'mcpgw/tokensUsed': 3 } };
    expect(TOOL_RESULT_REPLAY.target(stored, call)).toEqual({ service: 'echo', tool: 'sleep' });
    expect(TOOL_RESULT_REPLAY.replayed(stored, call)).toEqual({ ...stored, _meta: { 'mcpgw/tokensUsed': 3, [IDEMPOTENT_META]: 'replayed' } });
    expect(stored._meta).toEqual({ 'mcpgw/tokensUsed': 3 });
  });

  it('marks a stored tool error the same way', () => {
    const stored = { content: [{ type: 'text', text: 'no' }], isError: true };
    expect(TOOL_RESULT_REPLAY.replayed(stored, call)).toEqual({ ...stored, _meta: { [IDEMPOTENT_META]: 'replayed' } });
  });
});
