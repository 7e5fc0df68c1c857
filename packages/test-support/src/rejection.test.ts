import { describe, expect, it } from '@jest/globals';
import { rejectionOf } from './rejection.js';

class KnownError extends Error {
  constructor(readonly code: string) {
    super(`known: ${code}`);
  }
}

describe('rejectionOf', () => {
  it('returns the rejection when it has the expected type', async () => {
    const error = await rejectionOf(Promise.reject(new KnownError('x')), KnownError);
    expect(error.code).toBe('x');
  });

  it('rethrows a rejection of another type', async () => {
    await expect(rejectionOf(Promise.reject(new TypeError('other')), KnownError)).rejects.toThrow(TypeError);
  });

  it('fails when the promise resolves', async () => {
    await expect(rejectionOf(Promise.resolve(1), KnownError)).rejects.toThrow('expected a KnownError, but the promise resolved');
  });
});
