import { describe, expect, it } from '@jest/globals';
import { NetworkMatcher, isLoopback, normalizeAddress, parseCidr } from './network.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '::ffff:127.3.2.1'])('%s is loopback', (a) => {
    expect(isLoopback(a)).toBe(true);
  });
  it.each(['10.0.0.1', '192.168.1.1', '172.17.0.1', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '', 'localhost', '::2', undefined])(
    '%s is not loopback',
    (a) => {
      expect(isLoopback(a)).toBe(false);
    },
  );
});

describe('NetworkMatcher', () => {
  it('trusts nothing when empty, private ranges included', () => {
    const none = new NetworkMatcher([]);
    for (const a of ['10.0.0.1', '172.17.0.2', '192.168.0.5', '127.0.0.1']) expect(none.has(a)).toBe(false);
  });
  it('matches listed CIDRs on both families, v4-mapped included', () => {
    const m = new NetworkMatcher(['10.0.0.0/8', '172.16.0.0/12', 'fd00::/8']);
    expect(m.has('10.200.3.4')).toBe(true);
    expect(m.has('::ffff:10.1.1.1')).toBe(true);
    expect(m.has('172.31.255.255')).toBe(true);
    expect(m.has('172.32.0.1')).toBe(false);
    expect(m.has('192.168.1.1')).toBe(false);
    expect(m.has('fd12::1')).toBe(true);
    expect(m.has('fe80::1')).toBe(false);
    expect(m.has('garbage')).toBe(false);
  });
  it('refuses what is not a CIDR', () => {
    expect(() => new NetworkMatcher(['10.0.0.0'])).toThrow(/not a CIDR/);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('fd00::/129')).toBeUndefined();
    expect(parseCidr('x/8')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(normalizeAddress('::ffff:1.2.3.4')).toBe('1.2.3.4');
  });
});
