/**
 * Kernel suite, dual-stack: ip6tables rules rendered for the IPv6 proxier and portmap's IPv6 mappings loaded with
 * ip6tables-restore next to the IPv4 rules, real IPv6 (and a few IPv4) connections from real namespaces, each
 * compared with trace() over the rendered rules and over the kernel's own ip6tables-save.
 */
import { checkPreconditions } from './support/netns';
import { buildDualStackCluster, DUAL, EXTERNAL_CLIENT_IP6, NODE_A6, NODE_B6, UNDERLAY6 } from './support/scenario-dualstack';
import { EXTERNAL_CLIENT_IP, NODE_A } from './support/scenario';
import { findBinary } from './support/sh';
import { worldSuite, type From, type Scenario } from './support/world-suite';

const EXT6: From = { kind: 'external', ip: EXTERNAL_CLIENT_IP6 };
const EXT4: From = { kind: 'external', ip: EXTERNAL_CLIENT_IP };
const pod = (name: string): From => ({ kind: 'pod', namespace: 'default', name });
const at = (ip: string) => `[${ip}]`;

const SCENARIOS: Scenario[] = [
  { name: 'v6 hostPort (no hostIP): external -> [node-a]:8081 (DNAT to the pod, source preserved)', from: EXT6, toHost: at(NODE_A6), port: DUAL.hostPort, protocol: 'TCP', count: 3 },
  { name: 'v6 hostPort UDP: external -> [node-a]:9053', from: EXT6, toHost: at(NODE_A6), port: DUAL.hostPortUDP, protocol: 'UDP', count: 3 },
  { name: 'v6 hostPort with hostIP 0.0.0.0: external -> [node-a]:8083 (IPv4 only: refused)', from: EXT6, toHost: at(NODE_A6), port: DUAL.hostPortV4, protocol: 'TCP', count: 2 },
  { name: 'v4 hostPort with hostIP 0.0.0.0: external -> node-a:8083 (served)', from: EXT4, toHost: NODE_A.ip, port: DUAL.hostPortV4, protocol: 'TCP', count: 2 },
  { name: 'v6 hostPort with hostIP ::: external -> [node-a]:8084 (served)', from: EXT6, toHost: at(NODE_A6), port: DUAL.hostPortV6, protocol: 'TCP', count: 2 },
  { name: 'v4 hostPort with hostIP ::: external -> node-a:8084 (IPv6 only: refused)', from: EXT4, toHost: NODE_A.ip, port: DUAL.hostPortV6, protocol: 'TCP', count: 2 },
  { name: 'v6 hostPort hairpin: hp-web -> [node-a]:8081 (itself, masqueraded)', from: pod('hp-web'), toHost: at(NODE_A6), port: DUAL.hostPort, protocol: 'TCP', count: 3 },
  { name: 'v6 NodePort eTP=Cluster: external -> [node-a]:30080 (both endpoints, masqueraded)', from: EXT6, toHost: at(NODE_A6), port: DUAL.web.nodePort, protocol: 'TCP', count: 20 },
  { name: 'v6 NodePort UDP: external -> [node-b]:30053', from: EXT6, toHost: at(NODE_B6), port: DUAL.web.udpNodePort, protocol: 'UDP', count: 20 },
  { name: 'v6 NodePort of an IPv4-only Service: external -> [node-a]:30083 (no ip6tables rule: refused)', from: EXT6, toHost: at(NODE_A6), port: DUAL.web4.nodePort, protocol: 'TCP', count: 2 },
  { name: 'v4 NodePort of the IPv4-only Service: external -> node-a:30083 (served)', from: EXT4, toHost: NODE_A.ip, port: DUAL.web4.nodePort, protocol: 'TCP', count: 10 },
  { name: 'v6 NodePort eTP=Local: external -> [node-a]:30081 (local endpoint, source preserved)', from: EXT6, toHost: at(NODE_A6), port: DUAL.local.nodePort, protocol: 'TCP', count: 3 },
  { name: 'v6 NodePort eTP=Local: external -> [node-b]:30081 (no local endpoint: dropped)', from: EXT6, toHost: at(NODE_B6), port: DUAL.local.nodePort, protocol: 'TCP', count: 2 },
  { name: 'v6 localhost NodePort: node-a -> [::1]:30080 (not supported on IPv6: refused)', from: { kind: 'localhost', node: 'node-a' }, toHost: '[::1]', port: DUAL.web.nodePort, protocol: 'TCP', count: 2 },
  { name: 'v6 ClusterIP: client-a -> [fd00:10:96::10]:80 (both endpoints, no masquerade)', from: pod('client-a'), toHost: at(DUAL.web.clusterIP6), port: DUAL.web.port, protocol: 'TCP', count: 20 },
  { name: 'v6 ClusterIP: node-b process -> [fd00:10:96::10]:80 (masqueraded to the node)', from: { kind: 'node', node: 'node-b' }, toHost: at(DUAL.web.clusterIP6), port: DUAL.web.port, protocol: 'TCP', count: 20 },
  { name: 'v6 hostPort on localhost: node-a -> [::1]:8081 (DNATed, but ::1 never leaves lo: dropped)', from: { kind: 'localhost', node: 'node-a' }, toHost: '[::1]', port: DUAL.hostPort, protocol: 'TCP', count: 2 },
  { name: 'v6 node process -> a pod on its own node, direct (source: the cni0 address, longest prefix match)', from: { kind: 'node', node: 'node-a' }, toHost: at('fd00:10:244:1::30'), port: 8080, protocol: 'TCP', count: 2 },
  { name: 'v6 pod to pod across nodes: client-b -> [web-a]:8080 (routed, no NAT)', from: pod('client-b'), toHost: at('fd00:10:244:1::30'), port: 8080, protocol: 'TCP', count: 2 },
];

