/**
 * Kernel suite, second cluster: the same two nodes with portmap's `"snat": false` and kube-proxy's
 * `--iptables-localhost-nodeports=false`, so neither component sets route_localnet and portmap marks nothing for
 * masquerade. Loopback-addressed connections DNATed off the node's lo, and hostPort hairpins, must then be answered
 * as the kernel answers them (issue 11: the trace had them delivered).
 */
import { checkPreconditions } from './support/netns';
import { buildScenarioCluster, HOSTPORT_TCP, HOSTPORT_UDP, NODE_A, WEB } from './support/scenario';
import { worldSuite, type From, type Scenario } from './support/world-suite';

const pre = checkPreconditions();
const pod = (name: string): From => ({ kind: 'pod', namespace: 'default', name });
const localhostA: From = { kind: 'localhost', node: 'node-a' };

const SCENARIOS: Scenario[] = [
  { name: 'hostPort localhost without SNAT: node-a -> 127.0.0.1:hostPort (no route_localnet on cni0: dropped)', from: localhostA, toHost: '127.0.0.1', port: HOSTPORT_TCP, protocol: 'TCP', count: 2 },
  { name: 'hostPort localhost UDP without SNAT: node-a -> 127.0.0.1:hostPort', from: localhostA, toHost: '127.0.0.1', port: HOSTPORT_UDP, protocol: 'UDP', count: 2 },
  { name: 'hostPort hairpin without SNAT: the hostPort pod -> its own node-a:hostPort', from: pod('hp-web'), toHost: NODE_A.ip, port: HOSTPORT_TCP, protocol: 'TCP', count: 2 },
  { name: 'hostPort without SNAT: second pod on the node -> node-a:hostPort', from: pod('client-a'), toHost: NODE_A.ip, port: HOSTPORT_TCP, protocol: 'TCP', count: 2 },
  { name: 'hostPort without SNAT: node-a -> its own InternalIP:hostPort', from: { kind: 'node', node: 'node-a' }, toHost: NODE_A.ip, port: HOSTPORT_TCP, protocol: 'TCP', count: 2 },
  { name: 'localhost NodePorts off: node-a -> 127.0.0.1:30080 (not DNATed: no listener, refused)', from: localhostA, toHost: '127.0.0.1', port: WEB.nodePort, protocol: 'TCP', count: 2 },
  { name: 'localhost NodePorts off: node-a -> its InternalIP:30080 (still served)', from: { kind: 'node', node: 'node-a' }, toHost: NODE_A.ip, port: WEB.nodePort, protocol: 'TCP', count: 10 },
];

if (!pre.ok) {
  describe('kernel suite preconditions (route_localnet cluster)', () => {
    it('says why the kernel suite cannot run here', () => {
      expect(pre.reason).toMatch(/permission|missing binary|platform|kernel support/);
    });
  });
} else {
  describe('kernel: without portmap SNAT and localhost NodePorts, trace() agrees with the kernel', () => {
    const h = worldSuite(pre, (dumps) => buildScenarioCluster(dumps, { portmapSnat: false, localhostNodePorts: false }), SCENARIOS);

    it('leaves route_localnet off, as neither component sets it', () => {
      for (const n of h.world.nodes.values()) {
        expect([n.name, h.world.readSysctl(n.ns, 'net.ipv4.conf.all.route_localnet'), h.world.readSysctl(n.ns, 'net.ipv4.conf.cni0.route_localnet')]).toEqual([n.name, '0', '0']);
      }
    });
  });
}
