/**
 * Kernel suite, kube-proxy in nftables mode: the scenario cluster of packet-flows.kernel-spec.ts with kube-proxy's
 * `ip kube-proxy` table loaded by `nft -f` (portmap keeps its iptables backend, as on most nodes), real packets
 * sent from real namespaces, and what each client saw compared with trace(). Covers NodePort (primary IP only, no
 * localhost NodePorts), ClusterIP, eTP=Local, hairpin, no-endpoint REJECT and a hostPort next to the nft table.
 */
import { checkPreconditions } from './support/netns';
import { buildScenarioCluster, EMPTY, EXTERNAL_CLIENT_IP, HOSTPORT_TCP, LOCAL, NODE_A, NODE_B, WEB } from './support/scenario';
import { findBinary } from './support/sh';
import { worldSuite, type From, type Scenario } from './support/world-suite';

const EXT: From = { kind: 'external', ip: EXTERNAL_CLIENT_IP };
const pod = (name: string): From => ({ kind: 'pod', namespace: 'default', name });

const SCENARIOS: Scenario[] = [
  { name: 'nft NodePort eTP=Cluster: external -> node-a:30080 (both endpoints, masqueraded)', from: EXT, toHost: NODE_A.ip, port: WEB.nodePort, protocol: 'TCP', count: 20 },
  { name: 'nft NodePort eTP=Cluster UDP: external -> node-a:30053', from: EXT, toHost: NODE_A.ip, port: WEB.udpNodePort, protocol: 'UDP', count: 20 },
  { name: 'nft NodePort eTP=Local: external -> node-a:30081, local endpoint (source preserved)', from: EXT, toHost: NODE_A.ip, port: LOCAL.nodePort, protocol: 'TCP', count: 3 },
  { name: 'nft NodePort eTP=Local: external -> node-b:30081, no local endpoint (dropped)', from: EXT, toHost: NODE_B.ip, port: LOCAL.nodePort, protocol: 'TCP', count: 2 },
  { name: 'nft NodePort eTP=Local: pod on node-b -> node-b:30081 (pod short-circuit)', from: pod('client-b'), toHost: NODE_B.ip, port: LOCAL.nodePort, protocol: 'TCP', count: 3 },
  { name: 'nft NodePort localhost: node-a -> 127.0.0.1:30080 (no localhost NodePorts in nftables mode: refused)', from: { kind: 'localhost', node: 'node-a' }, toHost: '127.0.0.1', port: WEB.nodePort, protocol: 'TCP', count: 2 },
  { name: 'nft ClusterIP: pod -> 10.96.0.10:80 (both endpoints, no masquerade)', from: pod('client-a'), toHost: WEB.clusterIP, port: WEB.port, protocol: 'TCP', count: 20 },
  { name: 'nft ClusterIP hairpin: endpoint pod -> its own Service (itself masqueraded)', from: pod('web-a'), toHost: WEB.clusterIP, port: WEB.port, protocol: 'TCP', count: 20 },
  { name: 'nft ClusterIP: node-b process -> 10.96.0.10:80 (masqueraded)', from: { kind: 'node', node: 'node-b' }, toHost: WEB.clusterIP, port: WEB.port, protocol: 'TCP', count: 20 },
  { name: 'nft Service without endpoints: pod -> ClusterIP (reject-chain)', from: pod('client-a'), toHost: EMPTY.clusterIP, port: EMPTY.port, protocol: 'TCP', count: 2 },
  { name: 'nft Service without endpoints: external -> node-a:30082 (reject)', from: EXT, toHost: NODE_A.ip, port: EMPTY.nodePort, protocol: 'TCP', count: 2 },
  { name: 'nft ClusterIP undefined port: pod -> 10.96.0.10:81 (cluster-ips-check reject)', from: pod('client-a'), toHost: WEB.clusterIP, port: 81, protocol: 'TCP', count: 2 },
  { name: 'nft next to portmap iptables: external -> node-a:hostPort (DNAT, source preserved)', from: EXT, toHost: NODE_A.ip, port: HOSTPORT_TCP, protocol: 'TCP', count: 3 },
];

const pre = checkPreconditions();
const nft = findBinary('nft');

if (!pre.ok || !nft) {
  const reason = pre.reason ?? 'missing binary: `nft` (Debian package nftables) is not installed';
  console.warn(`!! KERNEL SUITE (nftables packet flows) DID NOT RUN: ${reason}`);
  describe('kernel: nftables packet flow preconditions', () => {
    it('reports why it did not run', () => {
      expect(reason).toMatch(/\S/);
    });
  });
} else {
  describe('kernel: kube-proxy nftables tables in real namespaces agree with trace()', () => {
    // kube-proxy's rules live in nft; the kernel's iptables-save holds only portmap's, so no second trace over it
    worldSuite(pre, () => buildScenarioCluster().dataplane({ kubeProxyMode: 'nftables' }), SCENARIOS, {
      overDump: false,
      expectTrace: (t) => expect(t.hops.some((h) => h.table === 'ip kube-proxy')).toBe(true),
    });
  });
}
