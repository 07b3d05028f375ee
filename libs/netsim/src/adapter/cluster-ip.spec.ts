import { aService, aSnapshot } from '../testing';
import { allocateClusterIPs, serviceCIDROf } from './cluster-ip';
import { formatCIDR } from '../util/ip';

const fresh = (name: string) => ({ ...aService(name), clusterIP: '', clusterIPs: [] as string[] });

describe('allocateClusterIPs (deterministic stand-in for the apiserver allocator)', () => {
  it('infers the /12 from the kubernetes Service and starts at the upper band (offset min(max(16, size/16), 256))', () => {
    const s = aSnapshot({ services: [{ ...aService('kubernetes', { namespace: 'default' }), clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'] }] });
    expect(formatCIDR(serviceCIDROf(s))).toBe('10.96.0.0/12');
    const a = fresh('a');
    const b = fresh('b');
    allocateClusterIPs(s, [a, b]);
    // a /12 has 2^20 addresses: size/16 = 65536 > 256, so the upper band starts at offset 256
    expect([a.clusterIP, b.clusterIP]).toEqual(['10.96.1.0', '10.96.1.1']);
    expect(a.clusterIPs).toEqual(['10.96.1.0']);
  });
  it('skips IPs in use, keeps given ones, leaves headless and ExternalName alone, same input same answer', () => {
    const taken = { ...aService('x'), clusterIP: '10.96.1.0', clusterIPs: ['10.96.1.0'] };
    const s = aSnapshot({ services: [taken] });
    const given = { ...aService('g'), clusterIP: '10.96.1.1', clusterIPs: ['10.96.1.1'] };
    const headless = { ...aService('h'), clusterIP: 'None', clusterIPs: ['None'] };
    const ext = { ...fresh('e'), type: 'ExternalName' as const };
    const n = fresh('n');
    allocateClusterIPs(s, [given, headless, ext, n]);
    expect([given.clusterIP, headless.clusterIP, ext.clusterIP, n.clusterIP]).toEqual(['10.96.1.1', 'None', '', '10.96.1.2']);
    const again = fresh('n');
    allocateClusterIPs(s, [{ ...given }, again]);
    expect(again.clusterIP).toBe('10.96.1.2');
  });
  it('uses profile.serviceCIDR when set; a small range has offset 16 and wraps to the lower band', () => {
    const s = aSnapshot({});
    s.profile = { ...s.profile, serviceCIDR: '10.0.0.0/27' };
    const many = Array.from({ length: 20 }, (_, i) => fresh(`s${i}`));
    allocateClusterIPs(s, many);
    // /27: 32 addresses, offset 16, usable up to .30 (.31 is broadcast): 16..30 then 1..5
    expect(many.map((x) => Number(x.clusterIP.split('.')[3]))).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 1, 2, 3, 4, 5]);
  });
});
