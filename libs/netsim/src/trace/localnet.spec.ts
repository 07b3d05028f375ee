/** Paths from 127.0.0.0/8 DNATed off the loopback name the route_localnet sysctl they depend on. */
import { aNode, aPod, aService, aSnapshot } from '../testing';
import type { EndpointSlice } from '../model/types';
import { trace } from './trace';

function snap() {
  const web = aPod('web-0', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], labels: { app: 'web' }, sandboxId: 'c0ffee0001', hostPorts: [{ containerPort: 8080, hostPort: 8081 }] });
  const slice: EndpointSlice = { namespace: 'demo', name: 'web-x', serviceName: 'web', addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.0.5'], ready: true, serving: true, terminating: false, nodeName: 'node-a' }], derived: false };
  const s = aSnapshot({ nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] })], pods: [web], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice] });
  s.profile.kubeProxy.clusterCIDR = '10.244.0.0/16';
  s.profile.kubeProxy.detectLocalMode = 'ClusterCIDR';
  return s;
}

describe('route_localnet', () => {
  it('a localhost NodePort needs it, set by kube-proxy', () => {
    const r = trace(snap(), { toHost: '127.0.0.1', port: 30080, protocol: 'TCP', from: { kind: 'localhost', node: 'node-a' } });
    expect(r.outcome).toBe('delivered');
    expect(r.requires).toEqual(['route_localnet']);
    expect(r.notes.find((n) => n.includes('route_localnet'))).toContain('kube-proxy sets net.ipv4.conf.all.route_localnet=1');
  });

  it('a hostPort reached on localhost needs it, set by portmap', () => {
    const r = trace(snap(), { toHost: '127.0.0.1', port: 8081, protocol: 'TCP', from: { kind: 'localhost', node: 'node-a' } });
    expect(r.requires).toEqual(['route_localnet']);
    expect(r.notes.find((n) => n.includes('route_localnet'))).toContain('portmap sets net.ipv4.conf.<bridge>.route_localnet=1');
  });

  it('the node address does not', () => {
    const r = trace(snap(), { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'localhost', node: 'node-a' } });
    expect(r.outcome).toBe('delivered');
    expect(r.requires).toEqual([]);
  });

  it('without portmap SNAT nothing sets it on the bridge: the localhost hostPort is dropped at routing', () => {
    const s = snap();
    s.profile.cni.portmap = { ...s.profile.cni.portmap!, snat: false };
    s.profile.kubeProxy.localhostNodePorts = false;
    const r = trace(s, { toHost: '127.0.0.1', port: 8081, protocol: 'TCP', from: { kind: 'localhost', node: 'node-a' } });
    expect(r.outcome).toBe('dropped');
    expect(r.hops.at(-1)).toMatchObject({ table: 'route', verdict: expect.stringContaining('martian') });
    expect(r.notes.join('\n')).toMatch(/route_localnet is 1 on that device or on all/);
  });

  it("kube-proxy's own route_localnet also carries a localhost hostPort when portmap's SNAT is off", () => {
    const s = snap();
    s.profile.cni.portmap = { ...s.profile.cni.portmap!, snat: false };
    const r = trace(s, { toHost: '127.0.0.1', port: 8081, protocol: 'TCP', from: { kind: 'localhost', node: 'node-a' } });
    expect(r.outcome).toBe('delivered');
  });

  it('a hostPort pod dialling its own hostPort without SNAT answers itself and never connects', () => {
    const s = snap();
    s.profile.cni.portmap = { ...s.profile.cni.portmap!, snat: false };
    const r = trace(s, { toHost: 'node-a', port: 8081, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'web-0' } });
    expect(r.outcome).toBe('dropped');
    expect(r.destinations[0]).toMatchObject({ pod: 'demo/web-0', asymmetricReply: true });
  });
});
