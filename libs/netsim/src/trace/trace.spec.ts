import { aNode, aPod, aService, aSnapshot } from '../testing';
import type { EndpointSlice, Snapshot } from '../model/types';
import { parseIptablesSave } from '../iptables/save';
import { buildChainIndex, candidates, createNetworkState } from './state';
import { makePacket, matchRule } from './walk';
import { trace } from './trace';

function demo(extra: Partial<Snapshot> = {}): Snapshot {
  const s = aSnapshot({
    nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] }), aNode('node-b', { ip: '192.168.1.11', podCIDRs: ['10.244.1.0/24'] })],
    ...extra,
  });
  s.profile.kubeProxy.clusterCIDR = '10.244.0.0/16';
  s.profile.kubeProxy.detectLocalMode = 'ClusterCIDR';
  return s;
}

function slice(svc: string, eps: Array<{ ip: string; node?: string }>, port = 8080): EndpointSlice {
  return { namespace: 'demo', name: `${svc}-x`, serviceName: svc, addressType: 'IPv4', ports: [{ name: '', port, protocol: 'TCP' }], endpoints: eps.map((e) => ({ addresses: [e.ip], ready: true, serving: true, terminating: false, nodeName: e.node })), derived: false };
}

/** A one-node snapshot whose node carries an uploaded dump. */
function withDump(dump: string, listeners: Array<{ port: number; process: string }> = []): Snapshot {
  const s = demo();
  s.hostStates.push({ node: 'node-a', listeners: listeners.map((l) => ({ address: '0.0.0.0', port: l.port, protocol: 'TCP', process: l.process })), extraAddresses: [], iptablesSave: dump });
  return s;
}

describe('trace: statistic branches', () => {
  it('three endpoints: three destinations of 1/3 each, summing to 1', () => {
    const pods = ['10.244.0.5', '10.244.1.5', '10.244.1.6'].map((ip, i) => aPod(`web-${i}`, { namespace: 'demo', node: i ? 'node-b' : 'node-a', podIPs: [ip], labels: { app: 'web' } }));
    const s = demo({ pods, services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice('web', pods.map((p) => ({ ip: p.podIPs[0], node: p.nodeName })))] });
    const r = trace(s, { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.destinations.map((d) => [d.pod, d.node, Number(d.probability.toFixed(6)), d.masquerade, d.sourceSeen])).toEqual([
      ['demo/web-0', 'node-a', 0.333333, true, '10.244.0.1'],
      ['demo/web-1', 'node-b', 0.333333, true, '192.168.1.10'],
      ['demo/web-2', 'node-b', 0.333333, true, '192.168.1.10'],
    ]);
    expect(r.destinations.reduce((a, d) => a + d.probability, 0)).toBeCloseTo(1, 12);
    expect(r.hops).toBe(r.destinations[0].hops);
    expect(r.destinations[2].hops?.filter((h) => h.verdict.startsWith('not taken'))).toHaveLength(2);
  });
});

