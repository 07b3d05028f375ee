import { portmapHostIPMatch } from './portmap-family';

describe("portmap's hostIP per address family", () => {
  it('maps an empty hostIP in both families without -d', () => {
    expect(portmapHostIPMatch('', 4)).toEqual({ applies: true });
    expect(portmapHostIPMatch('', 6)).toEqual({ applies: true });
  });
  it('treats 0.0.0.0 as IPv4 only and :: as IPv6 only, both without -d', () => {
    expect(portmapHostIPMatch('0.0.0.0', 4)).toEqual({ applies: true });
    expect(portmapHostIPMatch('0.0.0.0', 6)).toEqual({ applies: false });
    expect(portmapHostIPMatch('::', 6)).toEqual({ applies: true });
    expect(portmapHostIPMatch('::', 4)).toEqual({ applies: false });
  });
  it('matches a specific address with -d in its own family only', () => {
    expect(portmapHostIPMatch('192.168.1.10', 4)).toEqual({ applies: true, dst: '192.168.1.10' });
    expect(portmapHostIPMatch('192.168.1.10', 6)).toEqual({ applies: false });
    expect(portmapHostIPMatch('2001:db8::10', 6)).toEqual({ applies: true, dst: '2001:db8::10' });
    expect(portmapHostIPMatch('2001:db8::10', 4)).toEqual({ applies: false });
  });
  it("follows Go's To4(): an IPv4-mapped address is IPv4", () => {
    expect(portmapHostIPMatch('::ffff:192.168.1.10', 4).applies).toBe(true);
    expect(portmapHostIPMatch('::ffff:192.168.1.10', 6).applies).toBe(false);
  });
});
