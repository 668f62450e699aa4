import { describe, expect, it } from 'vitest';
import { rateLimitAddress } from '../../../../src/features/devices/rate-limit/client-address.js';

describe('the address an enrollment call is counted against', () => {
  it('is an IPv4 address itself', () => {
    expect(rateLimitAddress('10.0.0.5')).toBe('10.0.0.5');
    expect(rateLimitAddress('192.168.1.200')).toBe('192.168.1.200');
  });

  it('is the IPv4 address of an IPv4-mapped IPv6 address, however it is written', () => {
    expect(rateLimitAddress('::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(rateLimitAddress('::FFFF:10.0.0.5')).toBe('10.0.0.5');
    expect(rateLimitAddress('::ffff:a00:5')).toBe('10.0.0.5');
    expect(rateLimitAddress('0:0:0:0:0:ffff:c0a8:01c8')).toBe('192.168.1.200');
  });

  it('is the whole /64 of any other IPv6 address, written one way', () => {
    const bucket = '2001:db8:1:2::/64';
    expect(rateLimitAddress('2001:db8:1:2::1')).toBe(bucket);
    expect(rateLimitAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(bucket);
    expect(rateLimitAddress('2001:0DB8:0001:0002:FFFF:FFFF:FFFF:FFFF')).toBe(bucket);
    expect(rateLimitAddress('2001:db8:1:2::10.0.0.5')).toBe(bucket);
    expect(rateLimitAddress('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitAddress('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(rateLimitAddress('2001:db8::1')).toBe('2001:db8::/64');
    expect(rateLimitAddress('2001:db8:0:0:1::')).toBe('2001:db8::/64');
    expect(rateLimitAddress('::1')).toBe('::/64');
    expect(rateLimitAddress('::')).toBe('::/64');
    // Not mapped: only ::ffff:0:0/96 is.
    expect(rateLimitAddress('64:ff9b::10.0.0.5')).toBe('64:ff9b::/64');
    expect(rateLimitAddress('::1.2.3.4')).toBe('::/64');
  });

  it('drops a zone', () => {
    expect(rateLimitAddress('fe80::1%eth0')).toBe('fe80::/64');
    expect(rateLimitAddress('fe80::2:3:4:5%2')).toBe('fe80::/64');
  });

  it('leaves anything that is not an IP address as it is', () => {
    expect(rateLimitAddress('')).toBe('');
    expect(rateLimitAddress('unix:/run/borg.sock')).toBe('unix:/run/borg.sock');
    expect(rateLimitAddress('10.0.0.256')).toBe('10.0.0.256');
    expect(rateLimitAddress('2001:db8::1::2')).toBe('2001:db8::1::2');
  });
});
