import { canonicalIP, cidrContains, formatCIDR, nthAddress, parseCIDR, parseIPv6, formatIPv6, splitHostPort } from './ip';

describe('ip utilities', () => {
  it('masks a CIDR the way iptables stores it', () => {
    const c = parseCIDR('10.244.0.5/24')!;
    expect(formatCIDR(c)).toBe('10.244.0.0/24');
    expect(cidrContains(c, '10.244.0.7')).toBe(true);
    expect(cidrContains(c, '10.244.1.7')).toBe(false);
    expect(formatCIDR(parseCIDR('127.0.0.1')!)).toBe('127.0.0.1/32');
    expect(formatCIDR(parseCIDR('10.0.0.0/255.0.0.0')!)).toBe('10.0.0.0/8');
    expect(cidrContains(parseCIDR('0.0.0.0/0')!, '1.2.3.4')).toBe(true);
  });
  it('gives the bridge gateway as the first host address', () => {
    expect(nthAddress(parseCIDR('10.244.0.0/24')!, 1)).toBe('10.244.0.1');
  });
  it('parses and formats IPv6', () => {
    expect(formatIPv6(parseIPv6('2001:db8:0:0:0:0:0:1')!)).toBe('2001:db8::1');
    expect(canonicalIP('::1')).toBe('::1');
    expect(canonicalIP('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(formatCIDR(parseCIDR('fd00::5/64')!)).toBe('fd00::/64');
    expect(cidrContains(parseCIDR('::1/128')!, '::1')).toBe(true);
  });
  it('splits host:port', () => {
    expect(splitHostPort('10.0.0.1:80')).toEqual({ host: '10.0.0.1', port: 80 });
    expect(splitHostPort('[fd00::1]:80')).toEqual({ host: 'fd00::1', port: 80 });
  });
});
