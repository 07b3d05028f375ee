import { aNode, aPod, aService, aSnapshot } from '../testing';
import type { EndpointSlice, Snapshot } from '../model/types';
import { emptyTable, ensureNftChain } from '../nftables/model';
import { parseNftRule } from '../nftables/rule';
import { hookStages } from './hook-stages';
import { trace } from './trace';

/** The demo cluster with kube-proxy in nftables mode (nodePortAddresses empty = primary), portmap's iptables backend. */
function demo(extra: Partial<Snapshot> = {}): Snapshot {
  const s = aSnapshot({
    nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] }), aNode('node-b', { ip: '192.168.1.11', podCIDRs: ['10.244.1.0/24'] })],
    ...extra,
  });
  s.profile.kubeProxy = { ...s.profile.kubeProxy, mode: 'nftables', clusterCIDR: '10.244.0.0/16', detectLocalMode: 'ClusterCIDR', nodePortAddresses: [] };
  s.serviceCIDRs = ['10.96.0.0/16'];
  return s;
}

function slice(svc: string, eps: Array<{ ip: string; node?: string }>, port = 8080): EndpointSlice {
  return { namespace: 'demo', name: `${svc}-x`, serviceName: svc, addressType: 'IPv4', ports: [{ name: '', port, protocol: 'TCP' }], endpoints: eps.map((e) => ({ addresses: [e.ip], ready: true, serving: true, terminating: false, nodeName: e.node })), derived: false };
}

