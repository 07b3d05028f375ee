import { aNode, aPod, aService, aSnapshot } from '../testing';
import { interpretConflist } from '../adapter';
import type { EndpointSlice, Snapshot } from '../model/types';
import { trace } from '../trace';
import { printNftTable } from './print';
import { renderPortmapNft } from './portmap';
import { renderNodeNft } from './render';

const hp = aPod('hp', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.7'], sandboxId: 'c0ffee0007', hostPorts: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '192.168.1.10' }] });

function cluster(backend: 'nftables' | 'iptables', extra: Partial<Snapshot> = {}): Snapshot {
  const s = aSnapshot({ nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] }), aNode('node-b', { ip: '192.168.1.11', podCIDRs: ['10.244.1.0/24'] })], ...extra });
  s.profile.kubeProxy = { ...s.profile.kubeProxy, mode: 'nftables', clusterCIDR: '10.244.0.0/16', detectLocalMode: 'ClusterCIDR', nodePortAddresses: [] };
  s.profile.cni = interpretConflist({ cniVersion: '1.0.0', name: 'cbr0', plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.0.0/24' }]] } }, { type: 'portmap', backend, capabilities: { portMappings: true } }] });
  return s;
}

function slice(svc: string, ip: string, node: string): EndpointSlice {
  return { namespace: 'demo', name: `${svc}-x`, serviceName: svc, addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: [ip], ready: true, serving: true, terminating: false, nodeName: node }], derived: false };
}

describe("portmap's nftables backend (plugins/meta/portmap/portmap_nftables.go)", () => {
  it('writes table ip cni_hostport as nft 1.0.6 lists it: hostIP mappings in hostip_hostports, the rest in hostports, hairpin and localhost masquerade', () => {
    const t = renderPortmapNft(cluster('nftables', { pods: [hp] }), 'node-a');
    expect(t && printNftTable(t)).toBe(LISTED);
  });

  it('is selected by the conflist\'s "backend": "nftables" only; the iptables backend writes no nft table', () => {
    expect(renderNodeNft(cluster('iptables', { pods: [hp] }), 'node-a').map((t) => t.name)).toEqual(['kube-proxy']);
    expect(renderNodeNft(cluster('nftables', { pods: [hp] }), 'node-a').map((t) => t.name)).toEqual(['kube-proxy', 'cni_hostport']);
    expect(renderNodeNft(cluster('nftables'), 'node-a').map((t) => t.name)).toEqual(['kube-proxy']);
  });

  it('a hostPort on a NodePort number: cni_hostport, created after kube-proxy, runs first at dstnat and wins; with the iptables backend the NodePort wins', () => {
    const svcPod = aPod('web', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'], labels: { app: 'web' } });
    const clash = aPod('hp', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.7'], sandboxId: 'c0ffee0007', hostPorts: [{ containerPort: 80, hostPort: 30080 }] });
    const parts = { pods: [clash, svcPod], services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })], endpointSlices: [slice('web', '10.244.1.5', 'node-b')] };
    const req = { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'external' } } as const;
    const nft = trace(cluster('nftables', parts), req);
    expect(nft.destinations.map((d) => d.pod)).toEqual(['demo/hp']);
    expect(nft.hops.find((h) => h.verdict.startsWith('DNAT'))).toMatchObject({ table: 'ip cni_hostport', chain: 'hostports' });
    // kube-proxy's nat-prerouting does not run after the binding: a connection is NATed once per hook
    expect(nft.hops.some((h) => h.chain === 'nat-prerouting')).toBe(false);
    const ipt = trace(cluster('iptables', parts), req);
    expect(ipt.destinations.map((d) => d.pod)).toEqual(['demo/web']);
  });

  it('hairpin: the pod reaching its own hostPort through the node IP is masqueraded by cni_hostport masquerading', () => {
    const r = trace(cluster('nftables', { pods: [hp] }), { toHost: '192.168.1.10', port: 8080, protocol: 'TCP', from: { kind: 'pod', namespace: 'demo', name: 'hp' } });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'demo/hp', masquerade: true })]);
    expect(r.hops.find((h) => h.verdict.startsWith('MASQUERADE'))).toMatchObject({ table: 'ip cni_hostport', chain: 'masquerading' });
  });

  it('a hostIP mapping answers only on that address', () => {
    const s = cluster('nftables', { pods: [hp] });
    s.hostStates.push({ node: 'node-a', listeners: [], extraAddresses: ['10.0.0.10/24'] });
    expect(trace(s, { toHost: '192.168.1.10', port: 5353, protocol: 'UDP', from: { kind: 'external' } }).destinations.map((d) => d.pod)).toEqual(['demo/hp']);
    expect(trace(s, { toHost: '10.0.0.10', port: 5353, protocol: 'UDP', from: { kind: 'external' }, at: 'node-a' }).outcome).toBe('refused');
  });
});

/** `nft list ruleset` of nftables 1.0.6 after loading the rendered table. */
const LISTED = String.raw`table ip cni_hostport {
	comment "CNI portmap plugin"
	chain hostports {
		tcp dport 8080 dnat to 10.244.0.7:80 comment "c0ffee0007"
	}

	chain hostip_hostports {
		ip daddr 192.168.1.10 udp dport 5353 dnat to 10.244.0.7:53 comment "c0ffee0007"
	}

	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump hostip_hostports
		jump hostports
	}

	chain output {
		type nat hook output priority -100; policy accept;
		jump hostip_hostports
		fib daddr type local jump hostports
	}

	chain masquerading {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.244.0.7 ip daddr 10.244.0.7 masquerade comment "c0ffee0007"
		ip saddr 127.0.0.1 ip daddr 10.244.0.7 masquerade comment "c0ffee0007"
	}
}
`;
