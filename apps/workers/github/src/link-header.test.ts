import { describe, expect, it } from '@jest/globals';
import { parseLinkHeader } from './link-header.js';

describe('parseLinkHeader', () => {
  it('reads GitHub\'s next, last, prev and first links', () => {
    const header =
      '<https://api.github.com/repositories/1/issues?page=2&per_page=10>; rel="prev", <https://api.github.com/repositories/1/issues?page=4&per_page=10>; rel="next", <https://api.github.com/repositories/1/issues?page=9&per_page=10>; rel="last", <https://api.github.com/repositories/1/issues?page=1&per_page=10>; rel="first"';
    expect(parseLinkHeader(header)).toEqual({
      prev: 'https://api.github.com/repositories/1/issues?page=2&per_page=10',
      next: 'https://api.github.com/repositories/1/issues?page=4&per_page=10',
      last: 'https://api.github.com/repositories/1/issues?page=9&per_page=10',
      first: 'https://api.github.com/repositories/1/issues?page=1&per_page=10',
    });
  });

  it('keeps cursor URLs as they are and accepts unquoted and multiple rels', () => {
    expect(parseLinkHeader('<https://api.github.com/x?after=Y3Vyc29y%3D&per_page=5>; rel=next')).toEqual({ next: 'https://api.github.com/x?after=Y3Vyc29y%3D&per_page=5' });
    expect(parseLinkHeader('<https://a/x?page=2>; rel="next last"')).toEqual({ next: 'https://a/x?page=2', last: 'https://a/x?page=2' });
  });

  it('gives nothing for a missing or empty header', () => {
    expect(parseLinkHeader(null)).toEqual({});
    expect(parseLinkHeader('')).toEqual({});
  });
});