/** the same cluster with kube-proxy in nftables mode: its `ip6 kube-proxy` table, portmap's IPv6 rules in ip6tables */
const NFT_SCENARIOS: Scenario[] = [
  { name: 'nft v6 NodePort: external -> [node-a]:30080 (primary IPv6 address, both endpoints, masqueraded)', from: EXT6, toHost: at(NODE_A6), port: DUAL.web.nodePort, protocol: 'TCP', count: 20 },
  { name: 'nft v6 NodePort eTP=Local: external -> [node-b]:30081 (no local endpoint: dropped)', from: EXT6, toHost: at(NODE_B6), port: DUAL.local.nodePort, protocol: 'TCP', count: 2 },
  { name: 'nft v6 ClusterIP: client-a -> [fd00:10:96::10]:80', from: pod('client-a'), toHost: at(DUAL.web.clusterIP6), port: DUAL.web.port, protocol: 'TCP', count: 20 },
  { name: 'nft v6 ClusterIP undefined port: client-a -> [fd00:10:96::10]:81 (rejected)', from: pod('client-a'), toHost: at(DUAL.web.clusterIP6), port: 81, protocol: 'TCP', count: 2 },
  { name: 'nft v6 IPv4-only Service: external -> [node-a]:30083 (refused)', from: EXT6, toHost: at(NODE_A6), port: DUAL.web4.nodePort, protocol: 'TCP', count: 2 },
  { name: 'nft v6 hostPort next to the ip6 kube-proxy table: external -> [node-a]:8081', from: EXT6, toHost: at(NODE_A6), port: DUAL.hostPort, protocol: 'TCP', count: 3 },
];

const pre = checkPreconditions();
const ip6 = findBinary('ip6tables-restore');
const nft = findBinary('nft');

if (!pre.ok || !ip6) {
  const reason = pre.reason ?? 'missing binary: `ip6tables-restore` (Debian package iptables) is not installed';
  console.warn(`!! KERNEL SUITE (IPv6 packet flows) DID NOT RUN: ${reason}`);
  describe('kernel: IPv6 packet flow preconditions', () => {
    it('reports why it did not run', () => {
      expect(reason).toMatch(/\S/);
    });
  });
} else {
  describe('kernel: dual-stack ip6tables rules in real namespaces agree with trace()', () => {
    worldSuite(pre, (dumps) => buildDualStackCluster(dumps), SCENARIOS, {
      ipv6: UNDERLAY6,
      expectTrace: (t) => expect(t.family).toBe(t.destinations[0]?.ip.includes(':') || t.sourceSeen.includes(':') ? 'IPv6' : 'IPv4'),
    });
  });
  if (nft) {
    describe('kernel: kube-proxy nftables dual-stack (ip6 kube-proxy) in real namespaces agrees with trace()', () => {
      worldSuite(pre, () => buildDualStackCluster().dataplane({ kubeProxyMode: 'nftables' }), NFT_SCENARIOS, {
        ipv6: UNDERLAY6,
        overDump: false,
        expectTrace: (t) => expect(t.hops.some((h) => h.table === 'ip6 kube-proxy')).toBe(true),
      });
    });
  }
}
