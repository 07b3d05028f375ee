import { aNode, aService, aSnapshot } from '../testing';
import type { EndpointSlice, Service, Snapshot } from '../model/types';
import { renderKubeProxyNft, nftNodePortAddresses, familyTerms } from './kubeproxy';
import { nftChain, nftSet, type NftTable } from './model';
import { printNftTable } from './print';
import { hashAndTruncate } from './names';

/** The pkg/proxy/nftables fake-proxier world: test-node 192.168.0.2, clusterCIDR 10.0.0.0/8, Service CIDR 172.30.0.0/16. */
function upstream(services: Service[], slices: EndpointSlice[]): Snapshot {
  const s = aSnapshot({ nodes: [aNode('test-node', { ip: '192.168.0.2', podCIDRs: ['10.0.0.0/24'] })], services, endpointSlices: slices });
  s.profile.kubeProxy = { ...s.profile.kubeProxy, mode: 'nftables', clusterCIDR: '10.0.0.0/8', detectLocalMode: 'ClusterCIDR', masqueradeBit: 14, nodePortAddresses: [] };
  s.profile.serviceCIDR = '172.30.0.0/16';
  s.profile.cni = { networkName: '', conflist: null, ipMasq: false };
  return s;
}

function slice(ns: string, svc: string, eps: Array<{ ip: string; node?: string; ready?: boolean }>, port = 80, portName = 'p80'): EndpointSlice {
  return {
    namespace: ns,
    name: `${svc}-abcde`,
    serviceName: svc,
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], ready: e.ready ?? true, serving: e.ready ?? true, terminating: false, nodeName: e.node })),
    derived: false,
  };
}

/**
 * Upstream's expected transaction lines (`add rule ip kube-proxy CHAIN RULE`, `add element ...`) as `nft list`
 * prints them back; the rewrites are the ones nft 1.0.6 makes (checked by loading both forms into a kernel).
 */
function listed(rule: string): string {
  return rule
    .replace(/^mark set mark or (0x[0-9a-f]+)$/, (_m, v: string) => `meta mark set meta mark | 0x${v.slice(2).padStart(8, '0')}`)
    .replace(/ \{ ([^,{}]+) \} drop( |$)/, ' $1 drop$2')
    .replace(/ , /g, ', ');
}

function rulesOf(t: NftTable): string[] {
  return t.chains.flatMap((c) => c.rules.map((r) => `${c.name} ${r.text}${r.comment ? ` comment "${r.comment}"` : ''}`));
}

function elementsOf(t: NftTable): string[] {
  return t.sets.flatMap((s) => s.elements.map((e) => `${s.name} { ${e.key}${e.comment ? ` comment "${e.comment}"` : ''}${e.value ? ` : ${e.value}` : ''} }`));
}

