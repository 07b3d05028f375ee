/**
 * Kernel suite, kube-proxy in nftables mode: the scenario cluster of packet-flows.kernel-spec.ts with kube-proxy's
 * `ip kube-proxy` table loaded by `nft -f` (portmap keeps its iptables backend, as on most nodes), real packets
 * sent from real namespaces, and what each client saw compared with trace(). Covers NodePort (primary IP only, no
 * localhost NodePorts), ClusterIP, eTP=Local, hairpin, no-endpoint REJECT and a hostPort next to the nft table.
 */
import { trace, type Snapshot, type TraceRequest } from '@portolan/netsim';
import { runClient, type Proto } from './support/agents';
import { compare } from './support/compare';
import { checkPreconditions, KernelWorld, sweepStaleNamespaces } from './support/netns';
import { buildScenarioCluster, EMPTY, EXTERNAL_CLIENT_IP, HOSTPORT_TCP, LOCAL, NODE_A, NODE_B, SERVICE_CIDR_ROUTE, UNDERLAY, WEB } from './support/scenario';
import { findBinary } from './support/sh';

type From = TraceRequest['from'];
interface Scenario {
  name: string;
  from: From;
  toHost: string;
  port: number;
  protocol: Proto;
  count: number;
  at?: string;
}

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

const DROP_TIMEOUT_MS = 1500;
const DELIVER_TIMEOUT_MS = 4000;
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
    let snapshot: Snapshot;
    let world: KernelWorld;
    const summaries: string[] = [];

    beforeAll(async () => {
      sweepStaleNamespaces(pre.ip as string);
      KernelWorld.ensureBrNetfilter();
      snapshot = buildScenarioCluster().dataplane({ kubeProxyMode: 'nftables' }).load();
      world = new KernelWorld(
        { ip: pre.ip as string, iptablesRestore: pre.iptablesRestore as string, sh: pre.sh as string },
        { underlayGateway: UNDERLAY.gateway, underlayPrefix: UNDERLAY.prefix, clientIP: EXTERNAL_CLIENT_IP, clientGateway: UNDERLAY.clientGateway, clientPrefix: UNDERLAY.clientPrefix, fabricRoutes: [SERVICE_CIDR_ROUTE] },
      );
      try {
        world.build(snapshot);
        world.loadRules(snapshot);
        await world.startServers(snapshot);
      } catch (e) {
        await world.destroy();
        throw e;
      }
    }, 90000);

    afterAll(async () => {
      await world?.destroy();
      if (summaries.length) console.log(`kernel suite (nftables) summary\n${summaries.join('\n')}`);
    });

    function clientNamespace(from: From): string {
      if (from.kind === 'external') return world.clientNs;
      if (from.kind === 'node' || from.kind === 'localhost') return world.nodeNs(from.node);
      if (from.kind === 'pod') return world.podNs(`${from.namespace}/${from.name}`);
      throw new Error(`no client namespace for ${JSON.stringify(from)}`);
    }

    it.each(SCENARIOS)('$name', async (s) => {
      const req: TraceRequest = { toHost: s.toHost, port: s.port, protocol: s.protocol, from: s.from, ...(s.at ? { at: s.at } : {}) };
      const t = trace(snapshot, req);
      expect(t.hops.some((h) => h.table === 'ip kube-proxy')).toBe(true);
      const timeoutMs = t.destinations.some((d) => d.outcome === 'dropped') ? DROP_TIMEOUT_MS : DELIVER_TIMEOUT_MS;
      const [attempts] = await runClient(world.ipBin, clientNamespace(s.from), [{ host: s.toHost, port: s.port, proto: s.protocol, count: s.count, timeoutMs }]);
      const c = compare(t, attempts);
      summaries.push(`${c.problems.length ? 'DISAGREE' : 'agree   '} ${s.name}\n           ${c.summary}`);
      expect({ scenario: s.name, problems: c.problems }).toEqual({ scenario: s.name, problems: [] });
    });
  });
}
