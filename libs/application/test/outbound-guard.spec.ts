import { DEFAULT_IMPORT_DENY_CIDRS } from '@portolan/config';
import type { LookupAddress } from 'node:dns';
import { OutboundAddressRefused, OutboundGuard } from '../src/imports/outbound-guard';

const DENY = DEFAULT_IMPORT_DENY_CIDRS.split(',');
const byDefault = new OutboundGuard({ denyCidrs: DENY, allowCidrs: [] });

describe('OutboundGuard.decide with the default IMPORT_DENY_CIDRS', () => {
  it.each([
    // IPv4
    ['cloud metadata', '169.254.169.254', '169.254.0.0/16'],
    ['ECS task metadata', '169.254.170.2', '169.254.0.0/16'],
    ['loopback', '127.0.0.1', '127.0.0.0/8'],
    ['all of 127/8', '127.255.0.9', '127.0.0.0/8'],
    ['this host', '0.0.0.0', '0.0.0.0/8'],
    // IPv6
    ['IPv6 loopback', '::1', '::1/128'],
    ['IPv6 unspecified', '::', '::/128'],
    ['IPv6 link-local', 'fe80::1', 'fe80::/10'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0', 'fe80::/10'],
    ["AWS's IPv6 metadata", 'fd00:ec2::254', 'fd00:ec2::254/128'],
    // IPv4-mapped IPv6 matches the IPv4 rules
    ['mapped metadata, dotted', '::ffff:169.254.169.254', '169.254.0.0/16'],
    ['mapped metadata, hex', '::ffff:a9fe:a9fe', '169.254.0.0/16'],
    ['mapped loopback', '::ffff:127.0.0.1', '127.0.0.0/8'],
    ['mapped, long form', '0:0:0:0:0:ffff:7f00:1', '127.0.0.0/8'],
  ])('refuses %s (%s)', (_, address, rule) => {
    expect(byDefault.decide(address)).toEqual({ allowed: false, rule });
  });

  it.each([
    ['RFC 1918 10/8', '10.0.0.5'],
    ['RFC 1918 172.16/12', '172.20.1.1'],
    ['RFC 1918 192.168/16', '192.168.1.10'],
    ['a public address', '203.0.113.7'],
    ['next to 169.254/16', '169.255.0.1'],
    ['next to 127/8', '128.0.0.1'],
    ['IPv6 ULA (private)', 'fd12:3456::10'],
    ['the rest of fd00:ec2::/64', 'fd00:ec2::253'],
    ['a global IPv6 address', '2001:db8::1'],
    ['a mapped private address', '::ffff:10.0.0.5'],
  ])('allows %s (%s)', (_, address) => {
    expect(byDefault.decide(address)).toEqual({ allowed: true });
  });

  it('refuses anything that is not an IP address', () => {
    expect(byDefault.decide('localhost')).toEqual({ allowed: false, rule: '(not an IP address)' });
  });
});

describe('IMPORT_ALLOW_CIDRS overrides IMPORT_DENY_CIDRS', () => {
  const guard = new OutboundGuard({ denyCidrs: DENY, allowCidrs: ['127.0.0.1/32', 'fe80::10/128'] });

  it.each([
    ['127.0.0.1', { allowed: true }],
    ['::ffff:127.0.0.1', { allowed: true }],
    ['127.0.0.2', { allowed: false, rule: '127.0.0.0/8' }],
    ['fe80::10', { allowed: true }],
    ['fe80::11', { allowed: false, rule: 'fe80::/10' }],
    ['169.254.169.254', { allowed: false, rule: '169.254.0.0/16' }],
  ])('%s', (address, decision) => {
    expect(guard.decide(address)).toEqual(decision);
  });

  it('an empty deny list allows everything; an allow list alone denies nothing', () => {
    expect(new OutboundGuard({ denyCidrs: [], allowCidrs: [] }).decide('169.254.169.254')).toEqual({ allowed: true });
    expect(new OutboundGuard({ denyCidrs: [], allowCidrs: ['10.0.0.0/8'] }).decide('127.0.0.1')).toEqual({ allowed: true });
  });

  it('an IPv6 rule for the mapped range covers IPv4 addresses', () => {
    expect(new OutboundGuard({ denyCidrs: ['::ffff:0:0/96'], allowCidrs: [] }).decide('10.1.2.3')).toEqual({ allowed: false, rule: '::ffff:0:0/96' });
  });
});

describe('refusals', () => {
  it('name the address and the rule, and the hostname it came from', () => {
    const r = byDefault.refusal('169.254.169.254');
    expect(r).toBeInstanceOf(OutboundAddressRefused);
    expect(r?.message).toBe('address refused: 169.254.169.254 is in IMPORT_DENY_CIDRS 169.254.0.0/16');
    expect(byDefault.refusal('169.254.169.254', 'metadata.google.internal')?.message).toBe(
      'address refused: 169.254.169.254 is in IMPORT_DENY_CIDRS 169.254.0.0/16 (resolved from metadata.google.internal)',
    );
    expect(byDefault.refusal('10.0.0.1')).toBeNull();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is in IMPORT_DENY_CIDRS 169.254.0.0/16'],
    ['https://127.0.0.1:6443', '127.0.0.1 is in IMPORT_DENY_CIDRS 127.0.0.0/8'],
    ['https://[::1]:6443', '::1 is in IMPORT_DENY_CIDRS ::1/128'],
    ['https://[::ffff:169.254.169.254]', '::ffff:a9fe:a9fe is in IMPORT_DENY_CIDRS 169.254.0.0/16'],
    ['http://0x7f.1:8080', '127.0.0.1 is in IMPORT_DENY_CIDRS 127.0.0.0/8'], // WHATWG URL normalizes IPv4 forms
    ['http://2130706433', '127.0.0.1 is in IMPORT_DENY_CIDRS 127.0.0.0/8'],
  ])('refuse an API server URL with a denied IP literal: %s', (url, msg) => {
    expect(byDefault.refusalForUrl(url)?.message).toBe(`address refused: ${msg}`);
  });

  it.each(['https://k8s.example:6443', 'https://localhost:6443', 'https://10.0.0.5:6443', 'https://[fd12::1]:6443', 'not a url'])(
    'leave hostnames (checked at connect time) and allowed literals alone: %s',
    (url) => {
      expect(byDefault.refusalForUrl(url)).toBeNull();
    },
  );
});

describe('OutboundGuard.lookup', () => {
  const lookup = (guard: OutboundGuard, host: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[] }>((resolve) =>
      guard.lookup(host, { all }, (err, address) => resolve({ err, address })),
    );

  it('refuses a name whose every address is denied, naming the first one', async () => {
    const { err } = await lookup(byDefault, 'localhost', false);
    expect(err).toBeInstanceOf(OutboundAddressRefused);
    expect(err?.message).toMatch(/^address refused: (127\.0\.0\.1|::1) is in IMPORT_DENY_CIDRS .* \(resolved from localhost\)$/);
  });

  it('hands the socket only the allowed addresses of a name', async () => {
    const guard = new OutboundGuard({ denyCidrs: DENY, allowCidrs: ['127.0.0.1/32'] });
    expect(await lookup(guard, 'localhost', false)).toEqual({ err: null, address: '127.0.0.1' });
    expect(await lookup(guard, 'localhost', true)).toEqual({ err: null, address: [{ address: '127.0.0.1', family: 4 }] });
  });
});