describe('trace: sources, routing and sockets', () => {
  it('a Service endpoint that is a hostNetwork pod on another node: DNAT, then that node delivers to its socket', () => {
    const agent = aPod('agent', { namespace: 'demo', node: 'node-b', hostNetwork: true, podIPs: ['192.168.1.11'], containers: [{ name: 'a', ports: [{ containerPort: 9100, hostPort: 9100, hostIP: '', protocol: 'TCP' }], requests: {} }] });
    const s = demo({ pods: [agent], services: [aService('metrics', { namespace: 'demo', clusterIP: '10.96.0.20', ports: [{ port: 9100 }] })], endpointSlices: [slice('metrics', [{ ip: '192.168.1.11', node: 'node-b' }], 9100)] });
    const r = trace(s, { toHost: '10.96.0.20', port: 9100, protocol: 'TCP', from: { kind: 'node', node: 'node-a' } });
    expect(r.destinations).toEqual([expect.objectContaining({ kind: 'hostNetwork-pod', pod: 'demo/agent', node: 'node-b', outcome: 'delivered-to-host-socket', masquerade: true, sourceSeen: '192.168.1.10' })]);
    expect(r.hops.filter((h) => h.hook === 'PREROUTING' && h.node === 'node-b').length).toBeGreaterThan(0);
  });

  it('an endpoint pod reaching its own Service is hairpin-masqueraded to the bridge address', () => {
    const web = aPod('web', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'] });
    const s = demo({ pods: [web], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080 }] })], endpointSlices: [slice('web', [{ ip: '10.244.0.5', node: 'node-a' }])] });
    const r = trace(s, { toHost: '10.96.0.10', port: 80, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'web' } });
    expect(r.destinations[0]).toMatchObject({ pod: 'demo/web', masquerade: true, sourceSeen: '10.244.0.1', marks: ['0x4000'] });
    expect(r.hops.find((h) => h.rule === '-m comment --comment demo/web -s 10.244.0.5 -j KUBE-MARK-MASQ')?.verdict).toBe('jump KUBE-MARK-MASQ');
  });

  it('a node process reaching a ClusterIP without endpoints is rejected in filter OUTPUT -> KUBE-SERVICES', () => {
    const s = demo({ services: [aService('empty', { namespace: 'demo', clusterIP: '10.96.0.30', ports: [{ port: 80 }] })] });
    const r = trace(s, { toHost: '10.96.0.30', port: 80, protocol: 'TCP', from: { kind: 'node', node: 'node-a' } });
    expect(r.outcome).toBe('rejected');
    expect(r.destinations[0].by).toBe('filter KUBE-SERVICES');
    expect(r.hops.find((h) => h.verdict === 'REJECT')?.hook).toBeUndefined();
    expect(r.hops.some((h) => h.hook === 'OUTPUT' && h.table === 'filter')).toBe(true);
  });

  it('LoadBalancer source ranges: an allowed client is DNATed, another is dropped by KUBE-PROXY-FIREWALL', () => {
    const web = aPod('web', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'] });
    const s = demo({ pods: [web], services: [aService('web', { namespace: 'demo', type: 'LoadBalancer', clusterIP: '10.96.0.10', loadBalancerIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['203.0.113.0/25'], ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice('web', [{ ip: '10.244.1.5', node: 'node-b' }])] });
    const ok = trace(s, { toHost: '1.2.3.4', port: 80, protocol: 'TCP', from: { kind: 'external', ip: '203.0.113.2' }, at: 'node-a' });
    expect(ok.destinations[0]).toMatchObject({ pod: 'demo/web', outcome: 'delivered', masquerade: true });
    const blocked = trace(s, { toHost: '1.2.3.4', port: 80, protocol: 'TCP', from: { kind: 'external', ip: '203.0.113.130' }, at: 'node-a' });
    expect(blocked.outcome).toBe('dropped');
    expect(blocked.destinations[0].by).toBe('filter KUBE-PROXY-FIREWALL');
    // the NodePort bypasses the source ranges (TestLoadBalancer "nodePort bypasses LoadBalancerSourceRanges")
    expect(trace(s, { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'external', ip: '203.0.113.130' } }).outcome).toBe('delivered');
  });

  it('ip:IP@NODE sources enter that node; the bridge address is local; unknown names are errors', () => {
    const s = demo();
    s.hostStates.push({ node: 'node-a', listeners: [{ address: '0.0.0.0', port: 22, protocol: 'TCP', process: 'sshd' }], extraAddresses: [] });
    const r = trace(s, { toHost: '10.244.0.1', port: 22, protocol: 'TCP', from: { kind: 'ip', ip: '10.244.0.9', node: 'node-a' } });
    expect(r.destinations[0]).toMatchObject({ kind: 'host-socket', outcome: 'delivered-to-host-socket', sourceSeen: '10.244.0.9' });
    expect(trace(s, { toHost: 'node-a', port: 23, protocol: 'UDP', from: { kind: 'external' } }).hops.pop()?.verdict).toBe('refused: ICMP port unreachable');
    expect(() => trace(s, { toHost: 'nope', port: 1, protocol: 'TCP', from: { kind: 'external' } })).toThrow(/unknown host nope/);
    expect(() => trace(s, { toHost: 'node-a', port: 1, protocol: 'TCP', from: { kind: 'pod', namespace: 'x', name: 'y' } })).toThrow(/unknown pod x\/y/);
  });
});

