import { buildSnapshot, InputError, nodeFromObject, podFromObject, serviceFromObject } from './index';

const svc = (spec: Record<string, unknown>) => serviceFromObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: { ports: [{ port: 80 }], ...spec } });

describe('dual-stack objects in the adapter', () => {
  it('keeps every InternalIP of a dual-stack node, IPv6 in RFC 5952 form', () => {
    const n = nodeFromObject({
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'InternalIP', address: '2001:DB8:0:0:0:0:0:10' }, { type: 'Hostname', address: 'n1' }] },
    });
    expect(n.internalIP).toBe('192.168.1.10');
    expect(n.internalIPs).toEqual(['192.168.1.10', '2001:db8::10']);
    expect(n.addresses[1]).toEqual({ type: 'InternalIP', address: '2001:db8::10' });
  });
  it('reads status.podIPs of both families and normalises IPv6', () => {
    const p = podFromObject({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
      status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }, { ip: 'fd00:10:244:0::5' }] },
    });
    expect(p.podIPs).toEqual(['10.244.0.5', 'fd00:10:244::5']);
  });
  it('defaults ipFamilies from clusterIPs and the policy from their count, as the API server stores them', () => {
    expect(svc({ clusterIP: '10.96.0.9' })).toMatchObject({ ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(svc({ clusterIP: 'fd00:10:96:0:0::9' })).toMatchObject({ clusterIP: 'fd00:10:96::9', clusterIPs: ['fd00:10:96::9'], ipFamilies: ['IPv6'] });
    expect(svc({ clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'FD00:10:96::9'] })).toMatchObject({ clusterIPs: ['10.96.0.9', 'fd00:10:96::9'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    // IPv6-primary: the order of ipFamilies is kept (it decides the primary family)
    expect(svc({ clusterIP: 'fd00::9', clusterIPs: ['fd00::9', '10.96.0.9'], ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' })).toMatchObject({ ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' });
    // headless without families: the cluster's service CIDRs decide, which a snapshot does not hold
    expect(svc({ clusterIP: 'None' }).ipFamilies).toBeUndefined();
    expect(serviceFromObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'ExternalName', externalName: 'a.example' } }).ipFamilyPolicy).toBeUndefined();
  });
  it('refuses an unknown family or policy with the field path', () => {
    expect(() => svc({ ipFamilies: ['IPv5'] })).toThrow(/spec\.ipFamilies\[0\]/);
    expect(() => svc({ ipFamilyPolicy: 'DualStack' })).toThrow(InputError);
  });
  it('keeps an IPv6 EndpointSlice apart from the IPv4 one and normalises its addresses', () => {
    const { snapshot } = buildSnapshot([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: { clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00:10:96::9'], ports: [{ port: 80 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-v6', namespace: 'd', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv6', ports: [{ port: 8080 }], endpoints: [{ addresses: ['FD00:10:244:0:0:0:0:5'] }] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-v4', namespace: 'd', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports: [{ port: 8080 }], endpoints: [{ addresses: ['10.244.0.5'] }] },
    ]);
    const v6 = snapshot.endpointSlices.find((s) => s.name === 'web-v6');
    expect(v6).toMatchObject({ addressType: 'IPv6', serviceName: 'web' });
    expect(v6?.endpoints[0].addresses).toEqual(['fd00:10:244::5']);
    expect(snapshot.endpointSlices.find((s) => s.name === 'web-v4')?.addressType).toBe('IPv4');
  });
});
