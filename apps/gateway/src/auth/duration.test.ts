import { describe, expect, it } from '@jest/globals';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['24h', 24 * 3_600_000],
    ['15m', 15 * 60_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['1500', 1_500],
    ['0', 0],
    ['0s', 0],
    ['007m', 7 * 60_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['1y', '', '-5m', '5 m', ' 5m', '5m ', '1.5h', 'm', '5M', '5mm', '5 ', 'ten minutes', '1e3', '0x10', '+5m'])(
    'refuses %j with a message naming the expected form',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/expected a duration such as 30d, 24h, 15m, 90s, 500ms/);
    },
  );

  it('refuses a duration too large to count in milliseconds', () => {
    expect(() => parseDuration('999999999999999d')).toThrow(/too long/);
  });
});