describe('trace: traffic policies', () => {
  const pods = [aPod('web-a', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'] }), aPod('web-b', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'] }), aPod('client', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.9'] })];
  const eps = slice('web', [{ ip: '10.244.0.5', node: 'node-a' }]);

  it('eTP Local: external traffic to a node with a local endpoint keeps the client address', () => {
    const s = demo({ pods, services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [eps] });
    const r = trace(s, { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'external', ip: '198.51.100.7' } });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/web-a', masquerade: false, sourceSeen: '198.51.100.7', probability: 1 })]);
    expect(r.hops.some((h) => h.chain.startsWith('KUBE-SVL-') && h.verdict.startsWith('jump KUBE-SEP-'))).toBe(true);
    // the node without a local endpoint drops it in filter KUBE-EXTERNAL-SERVICES
    const b = trace(s, { toHost: 'node-b', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect([b.outcome, b.destinations[0].by]).toEqual(['dropped', 'filter KUBE-EXTERNAL-SERVICES']);
  });

  it('eTP Local, pod -> another node\'s NodePort with the endpoint back on the pod\'s node: first packet delivered, reply bypasses the DNAT node, connection dropped', () => {
    const client = aPod('client-a', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.9'] });
    const s = demo({ pods: [...pods, client], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [eps] });
    const r = trace(s, { toHost: 'node-b', port: 30080, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'client-a' } });
    expect(r.outcome).toBe('dropped');
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/web-a', outcome: 'dropped', masquerade: false, sourceSeen: '10.244.0.9', asymmetricReply: true })]);
    expect(r.notes.join('\n')).toMatch(/reply path bypasses node-b.*74383/);
    // through the cluster IP the DNAT happens on the client's own node: the reply comes back through it
    const viaClusterIP = trace(s, { toHost: '10.96.0.10', port: 80, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'client' } });
    expect(viaClusterIP.destinations[0].asymmetricReply).toBeUndefined();
  });

  it('iTP Local: a pod on a node without a local endpoint is dropped at the cluster IP', () => {
    const s = demo({ pods, services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', internalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] })], endpointSlices: [eps] });
    const r = trace(s, { toHost: '10.96.0.10', port: 80, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'client' } });
    expect([r.outcome, r.destinations[0].by]).toEqual(['dropped', 'filter KUBE-SERVICES']);
    expect(r.hops.find((h) => h.verdict === 'DROP')?.rule).toBe('-m comment --comment "demo/web has no local endpoints" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j DROP');
  });

  it('localhost to a NodePort is DNATed and masqueraded (localhostNodePorts, upstream "localhost to nodePort gets masqueraded")', () => {
    const s = demo({ pods, services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [eps] });
    const r = trace(s, { toHost: '127.0.0.1', port: 30080, protocol: 'TCP', from: { kind: 'localhost', node: 'node-b' } });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/web-a', masquerade: true, sourceSeen: '192.168.1.11' })]);
  });
});

describe('trace: hostPorts across nodes', () => {
  const hp = aPod('hp', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'], sandboxId: 'c0ffee0003', hostPorts: [{ containerPort: 80, hostPort: 8080 }] });
  const client = aPod('client', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.9'] });
  const agent = aPod('agent', { namespace: 'demo', node: 'node-a', hostNetwork: true, podIPs: ['192.168.1.10'] });

  it('a pod reaching another node\'s hostPort keeps its address (the hairpin mark is only for the pod subnet of that node)', () => {
    const r = trace(demo({ pods: [hp, client, agent] }), { toHost: 'node-b', port: 8080, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'client' } });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/hp', node: 'node-b', masquerade: false, sourceSeen: '10.244.0.9' })]);
    expect(r.hops.filter((h) => h.verdict.startsWith('DNAT')).map((h) => h.node)).toEqual(['node-b']);
  });

  it('a hostNetwork pod is a node-local sender: nat OUTPUT on its node, node IP as source', () => {
    const r = trace(demo({ pods: [hp, client, agent] }), { toHost: 'node-b', port: 8080, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'agent' } });
    expect(r.hops[0]).toMatchObject({ node: 'node-a', hook: 'OUTPUT', table: 'nat' });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/hp', sourceSeen: '192.168.1.10' })]);
  });
});

describe('trace over uploaded dumps: chain semantics', () => {
  it('goto returns past the calling chain; RETURN and policies apply', () => {
    const dump = ['*nat', ':PREROUTING ACCEPT [0:0]', ':A - [0:0]', ':B - [0:0]', '-A PREROUTING -j A', '-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.244.0.50:80', '-A A -g B', '-A A -j DNAT --to-destination 10.244.0.99:80', '-A B -p udp -j RETURN', 'COMMIT', '*filter', ':INPUT DROP [0:0]', 'COMMIT', ''].join('\n');
    const r = trace(withDump(dump), { toHost: 'node-a', port: 80, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.fromDump).toBe(true);
    expect(r.hops.map((h) => `${h.chain}: ${h.verdict.split(' (')[0]}`)).toEqual([
      'PREROUTING: jump A',
      'A: goto B',
      'B: no match',
      'B: return to A',
      'PREROUTING: DNAT -> 10.244.0.50:80',
      'routing: forward to the local pod bridge',
      'FORWARD: ACCEPT by default policy',
      'POSTROUTING: ACCEPT by default policy',
      'pod-network: dropped: host unreachable',
    ]);
    const local = trace(withDump(dump), { toHost: 'node-a', port: 81, protocol: 'TCP', from: { kind: 'external' } });
    expect(local.outcome).toBe('dropped');
    expect(local.destinations[0].by).toBe('filter INPUT policy');
  });

  it('unknown matches are not applied and are reported; --syn matches a first packet', () => {
    const dump = ['*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -m set --match-set blocked src -j DROP', '-A INPUT -p tcp -m tcp --dport 22 --syn -j REJECT --reject-with tcp-reset', 'COMMIT', ''].join('\n');
    const r = trace(withDump(dump, [{ port: 22, process: 'sshd' }]), { toHost: 'node-a', port: 22, protocol: 'TCP', from: { kind: 'external' } });
    const input = r.hops.filter((h) => h.chain === 'INPUT');
    expect(input.map((h) => h.verdict)).toEqual(['no match (not simulated: -m set)', 'REJECT (tcp-reset)']);
    expect(r.outcome).toBe('rejected');
  });
});

describe('chain index', () => {
  it('never hides a rule that can match (property check against a linear scan)', () => {
    const lines = ['*nat', ':KUBE-SERVICES - [0:0]'];
    for (let i = 0; i < 60; i++) {
      const kind = i % 6;
      if (kind === 0) lines.push(`-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.${i % 7} --dport ${80 + (i % 3)} -j ACCEPT`);
      else if (kind === 1) lines.push(`-A KUBE-SERVICES -p udp --dport ${80 + (i % 3)} -j ACCEPT`);
      else if (kind === 2) lines.push(`-A KUBE-SERVICES -p tcp -m multiport --dports 80,81,${90 + i} -j ACCEPT`);
      else if (kind === 3) lines.push(`-A KUBE-SERVICES -p tcp ! --dport 80 -j ACCEPT`);
      else if (kind === 4) lines.push(`-A KUBE-SERVICES -d 10.96.0.${i % 7}/31 -p tcp --dport 80:82 -j ACCEPT`);
      else lines.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j ACCEPT');
    }
    lines.push('COMMIT');
    const chain = parseIptablesSave(lines.join('\n')).ruleset.tables['nat'].chains['KUBE-SERVICES'];
    const idx = buildChainIndex(chain);
    const view = createNetworkState(demo()).view('node-a');
    for (const proto of ['tcp', 'udp']) for (let d = 0; d < 8; d++) for (const port of [79, 80, 81, 82, 95]) {
      const pkt = makePacket('203.0.113.2', `10.96.0.${d}`, port, proto);
      const cand = candidates(idx, proto, pkt.dst, port);
      expect([...cand].sort((a, b) => a - b)).toEqual(cand);
      chain.rules.forEach((r, i) => {
        if (matchRule(view, r, pkt).ok) expect({ i, in: cand.includes(i) }).toEqual({ i, in: true });
      });
    }
  });
});