describe('renderKubeProxyNft (pkg/proxy/nftables/proxier.go syncProxyRules)', () => {
  it('names chains base32(sha256(name))[:8] + "-" + name, as upstream\'s dumps do', () => {
    expect(hashAndTruncate('ns1/svc1/tcp/p80')).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(hashAndTruncate('ns1/svc1/tcp/p80__10.180.0.1/80')).toBe('5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    expect(hashAndTruncate('x'.repeat(300))).toHaveLength(240);
    expect(hashAndTruncate('x'.repeat(300)).endsWith('...')).toBe(true);
  });

  it('reproduces the service rules and elements of upstream TestOverallNFTablesRules (ns1..ns6)', () => {
    const svcs = [
      aService('svc1', { namespace: 'ns1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] }),
      aService('svc2', { namespace: 'ns2', type: 'LoadBalancer', clusterIP: '172.30.0.42', externalIPs: ['192.168.99.22'], loadBalancerIPs: ['1.2.3.4'], externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, ports: [{ name: 'p80', port: 80, nodePort: 3001 }] }),
      aService('svc3', { namespace: 'ns3', type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 80, nodePort: 3003 }] }),
      aService('svc4', { namespace: 'ns4', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ name: 'p80', port: 80 }] }),
      aService('svc5', { namespace: 'ns5', type: 'LoadBalancer', clusterIP: '172.30.0.45', loadBalancerIPs: ['5.6.7.8'], loadBalancerSourceRanges: ['203.0.113.0/25'], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 10800, ports: [{ name: 'p80', port: 80, nodePort: 3002 }] }),
      aService('svc6', { namespace: 'ns6', clusterIP: '172.30.0.46', ports: [{ name: 'p80', port: 80 }] }),
    ];
    const slices = [
      slice('ns1', 'svc1', [{ ip: '10.180.0.1' }]),
      slice('ns2', 'svc2', [{ ip: '10.180.0.2' }]),
      slice('ns3', 'svc3', [{ ip: '10.180.0.3' }]),
      slice('ns4', 'svc4', [{ ip: '10.180.0.4' }, { ip: '10.180.0.5', node: 'test-node' }]),
      slice('ns5', 'svc5', [{ ip: '10.180.0.3' }]),
    ];
    const t = renderKubeProxyNft(upstream(svcs, slices), 'test-node');
    // the expected dump of TestOverallNFTablesRules (baseRules + the per-service part), in upstream's spelling
    const expected = String.raw`
add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"
add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading meta mark & 0x00004000 == 0x00000000 return
add rule ip kube-proxy masquerading meta mark set meta mark ^ 0x00004000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy nat-output jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add element ip kube-proxy nodeport-ips { 192.168.0.2 }
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 }
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80
add element ip kube-proxy cluster-ips { 172.30.0.41 }
add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 ip daddr 172.30.0.42 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80
add element ip kube-proxy cluster-ips { 172.30.0.42 }
add element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop }
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 ip daddr 172.30.0.43 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 }
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 goto service-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add element ip kube-proxy cluster-ips { 172.30.0.43 }
add element ip kube-proxy service-ips { 172.30.0.43 . tcp . 80 : goto service-4AT6LBPK-ns3/svc3/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 ip daddr 172.30.0.44 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 goto service-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 ip saddr 10.180.0.5 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 meta l4proto tcp dnat to 10.180.0.5:80
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 ip saddr 10.180.0.4 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 meta l4proto tcp dnat to 10.180.0.4:80
add element ip kube-proxy cluster-ips { 172.30.0.44 }
add element ip kube-proxy service-ips { 172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.33 . tcp . 80 : goto external-LAUZTJTB-ns4/svc4/tcp/p80 }
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip daddr 172.30.0.45 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 }
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 goto service-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop
add element ip kube-proxy cluster-ips { 172.30.0.45 }
add element ip kube-proxy service-ips { 172.30.0.45 . tcp . 80 : goto service-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.46 }
add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
`.trim().split('\n');
    const rules = expected.filter((l) => l.startsWith('add rule ')).map((l) => {
      const [, chain, rule] = /^add rule ip kube-proxy (\S+) (.*)$/.exec(l) ?? [];
      return `${chain} ${listed(rule)}`;
    });
    const elements = expected.filter((l) => l.startsWith('add element ')).map((l) => l.replace(/^add element ip kube-proxy /, ''));
    expect(rulesOf(t).sort()).toEqual(rules.sort());
    expect(elementsOf(t).sort()).toEqual(elements.sort());
    const affinity = nftSet(t, 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80');
    expect(affinity).toMatchObject({ kind: 'set', type: 'ipv4_addr', size: 65535, flags: ['dynamic', 'timeout'], timeout: 10800 });
  });

  it('hooks the base chains at upstream\'s priorities: firewall before DNAT, endpoint and ClusterIP checks at filter', () => {
    const t = renderKubeProxyNft(upstream([], []), 'test-node');
    const base = Object.fromEntries(t.chains.filter((c) => c.base).map((c) => [c.name, `${c.base?.type} ${c.base?.hook} ${c.base?.priority}`]));
    expect(base).toEqual({
      'filter-prerouting-pre-dnat': 'filter prerouting -110',
      'filter-output-pre-dnat': 'filter output -110',
      'filter-input': 'filter input 0',
      'filter-forward': 'filter forward 0',
      'filter-output': 'filter output 0',
      'nat-prerouting': 'nat prerouting -100',
      'nat-output': 'nat output -100',
      'nat-postrouting': 'nat postrouting 100',
    });
  });

  it("prints the fixture's NodePort service exactly as nft 1.0.6 lists it after `nft -f` of this text", () => {
    const svc = aService('svc1', { namespace: 'ns1', type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const text = printNftTable(renderKubeProxyNft(upstream([svc], [slice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: 'test-node' }])]), 'test-node'));
    expect(text).toBe(NFT_LISTED_SVC1);
  });

  describe('nodePortAddresses (nftables defaults)', () => {
    const withNPA = (npa: string[]) => {
      const s = upstream([], []);
      s.nodes[0].addresses.push({ type: 'InternalIP', address: '192.168.1.2' });
      s.profile.kubeProxy.nodePortAddresses = npa;
      return s;
    };
    const f = familyTerms('ip');

    it('empty means primary: only the node IP, never another local address or 127.0.0.1', () => {
      expect(nftNodePortAddresses(withNPA([]), 'test-node', f)).toEqual({ matchAll: false, ips: ['192.168.0.2'] });
    });

    it('CIDRs select the local addresses inside them; loopback is skipped even when listed', () => {
      expect(nftNodePortAddresses(withNPA(['192.168.0.0/16', '127.0.0.0/8']), 'test-node', f)).toEqual({ matchAll: false, ips: ['192.168.0.2', '192.168.1.2'] });
    });

    it('0.0.0.0/0, or only other-family CIDRs, match every local address: fib daddr type local minus 127.0.0.0/8, no nodeport-ips set', () => {
      expect(nftNodePortAddresses(withNPA(['0.0.0.0/0']), 'test-node', f).matchAll).toBe(true);
      expect(nftNodePortAddresses(withNPA(['2001:db8::/64']), 'test-node', f).matchAll).toBe(true);
      const t = renderKubeProxyNft(withNPA(['0.0.0.0/0']), 'test-node');
      expect(nftSet(t, 'nodeport-ips')).toBeUndefined();
      expect(nftChain(t, 'services')?.rules.map((r) => r.text)).toContain('fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports');
      expect(nftChain(t, 'nodeport-endpoints-check')?.rules.map((r) => r.text)).toEqual(['ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports']);
    });
  });

  it('keeps one cluster-ips element per ClusterIP, however many ports the Service has (the kernel refuses duplicates)', () => {
    const svc = aService('dns', { namespace: 'kube-system', clusterIP: '172.30.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }] });
    const t = renderKubeProxyNft(upstream([svc], []), 'test-node');
    expect(nftSet(t, 'cluster-ips')?.elements).toEqual([{ key: '172.30.0.10' }]);
    expect(nftSet(t, 'no-endpoint-services')?.elements.map((e) => e.key).sort()).toEqual(['172.30.0.10 . tcp . 53', '172.30.0.10 . udp . 53']);
  });

  it('takes the mark from masqueradeBit and drops the unallocated-ClusterIP rule when no Service CIDR is known', () => {
    const s = upstream([], []);
    s.profile.kubeProxy.masqueradeBit = 15;
    delete s.profile.serviceCIDR;
    const t = renderKubeProxyNft(s, 'test-node');
    expect(nftChain(t, 'mark-for-masquerade')?.rules[0].text).toBe('meta mark set meta mark | 0x00008000');
    expect(nftChain(t, 'cluster-ips-check')?.rules.map((r) => r.text)).toEqual(['ip daddr @cluster-ips reject']);
  });
});

/** `nft list ruleset` output of nftables 1.0.6 (Debian 12) after loading this table. */
const NFT_LISTED_SVC1 = String.raw`table ip kube-proxy {
	comment "rules for kube-proxy"
	set cluster-ips {
		type ipv4_addr
		comment "Active ClusterIPs"
		elements = { 172.30.0.41 }
	}

	set nodeport-ips {
		type ipv4_addr
		comment "IPs that accept NodePort traffic"
		elements = { 192.168.0.2 }
	}

	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "vmap to drop or reject packets to services with no endpoints"
	}

	map no-endpoint-nodeports {
		type inet_proto . inet_service : verdict
		comment "vmap to drop or reject packets to service nodeports with no endpoints"
	}

	map firewall-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "destinations that are subject to LoadBalancerSourceRanges"
	}

	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
		elements = { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
	}

	map service-nodeports {
		type inet_proto . inet_service : verdict
		comment "NodePort traffic"
		elements = { tcp . 3001 : goto external-ULMVA6XW-ns1/svc1/tcp/p80 }
	}

	chain filter-prerouting-pre-dnat {
		type filter hook prerouting priority dstnat - 10; policy accept;
		ct state new jump firewall-check
	}

	chain filter-output-pre-dnat {
		type filter hook output priority -110; policy accept;
		ct state new jump firewall-check
	}

	chain filter-input {
		type filter hook input priority filter; policy accept;
		ct state new jump nodeport-endpoints-check
		ct state new jump service-endpoints-check
	}

	chain filter-forward {
		type filter hook forward priority filter; policy accept;
		ct state new jump service-endpoints-check
		ct state new jump cluster-ips-check
	}

	chain filter-output {
		type filter hook output priority filter; policy accept;
		ct state new jump service-endpoints-check
		ct state new jump cluster-ips-check
	}

	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}

	chain nat-output {
		type nat hook output priority -100; policy accept;
		jump services
	}

	chain nat-postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		jump masquerading
	}

	chain nodeport-endpoints-check {
		ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
	}

	chain service-endpoints-check {
		ip daddr . meta l4proto . th dport vmap @no-endpoint-services
	}

	chain firewall-check {
		ip daddr . meta l4proto . th dport vmap @firewall-ips
	}

	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
		ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
	}

	chain masquerading {
		meta mark & 0x00004000 == 0x00000000 return
		meta mark set meta mark ^ 0x00004000
		masquerade fully-random
	}

	chain cluster-ips-check {
		ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
		ip daddr 172.30.0.0/16 drop comment "Drop traffic to unallocated ClusterIPs"
	}

	chain mark-for-masquerade {
		meta mark set meta mark | 0x00004000
	}

	chain reject-chain {
		comment "helper for @no-endpoint-services / @no-endpoint-nodeports"
		reject
	}

	chain endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 {
		ip saddr 10.180.0.1 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.180.0.1:80
	}

	chain endpoint-MLKSHPWN-ns1/svc1/tcp/p80__10.180.2.1/80 {
		ip saddr 10.180.2.1 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.180.2.1:80
	}

	chain service-ULMVA6XW-ns1/svc1/tcp/p80 {
		ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
		numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80, 1 : goto endpoint-MLKSHPWN-ns1/svc1/tcp/p80__10.180.2.1/80 }
	}

	chain external-ULMVA6XW-ns1/svc1/tcp/p80 {
		jump mark-for-masquerade
		goto service-ULMVA6XW-ns1/svc1/tcp/p80
	}
}
`;