const web = [aPod('web-0', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], labels: { app: 'web' } }), aPod('web-1', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'], labels: { app: 'web' } })];
const client = aPod('client', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.9'] });

describe('nft rule grammar (the printed form)', () => {
  it('reads concatenated vmap lookups, set matches, negations, numgen maps and mark statements', () => {
    expect(parseNftRule('ip daddr . meta l4proto . th dport vmap @service-ips')).toMatchObject({ matches: [], statements: [{ kind: 'vmap', keys: [{ kind: 'addr', field: 'daddr' }, { kind: 'l4proto' }, { kind: 'port', field: 'dport' }], map: { kind: 'ref', name: 'service-ips' } }], unknown: [] });
    expect(parseNftRule('ip saddr != { 1.2.3.0/24, 5.6.7.8 } drop')).toMatchObject({ matches: [{ negated: true, value: { kind: 'anon', items: ['1.2.3.0/24', '5.6.7.8'] } }], statements: [{ kind: 'verdict', verdict: 'drop' }] });
    expect(parseNftRule('numgen random mod 2 vmap { 0 : goto a, 1 : goto b }').statements[0]).toMatchObject({ kind: 'vmap', keys: [{ kind: 'numgen', mod: 2 }], map: { kind: 'anon', items: ['0 : goto a', '1 : goto b'] } });
    expect(parseNftRule('meta mark & 0x00004000 == 0x00000000 return')).toMatchObject({ matches: [{ keys: [{ kind: 'mark', mask: 0x4000 }], value: { text: '0x00000000' } }], statements: [{ kind: 'verdict', verdict: 'return' }] });
    expect(parseNftRule('meta mark set meta mark ^ 0x00004000').statements).toEqual([{ kind: 'mark', op: 'xor', value: 0x4000 }]);
    expect(parseNftRule('ip daddr @cluster-ips reject comment "Reject traffic"')).toMatchObject({ statements: [{ kind: 'verdict', verdict: 'reject' }], unknown: [] });
  });

  it('keeps what it does not cover as unknown, so the walk reports it instead of guessing', () => {
    expect(parseNftRule('ct mark 0x1 limit rate 10/second accept').unknown.length).toBeGreaterThan(0);
  });
});

describe('hook stages: nft base chains and iptables tables by priority', () => {
  const t = emptyTable('ip', 'kube-proxy');
  ensureNftChain(t, 'filter-prerouting-pre-dnat', { base: { type: 'filter', hook: 'prerouting', priority: -110, policy: 'accept' } });
  ensureNftChain(t, 'nat-prerouting', { base: { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' } });
  ensureNftChain(t, 'filter-output-pre-dnat', { base: { type: 'filter', hook: 'output', priority: -110, policy: 'accept' } });
  ensureNftChain(t, 'filter-output', { base: { type: 'filter', hook: 'output', priority: 0, policy: 'accept' } });
  const names = (st: ReturnType<typeof hookStages>) => st.map((s) => (s.kind === 'iptables' ? 'iptables' : s.chain.name));

  it('runs dstnat - 10 first, then kube-proxy\'s nat chain before the iptables nat table of equal priority', () => {
    expect(names(hookStages([t], 'nat', 'PREROUTING', true))).toEqual(['filter-prerouting-pre-dnat', 'nat-prerouting', 'iptables']);
  });

  it('splits OUTPUT: chains up to dstnat with the nat pass, the rest with the filter pass', () => {
    expect(names(hookStages([t], 'nat', 'OUTPUT', true))).toEqual(['filter-output-pre-dnat', 'iptables']);
    expect(names(hookStages([t], 'filter', 'OUTPUT', false))).toEqual(['filter-output']);
  });
});

describe('trace over kube-proxy nftables', () => {
  it('a NodePort on the primary IP reaches both endpoints, 1/2 each, masqueraded; the same port on another local address is refused', () => {
    const make = () => demo({ pods: web, services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice('web', web.map((p) => ({ ip: p.podIPs[0], node: p.nodeName })))] });
    const r = trace(make(), { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.destinations.map((d) => [d.pod, d.probability, d.masquerade])).toEqual([['demo/web-0', 0.5, true], ['demo/web-1', 0.5, true]]);
    const s = make();
    s.hostStates.push({ node: 'node-a', listeners: [], extraAddresses: ['10.0.0.10/24'] });
    const other = trace(s, { toHost: '10.0.0.10', port: 30080, protocol: 'TCP', from: { kind: 'external' }, at: 'node-a' });
    expect(other.outcome).toBe('refused');
    expect(other.hops.find((h) => h.rule.includes('@service-nodeports'))?.verdict).toBe('no match (10.0.0.10 is not in @nodeport-ips)');
  });

  it('a ClusterIP without endpoints is rejected through @no-endpoint-services and reject-chain', () => {
    const s = demo({ pods: [client], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080 }] })] });
    const r = trace(s, { toHost: '10.96.0.10', port: 80, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'client' } });
    expect(r.outcome).toBe('rejected');
    expect(r.hops.map((h) => `${h.chain}: ${h.verdict}`)).toEqual(expect.arrayContaining(['service-endpoints-check: 10.96.0.10 . tcp . 80 : goto reject-chain', 'reject-chain: REJECT']));
  });

  it('an unallocated address of the Service CIDR is dropped, an allocated ClusterIP on another port rejected', () => {
    const s = demo({ pods: [client, ...web], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080 }] })], endpointSlices: [slice('web', web.map((p) => ({ ip: p.podIPs[0], node: p.nodeName })))] });
    const from = { kind: 'pod', namespace: 'demo', name: 'client' } as const;
    expect(trace(s, { toHost: '10.96.0.99', port: 80, protocol: 'TCP', from })).toMatchObject({ outcome: 'dropped' });
    expect(trace(s, { toHost: '10.96.0.10', port: 443, protocol: 'TCP', from })).toMatchObject({ outcome: 'rejected' });
    expect(trace(s, { toHost: '10.96.0.10', port: 80, protocol: 'TCP', from }).destinations.map((d) => [d.pod, d.masquerade])).toEqual([['demo/web-0', false], ['demo/web-1', false]]);
  });

  it('hairpin: a pod reaching its own Service through the ClusterIP is masqueraded (endpoint chain marks its own source)', () => {
    const s = demo({ pods: web, services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080 }] })], endpointSlices: [slice('web', [{ ip: '10.244.0.5', node: 'node-a' }])] });
    const r = trace(s, { toHost: '10.96.0.10', port: 80, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'web-0' } });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/web-0', masquerade: true, sourceSeen: '10.244.0.1' })]);
  });

  it('externalTrafficPolicy Local without a local endpoint: external NodePort traffic is dropped, a pod on the node still reaches the remote endpoint', () => {
    const s = demo({ pods: [client, web[1]], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice('web', [{ ip: '10.244.1.5', node: 'node-b' }])] });
    const ext = trace(s, { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect(ext.outcome).toBe('dropped');
    expect(ext.hops.map((h) => `${h.chain}: ${h.verdict}`)).toContain('nodeport-endpoints-check: tcp . 30080 : drop');
    const pod = trace(s, { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'client' } });
    expect(pod.destinations).toEqual([expect.objectContaining({ pod: 'demo/web-1', outcome: 'delivered' })]);
  });

  it('a hostPort and a NodePort on the same port: kube-proxy\'s nat-prerouting runs first and binds the NAT, so portmap\'s DNAT never runs', () => {
    const hp = aPod('hp', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.7'], sandboxId: 'c0ffee0007', hostPorts: [{ containerPort: 80, hostPort: 30080 }] });
    const s = demo({ pods: [...web, hp], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice('web', web.map((p) => ({ ip: p.podIPs[0], node: p.nodeName })))] });
    const r = trace(s, { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.destinations.map((d) => d.pod).sort()).toEqual(['demo/web-0', 'demo/web-1']);
    for (const d of r.destinations) expect((d.hops ?? []).some((h) => h.chain === 'PREROUTING' && h.table === 'nat')).toBe(false);
    // portmap's rules are there: with the Service gone, the same packet reaches the hostPort pod through them
    const alone = trace(demo({ pods: [hp] }), { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect(alone.destinations).toEqual([expect.objectContaining({ pod: 'demo/hp', outcome: 'delivered' })]);
    expect(alone.hops.some((h) => h.table === 'nat' && h.chain === 'PREROUTING')).toBe(true);
  });
});
