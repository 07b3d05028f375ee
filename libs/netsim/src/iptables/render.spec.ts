import { aNode, aPod, aService, aSnapshot } from '../testing';
import type { EndpointSlice, Service, Snapshot } from '../model/types';
import { renderKubeProxy } from './kubeproxy';
import { renderPortmap } from './portmap';
import { renderNode, renderNodeLazy } from './render';
import { joinArgs, type Ruleset } from './model';

/** The upstream fake-proxier world: test-node 192.168.0.2, clusterCIDR 10.0.0.0/8, no --random-fully. */
function upstream(services: Service[], slices: EndpointSlice[]): Snapshot {
  const s = aSnapshot({ nodes: [aNode('test-node', { ip: '192.168.0.2', podCIDRs: ['10.0.0.0/24'] })], services, endpointSlices: slices });
  s.profile.kubeProxy.clusterCIDR = '10.0.0.0/8';
  s.profile.kubeProxy.detectLocalMode = 'ClusterCIDR';
  s.profile.iptablesHasRandomFully = false;
  s.profile.cni = { networkName: '', conflist: null, ipMasq: false };
  return s;
}

function slice(ns: string, svc: string, eps: Array<{ ip: string; node?: string; ready?: boolean; serving?: boolean; terminating?: boolean }>, port = 80, portName = 'p80'): EndpointSlice {
  return {
    namespace: ns,
    name: `${svc}-abcde`,
    serviceName: svc,
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false, nodeName: e.node })),
    derived: false,
  };
}

/** `-A CHAIN rule` lines of the given chains, in chain order, like upstream's expected dumps. */
function lines(rs: Ruleset, table: string, chains?: string[]): string[] {
  const t = rs.tables[table];
  const out: string[] = [];
  for (const c of t.chainOrder) {
    if (chains && !chains.some((p) => (p.endsWith('*') ? c.startsWith(p.slice(0, -1)) : c === p))) continue;
    for (const r of t.chains[c].rules) out.push(`-A ${c} ${joinArgs(r.args)}`);
  }
  return out;
}

