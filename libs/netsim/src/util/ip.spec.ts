import { canonicalIP, canonicalIPv6Text, cidrContains, familyOf, formatCIDR, nthAddress, parseCIDR, parseIPv6, formatIPv6, splitHostPort } from './ip';

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

describe('RFC 5952 text form', () => {
  // the RFC's own examples (sections 4.1-4.3): lower case, no leading zeros, the longest (first on a tie) run of
  // two or more zero groups compressed, a single zero group never
  it.each([
    ['2001:0db8::0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:DB8::AAAA', '2001:db8::aaaa'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('%s -> %s', (input, want) => {
    expect(canonicalIP(input)).toBe(want);
  });
  it('names families and leaves IPv4 and non-addresses as written', () => {
    expect(familyOf('fd00::5')).toBe('IPv6');
    expect(familyOf('10.0.0.1')).toBe('IPv4');
    expect(familyOf('None')).toBeUndefined();
    expect(canonicalIPv6Text('None')).toBe('None');
    expect(canonicalIPv6Text('2001:DB8::1')).toBe('2001:db8::1');
    expect(canonicalIPv6Text('not:an:address')).toBe('not:an:address');
  });
  it('tests CIDR membership per family', () => {
    const c = parseCIDR('fd00:10:244::/56')!;
    expect(cidrContains(c, 'fd00:10:244:ff::1')).toBe(true);
    expect(cidrContains(c, 'fd00:10:245::1')).toBe(false);
    expect(cidrContains(c, '10.244.0.1')).toBe(false);
  });
});
