import { aNode, aPod, aService, aSnapshot } from '../testing';
import { HOP_ACTIONS, type TraceHop } from '../model/results';
import { trace } from './trace';

/** Two nodes, one web pod on node-b behind a NodePort Service. */
function cluster() {
  const web = aPod('web', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'], labels: { app: 'web' } });
  const s = aSnapshot({
    nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] }), aNode('node-b', { ip: '192.168.1.11', podCIDRs: ['10.244.1.0/24'] })],
    pods: [web],
    services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] }), aService('empty', { namespace: 'demo', clusterIP: '10.96.0.30', ports: [{ port: 80 }] })],
    endpointSlices: [{ namespace: 'demo', name: 'web-x', serviceName: 'web', addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.1.5'], ready: true, serving: true, terminating: false, nodeName: 'node-b' }], derived: false }],
  });
  s.profile.kubeProxy.clusterCIDR = '10.244.0.0/16';
  return s;
}

const acting = (hops: TraceHop[]) => hops.filter((h) => !['no-match', 'never-reached', 'not-taken'].includes(h.action));

describe('trace hops as data', () => {
  it('external -> NodePort on another node: jump, mark, DNAT and MASQUERADE carry target and addresses, the pod is delivered to', () => {
    const r = trace(cluster(), { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'external', ip: '203.0.113.7' } });
    expect(r.hops.every((h) => (HOP_ACTIONS as readonly string[]).includes(h.action))).toBe(true);
    const dnat = r.hops.find((h) => h.action === 'dnat');
    expect(dnat).toMatchObject({ node: 'node-a', table: 'nat', before: '192.168.1.10:30080', after: '10.244.1.5:8080' });
    const masq = r.hops.find((h) => h.action === 'masquerade');
    expect(masq).toMatchObject({ node: 'node-a', before: expect.stringMatching(/^203\.0\.113\.7:/), after: expect.stringMatching(/^192\.168\.1\.10:/) });
    expect(r.hops.find((h) => h.action === 'jump' && h.target === 'KUBE-NODEPORTS')).toMatchObject({ table: 'nat', chain: 'KUBE-SERVICES' });
    expect(r.hops.find((h) => h.action === 'mark')?.target).toBe('0x4000');
    expect(r.hops.find((h) => h.action === 'route' && h.node === 'node-a')?.target).toBe('node-b');
    expect(r.hops.at(-1)).toMatchObject({ action: 'deliver', node: 'node-b', target: 'demo/web' });
    // a hop that rewrote nothing says so by having no addresses
    expect(acting(r.hops).filter((h) => h.before !== undefined).map((h) => h.action).sort()).toEqual(['dnat', 'masquerade']);
  });

  it('a ClusterIP without endpoints: the REJECT hop is action reject; a missing listener is refuse', () => {
    const rejected = trace(cluster(), { toHost: '10.96.0.30', port: 80, protocol: 'TCP', from: { kind: 'node', node: 'node-a' } });
    expect(rejected.hops.find((h) => h.verdict.startsWith('REJECT'))).toMatchObject({ action: 'reject', chain: 'KUBE-SERVICES' });
    const refused = trace(cluster(), { toHost: 'node-a', port: 9999, protocol: 'TCP', from: { kind: 'external' } });
    expect(refused.outcome).toBe('refused');
    expect(refused.hops.at(-1)).toMatchObject({ action: 'refuse', table: 'socket' });
    expect(refused.hops.find((h) => h.action === 'route')?.target).toBe('local');
  });

  it('kube-proxy nftables mode: the nft walker\'s hops carry the same structured fields (vmap goto, mark, dnat, masquerade)', () => {
    const s = cluster();
    s.profile.kubeProxy = { ...s.profile.kubeProxy, mode: 'nftables', detectLocalMode: 'ClusterCIDR', nodePortAddresses: [] };
    s.serviceCIDRs = ['10.96.0.0/16'];
    const r = trace(s, { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'external', ip: '203.0.113.7' } });
    expect(r.outcome).toBe('delivered');
    expect(r.hops.every((h) => (HOP_ACTIONS as readonly string[]).includes(h.action))).toBe(true);
    const nft = r.hops.filter((h) => h.table === 'ip kube-proxy');
    expect(nft.length).toBeGreaterThan(0);
    expect(nft.find((h) => h.action === 'dnat')).toMatchObject({ node: 'node-a', before: '192.168.1.10:30080', after: '10.244.1.5:8080' });
    expect(nft.find((h) => h.action === 'masquerade')).toMatchObject({ before: expect.stringMatching(/^203\.0\.113\.7:/), after: expect.stringMatching(/^192\.168\.1\.10:/) });
    expect(nft.some((h) => (h.action === 'jump' || h.action === 'goto') && h.target?.startsWith('endpoint-'))).toBe(true);
    expect(nft.filter((h) => h.before !== undefined).map((h) => h.action).sort()).toEqual(['dnat', 'masquerade']);
    expect(r.hops.at(-1)).toMatchObject({ action: 'deliver', node: 'node-b', target: 'demo/web' });
  });
});