describe('renderKubeProxy (pkg/proxy/iptables/proxier.go syncProxyRules)', () => {
  it('reproduces the rules of upstream TestOverallIPTablesRules (ns1..ns6), chain by chain', () => {
    const svcs = [
      aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] }),
      aService('svc2', { namespace: 'ns2', type: 'LoadBalancer', clusterIP: '172.30.0.42', externalIPs: ['192.168.99.22'], loadBalancerIPs: ['1.2.3.4'], externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, ports: [{ name: 'p80', port: 80, nodePort: 3001 }] }),
      aService('svc3', { namespace: 'ns3', type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 80, nodePort: 3003 }] }),
      aService('svc4', { namespace: 'ns4', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ name: 'p80', port: 80 }] }),
      aService('svc5', { namespace: 'ns5', type: 'LoadBalancer', clusterIP: '172.30.0.45', loadBalancerIPs: ['5.6.7.8'], loadBalancerSourceRanges: ['203.0.113.0/25'], ports: [{ name: 'p80', port: 80, nodePort: 3002 }] }),
      aService('svc6', { namespace: 'ns6', clusterIP: '172.30.0.46', ports: [{ name: 'p80', port: 80 }] }),
    ];
    const slices = [
      slice('ns1', 'svc1', [{ ip: '10.180.0.1' }]),
      slice('ns2', 'svc2', [{ ip: '10.180.0.2' }]),
      slice('ns3', 'svc3', [{ ip: '10.180.0.3' }]),
      slice('ns4', 'svc4', [{ ip: '10.180.0.4' }, { ip: '10.180.0.5' }]),
      slice('ns5', 'svc5', [{ ip: '10.180.0.3' }]),
    ];
    const rs = renderKubeProxy(upstream(svcs, slices), 'test-node');
    // expected: the kube-proxy chains of the dump in pkg/proxy/iptables (TestOverallIPTablesRules / TestCleanupLeftovers)
    const expected = String.raw`-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT
-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP
*nat
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK
-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`;
    const [filterText, natText] = expected.split('*nat\n');
    const byChain = (ls: string[]) => {
      const m: Record<string, string[]> = {};
      for (const l of ls) (m[l.split(' ')[1]] ??= []).push(l);
      return m;
    };
    const userChains = (table: string) => lines(rs, table).filter((l) => !/^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) /.test(l));
    expect(byChain(userChains('filter'))).toEqual(byChain(filterText.trim().split('\n')));
    expect(byChain(userChains('nat'))).toEqual(byChain(natText.trim().split('\n')));
  });

  it('ClusterIP service with one endpoint', () => {
    const rs = renderKubeProxy(upstream([aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })], [slice('ns1', 'svc1', [{ ip: '10.180.0.1' }])]), 'test-node');
    expect(lines(rs, 'nat', ['KUBE-SERVICES', 'KUBE-SVC-*', 'KUBE-SEP-*'])).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
    ]);
  });

  it('fixed chains, masquerade mark from masqueradeBit, jump rules prepended', () => {
    const rs = renderKubeProxy(upstream([], []), 'test-node');
    expect(lines(rs, 'nat', ['PREROUTING', 'OUTPUT', 'POSTROUTING', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'])).toEqual([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    ]);
    expect(lines(rs, 'filter', ['INPUT', 'OUTPUT'])).toEqual([
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A INPUT -j KUBE-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -j KUBE-FIREWALL',
    ]);
    expect(lines(rs, 'filter', ['FORWARD', 'KUBE-FORWARD', 'KUBE-FIREWALL'])).toEqual([
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ]);
    const s = upstream([], []);
    s.profile.kubeProxy.masqueradeBit = 15;
    s.profile.iptablesHasRandomFully = true;
    expect(lines(renderKubeProxy(s, 'test-node'), 'nat', ['KUBE-POSTROUTING', 'KUBE-MARK-MASQ'])).toEqual([
      '-A KUBE-POSTROUTING -m mark ! --mark 0x8000/0x8000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x8000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x8000',
    ]);
  });

  it('LoadBalancer with eTP Local and no local endpoint (TestOverallIPTablesRules ns2/svc2)', () => {
    const svc = aService('svc2', { namespace: 'ns2', type: 'LoadBalancer', clusterIP: '172.30.0.42', externalIPs: ['192.168.99.22'], loadBalancerIPs: ['1.2.3.4'], externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns2', 'svc2', [{ ip: '10.180.0.2' }])]), 'test-node');
    expect(lines(rs, 'filter', ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'])).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
      '-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT',
    ]);
    expect(lines(rs, 'nat', ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXT-*', 'KUBE-SVC-*', 'KUBE-SVL-*', 'KUBE-SEP-*'])).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80',
    ]);
  });

  it('eTP Local with a local endpoint jumps to KUBE-SVL', () => {
    const svc = aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', externalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: 'test-node' }])]), 'test-node');
    expect(lines(rs, 'nat', ['KUBE-EXT-*', 'KUBE-SVL-*'])).toEqual([
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVL-XPGD46QRK7WJZT7O',
      '-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.2.1:80" -j KUBE-SEP-ZX7GRIZKSNUQ3LAJ',
    ]);
    expect(lines(rs, 'nat', ['KUBE-SVC-*'])).toEqual([
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.2.1:80" -j KUBE-SEP-ZX7GRIZKSNUQ3LAJ',
    ]);
  });

  it('three endpoints get %0.10f probabilities 1/3, 1/2, then none', () => {
    const svc = aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.0.2' }, { ip: '10.180.0.3' }])]), 'test-node');
    const probs = lines(rs, 'nat', ['KUBE-SVC-*']).map((l) => /--probability (\S+)/.exec(l)?.[1] ?? '-');
    expect(probs).toEqual(['-', '0.3333333333', '0.5000000000', '-']);
  });

  it('no endpoints: REJECT in filter KUBE-SERVICES and KUBE-EXTERNAL-SERVICES, no nat chains', () => {
    const svc = aService('svc1', { namespace: 'ns1', type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.11'], loadBalancerIPs: ['1.2.3.4'], ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const rs = renderKubeProxy(upstream([svc], []), 'test-node');
    expect(lines(rs, 'filter', ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'])).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT',
    ]);
    expect(rs.tables['nat'].chainOrder.filter((c) => /^KUBE-(SVC|SEP|EXT|SVL|FW)-/.test(c))).toEqual([]);
  });

  it('internalTrafficPolicy Local without a local endpoint DROPs the cluster IP', () => {
    const svc = aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', internalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns1', 'svc1', [{ ip: '10.180.0.1', node: 'other' }])]), 'test-node');
    expect(lines(rs, 'filter', ['KUBE-SERVICES'])).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP',
    ]);
  });

  it('falls back to serving+terminating endpoints when none is ready', () => {
    const svc = aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns1', 'svc1', [{ ip: '10.180.0.1', ready: false, serving: true, terminating: true }, { ip: '10.180.0.2', ready: false, serving: false, terminating: true }])]), 'test-node');
    expect(lines(rs, 'nat', ['KUBE-SVC-*']).filter((l) => l.includes('->'))).toEqual([
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
    ]);
  });

  it('ClientIP affinity adds recent rules; LB source ranges add a FW chain', () => {
    const svc = aService('svc1', { namespace: 'ns1', type: 'LoadBalancer', clusterIP: '172.30.0.41', loadBalancerIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['192.168.0.0/24', '203.0.113.0/25'], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 10800, ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns1', 'svc1', [{ ip: '10.180.0.1' }])]), 'test-node');
    expect(lines(rs, 'nat', ['KUBE-SVC-*', 'KUBE-SEP-*', 'KUBE-FW-*'])).toEqual([
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --rcheck --seconds 10800 --reap -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 192.168.0.0/24 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 1.2.3.4 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL"',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
    ]);
    expect(lines(rs, 'filter', ['KUBE-PROXY-FIREWALL'])).toEqual([
      '-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by KUBE-FW-XPGD46QRK7WJZT7O" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
    ]);
  });

  it('nodePortAddresses and localhostNodePorts change the last KUBE-SERVICES rule', () => {
    const s = upstream([], []);
    s.profile.kubeProxy.localhostNodePorts = false;
    expect(lines(renderKubeProxy(s, 'test-node'), 'nat', ['KUBE-SERVICES'])).toEqual([
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
    ]);
    expect(lines(renderKubeProxy(s, 'test-node'), 'filter', ['KUBE-FIREWALL'])).toEqual([]);
    s.profile.kubeProxy.nodePortAddresses = ['192.168.0.0/24'];
    expect(lines(renderKubeProxy(s, 'test-node'), 'nat', ['KUBE-SERVICES'])).toEqual([
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.0.2 -j KUBE-NODEPORTS',
    ]);
    s.profile.kubeProxy.localhostNodePorts = true;
    s.profile.kubeProxy.nodePortAddresses = ['192.168.0.0/24', '127.0.0.0/8'];
    expect(lines(renderKubeProxy(s, 'test-node'), 'nat', ['KUBE-SERVICES']).map((l) => /-d (\S+)/.exec(l)?.[1])).toEqual(['127.0.0.1', '192.168.0.2']);
  });

  it('with nfacct, each NodePort gets a localhost copy first (localhost_nps_accepted_pkts)', () => {
    const s = upstream([aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] })], [slice('ns1', 'svc1', [{ ip: '10.180.0.1' }])]);
    s.profile.iptablesHasNfacct = true;
    expect(lines(renderKubeProxy(s, 'test-node'), 'nat', ['KUBE-NODEPORTS'])).toEqual([
      '-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O',
    ]);
    s.profile.kubeProxy.localhostNodePorts = false;
    expect(lines(renderKubeProxy(s, 'test-node'), 'nat', ['KUBE-NODEPORTS'])).toHaveLength(1);
  });

  it('drops per-endpoint comments above 1000 endpoints (large cluster mode)', () => {
    const eps = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.180.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
    const svc = aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const rs = renderKubeProxy(upstream([svc], [slice('ns1', 'svc1', eps)]), 'test-node');
    const sep = rs.tables['nat'].chainOrder.find((c) => c.startsWith('KUBE-SEP-')) as string;
    expect(rs.tables['nat'].chains[sep].rules.map((r) => r.text)[0]).toMatch(/^-s 10\.180\.\d+\.\d+ -j KUBE-MARK-MASQ$/);
    expect(lines(rs, 'nat', ['KUBE-SERVICES'])[0]).toContain('"ns1/svc1:p80 cluster IP"');
  });
});

describe('renderPortmap (plugins/meta/portmap/portmap_iptables.go)', () => {
  function demo(pods = [aPod('web-hp-0', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], sandboxId: 'c0ffee0001', hostPorts: [{ containerPort: 80, hostPort: 8080 }] })]): Snapshot {
    return aSnapshot({ nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] })], pods });
  }

  it('writes the CNI-HOSTPORT-* chains and the per-container CNI-DN chain', () => {
    const rs = renderPortmap(demo(), 'node-a');
    expect(lines(rs, 'nat')).toEqual([
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000',
      '-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE',
      '-A CNI-HOSTPORT-DNAT -m comment --comment "dnat name: \\"cbr0\\" id: \\"c0ffee0001\\"" -m multiport -p tcp --destination-ports 8080 -j CNI-DN-54a4250774be74297ae44',
      '-A CNI-DN-54a4250774be74297ae44 -p tcp --dport 8080 -s 10.244.0.5/24 -j CNI-HOSTPORT-SETMARK',
      '-A CNI-DN-54a4250774be74297ae44 -p tcp --dport 8080 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK',
      '-A CNI-DN-54a4250774be74297ae44 -p tcp --dport 8080 -j DNAT --to-destination 10.244.0.5:80',
    ]);
  });

  it('groups by lower-cased protocol, chunks multiport by 15, adds -d for a specific hostIP, skips 0.0.0.0 and hostPort 0', () => {
    const ports = [
      ...Array.from({ length: 16 }, (_, i) => ({ containerPort: 9000 + i, hostPort: 9000 + i })),
      { containerPort: 53, hostPort: 5353, protocol: 'UDP' as const },
      { containerPort: 443, hostPort: 8443, hostIP: '192.168.1.10' },
      { containerPort: 444, hostPort: 8444, hostIP: '0.0.0.0' },
      { containerPort: 445, hostPort: 0 },
    ];
    const rs = renderPortmap(demo([aPod('multi', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.9'], sandboxId: 'c0ffee0009', hostPorts: ports })]), 'node-a');
    const chain = rs.tables['nat'].chainOrder.find((c) => c.startsWith('CNI-DN-')) as string;
    expect(lines(rs, 'nat', ['CNI-HOSTPORT-DNAT']).map((l) => /--destination-ports (\S+)/.exec(l)?.[1] + ' ' + /-p (\S+)/.exec(l)?.[1])).toEqual([
      '9000,9001,9002,9003,9004,9005,9006,9007,9008,9009,9010,9011,9012,9013,9014 tcp',
      '9015,8443,8444 tcp',
      '5353 udp',
    ]);
    const rules = lines(rs, 'nat', [chain]);
    expect(rules.filter((l) => l.includes('--dport 8443'))).toEqual([
      `-A ${chain} -p tcp --dport 8443 -d 192.168.1.10 -s 10.244.0.9/24 -j CNI-HOSTPORT-SETMARK`,
      `-A ${chain} -p tcp --dport 8443 -d 192.168.1.10 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK`,
      `-A ${chain} -p tcp --dport 8443 -d 192.168.1.10 -j DNAT --to-destination 10.244.0.9:443`,
    ]);
    expect(rules.filter((l) => l.includes('--dport 8444'))[2]).toBe(`-A ${chain} -p tcp --dport 8444 -j DNAT --to-destination 10.244.0.9:444`);
    expect(rules.some((l) => l.includes('5353') && l.includes('-p udp'))).toBe(true);
    expect(rules).toHaveLength(3 * 19);
  });

  it('matches portmap_iptables_test.go "generates a correct standard container chain" (IPv4 part)', () => {
    const containerID = 'icee6giejonei6sohng6ahngee7laquohquee9shiGo7fohferakah3Feiyoolu2pei7ciPhoh7shaoX6vai3vuf0ahfaeng8yohb9ceu0daez5hashee8ooYai5wa3y';
    const ports = [
      { hostPort: 8080, containerPort: 80, protocol: 'TCP' as const },
      { hostPort: 8081, containerPort: 80, protocol: 'TCP' as const },
      { hostPort: 8080, containerPort: 81, protocol: 'UDP' as const },
      { hostPort: 8082, containerPort: 82, protocol: 'UDP' as const },
      { hostPort: 8083, containerPort: 83, protocol: 'TCP' as const, hostIP: '192.168.0.2' },
      { hostPort: 8084, containerPort: 84, protocol: 'TCP' as const, hostIP: '0.0.0.0' },
      { hostPort: 8085, containerPort: 85, protocol: 'TCP' as const, hostIP: '2001:db8:a::1' },
      { hostPort: 8086, containerPort: 86, protocol: 'TCP' as const, hostIP: '::' },
    ];
    const s = aSnapshot({ nodes: [aNode('n', { ip: '192.168.0.2', podCIDRs: ['10.0.0.0/24'] })], pods: [aPod('p', { node: 'n', podIPs: ['10.0.0.2'], sandboxId: containerID, hostPorts: ports })] });
    s.profile.cni.networkName = 'test';
    (s.profile.cni.portmap as { conditionsV4: string[] }).conditionsV4 = ['-a', 'b'];
    const nat = renderPortmap(s, 'n').tables['nat'];
    const comment = `dnat name: "test" id: "${containerID}"`;
    expect(nat.chains['CNI-HOSTPORT-DNAT'].rules.map((r) => r.args)).toEqual([
      ['-m', 'comment', '--comment', comment, '-m', 'multiport', '-p', 'tcp', '--destination-ports', '8080,8081,8083,8084,8085,8086', '-a', 'b', '-j', 'CNI-DN-67e92b96e692a494b6b85'],
      ['-m', 'comment', '--comment', comment, '-m', 'multiport', '-p', 'udp', '--destination-ports', '8080,8082', '-a', 'b', '-j', 'CNI-DN-67e92b96e692a494b6b85'],
    ]);
    expect(nat.chains['CNI-DN-67e92b96e692a494b6b85'].rules.map((r) => r.args)).toEqual([
      ['-p', 'tcp', '--dport', '8080', '-s', '10.0.0.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8080', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '10.0.0.2:80'],
      ['-p', 'tcp', '--dport', '8081', '-s', '10.0.0.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8081', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8081', '-j', 'DNAT', '--to-destination', '10.0.0.2:80'],
      ['-p', 'udp', '--dport', '8080', '-s', '10.0.0.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'udp', '--dport', '8080', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'udp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '10.0.0.2:81'],
      ['-p', 'udp', '--dport', '8082', '-s', '10.0.0.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'udp', '--dport', '8082', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'udp', '--dport', '8082', '-j', 'DNAT', '--to-destination', '10.0.0.2:82'],
      ['-p', 'tcp', '--dport', '8083', '-d', '192.168.0.2', '-s', '10.0.0.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8083', '-d', '192.168.0.2', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8083', '-d', '192.168.0.2', '-j', 'DNAT', '--to-destination', '10.0.0.2:83'],
      ['-p', 'tcp', '--dport', '8084', '-s', '10.0.0.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8084', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8084', '-j', 'DNAT', '--to-destination', '10.0.0.2:84'],
    ]);
  });

  it('hostNetwork pods, terminal pods and a CNI without portmap get nothing', () => {
    const hn = aPod('hn', { namespace: 'demo', node: 'node-a', hostNetwork: true, podIPs: ['192.168.1.10'], hostPorts: [80] });
    const done = aPod('done', { namespace: 'demo', node: 'node-a', phase: 'Succeeded', podIPs: ['10.244.0.8'], hostPorts: [81] });
    expect(renderPortmap(demo([hn, done]), 'node-a').tableOrder).toEqual([]);
    const s = demo();
    s.profile.cni = { networkName: 'cbr0', conflist: null, ipMasq: false, bridge: 'cni0' };
    expect(renderPortmap(s, 'node-a').tableOrder).toEqual([]);
  });

  it('snat false drops the mark rules; a missing sandbox id is replaced and reported', () => {
    const s = demo([aPod('nosandbox', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], hostPorts: [{ containerPort: 80, hostPort: 8080 }] })]);
    (s.profile.cni.portmap as { snat: boolean }).snat = false;
    const rs = renderPortmap(s, 'node-a');
    expect(rs.notes.join('\n')).toMatch(/no sandbox id/);
    expect(rs.tables['nat'].chainOrder).not.toContain('CNI-HOSTPORT-SETMARK');
    const chain = rs.tables['nat'].chainOrder.find((c) => c.startsWith('CNI-DN-')) as string;
    expect(lines(rs, 'nat', [chain])).toEqual([`-A ${chain} -p tcp --dport 8080 -j DNAT --to-destination 10.244.0.5:80`]);
  });

  it('renderNode puts kube-proxy jumps before portmap entries and CNI-HOSTPORT-MASQ before KUBE-POSTROUTING', () => {
    const rs = renderNode(demo(), 'node-a');
    expect(lines(rs, 'nat', ['PREROUTING', 'OUTPUT', 'POSTROUTING'])).toEqual([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    ]);
  });
});

describe('renderNodeLazy', () => {
  it('materializes exactly the chains renderNode writes, only when asked', () => {
    const svc = aService('web', { namespace: 'demo', type: 'LoadBalancer', clusterIP: '10.96.0.10', loadBalancerIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['203.0.113.0/25'], externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080 }] });
    const other = aService('api', { namespace: 'demo', clusterIP: '10.96.0.11', ports: [{ name: 'https', port: 443 }] });
    const s = aSnapshot({
      nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] })],
      pods: [aPod('hp', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], sandboxId: 'c0ffee0001', hostPorts: [{ containerPort: 80, hostPort: 8080 }] })],
      services: [svc, other],
      endpointSlices: [
        { namespace: 'demo', name: 'web-1', serviceName: 'web', addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.0.7'], ready: true, serving: true, terminating: false, nodeName: 'node-a' }, { addresses: ['10.244.1.7'], ready: true, serving: true, terminating: false, nodeName: 'node-b' }], derived: false },
        { namespace: 'demo', name: 'api-1', serviceName: 'api', addressType: 'IPv4', ports: [{ name: 'https', port: 6443, protocol: 'TCP' }], endpoints: [{ addresses: ['192.168.1.10'], ready: true, serving: true, terminating: false, nodeName: 'node-a' }], derived: false },
      ],
    });
    s.profile.kubeProxy.clusterCIDR = '10.244.0.0/16';
    const full = renderNode(s, 'node-a');
    const lazy = renderNodeLazy(s, 'node-a');
    const perService = (rs: Ruleset) => rs.tables['nat'].chainOrder.filter((c) => /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(c));
    expect(perService(lazy.ruleset)).toEqual([]);
    expect(lazy.chain('nat', 'KUBE-SERVICES')?.rules.map((r) => r.text)).toEqual(full.tables['nat'].chains['KUBE-SERVICES'].rules.map((r) => r.text));
    const ext = full.tables['nat'].chainOrder.find((c) => c.startsWith('KUBE-EXT-')) as string;
    expect(lazy.chain('nat', ext)?.rules.map((r) => r.text)).toEqual(full.tables['nat'].chains[ext].rules.map((r) => r.text));
    expect(perService(lazy.ruleset).length).toBeLessThan(perService(full).length);
    for (const t of full.tableOrder) for (const c of full.tables[t].chainOrder) {
      expect({ c, rules: lazy.chain(t, c)?.rules.map((r) => r.text) }).toEqual({ c, rules: full.tables[t].chains[c].rules.map((r) => r.text) });
    }
    expect(new Set(perService(lazy.ruleset))).toEqual(new Set(perService(full)));
  });
});
