/**
 * Kernel suite: the rules `portolan iptables` prints are the rules `iptables-save` prints on a node. Each node's
 * rendered tables (the seed fixtures, the packet suite's scenario cluster and a cluster with the rarer kube-proxy
 * rules: session affinity, REJECT, eTP=Local, UDP, hostIP hostPorts) are loaded into a fresh network namespace with
 * iptables-restore; the kernel's iptables-save must then print every chain declaration and rule line byte for byte
 * as rendered (its header comments and the packet counters of built-in chains are not compared), and the drift
 * question over that real dump must find nothing.
 *
 * Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN), iproute2, iptables-restore and iptables-save; without them the suite
 * says why and defines no comparison.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterEngine, loadSnapshot } from '@portolan/netsim';
import { checkPreconditions, RUN_PREFIX } from './support/netns';
import { buildScenarioCluster } from './support/scenario';
import { findBinary, must, run } from './support/sh';

const FIXTURES = path.resolve(__dirname, '../fixtures/clusters');

const RARE = `apiVersion: portolan.dev/v1alpha1
kind: ClusterProfile
metadata: {name: rare-rules}
spec:
  cniConflist: {cniVersion: 1.0.0, name: cbr0, plugins: [{type: bridge, bridge: cni0}, {type: portmap, snat: true}]}
  kubeProxy: {mode: iptables, clusterCIDR: 10.244.0.0/16}
---
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {kubernetes.io/hostname: n1}}
spec: {podCIDR: 10.244.1.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.7.11}], capacity: {cpu: "4", memory: 8Gi, pods: "110"}, allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-1, namespace: kube-system, labels: {k8s-app: kube-dns}, annotations: {portolan.dev/sandbox-id: 7d2c0e91aa}}
spec:
  nodeName: n1
  containers:
  - name: coredns
    image: coredns/coredns:1.11.1
    ports:
    - {name: dns, containerPort: 53, protocol: UDP}
    - {name: dns-tcp, containerPort: 53, protocol: TCP}
    - {containerPort: 9153, hostPort: 9153, hostIP: 192.168.7.11}
    - {containerPort: 5353, hostPort: 5353, protocol: UDP}
status: {phase: Running, podIP: 10.244.1.9, podIPs: [{ip: 10.244.1.9}], conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  clusterIP: 10.96.0.10
  selector: {k8s-app: kube-dns}
  sessionAffinity: ClientIP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: v1
kind: Service
metadata: {name: edge, namespace: default}
spec:
  type: NodePort
  clusterIP: 10.96.7.7
  externalTrafficPolicy: Local
  selector: {app: edge}
  ports: [{port: 443, targetPort: 8443, nodePort: 30443}]
---
apiVersion: v1
kind: Service
metadata: {name: local-dns, namespace: kube-system}
spec:
  type: NodePort
  clusterIP: 10.96.0.53
  externalTrafficPolicy: Local
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 53, nodePort: 30053}]
`;

/** (label, snapshot YAML) for every cluster whose nodes are compared */
function clusters(): Array<[string, string]> {
  const out: Array<[string, string]> = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [f, readFileSync(path.join(FIXTURES, f), 'utf8')]);
  out.push(['kernel scenario cluster', buildScenarioCluster().yaml()], ['rare kube-proxy rules', RARE]);
  return out;
}

/** What both sides are compared on: chain declarations (without counters) and rules, per table, in order. */
function ruleLines(save: string): string[] {
  return save
    .split('\n')
    .filter((l) => l.startsWith('*') || l.startsWith(':') || l.startsWith('-A '))
    .map((l) => (l.startsWith(':') ? l.replace(/\s*\[\d+:\d+\]$/, '') : l));
}

/** Tables in a fixed order: iptables-save lists tables in the kernel's order, which is not the renderer's concern. */
function byTable(lines: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let t = '';
  for (const l of lines) {
    if (l.startsWith('*')) out[(t = l.slice(1))] = [];
    else out[t]?.push(l);
  }
  return out;
}

const pre = checkPreconditions();
const iptablesSave = findBinary('iptables-save');

if (!pre.ok || !iptablesSave) {
  const reason = pre.reason ?? 'missing binary: `iptables-save` is not installed';
  console.warn(`!! KERNEL SUITE (iptables-save parity) DID NOT RUN: ${reason}`);
  describe('kernel: iptables-save parity preconditions', () => {
    it('reports why it did not run', () => {
      expect(reason).toMatch(/\S/);
    });
  });
} else {
  const ip = pre.ip as string;
  // the default iptables (nf_tables on this machine's Debian) and, when installed, the legacy backend: real nodes
  // run either, and both must print what Portolan renders
  const backends: Array<[string, string, string]> = [['default', pre.iptablesRestore as string, iptablesSave]];
  const legacyRestore = findBinary('iptables-legacy-restore');
  const legacySave = findBinary('iptables-legacy-save');
  if (legacyRestore && legacySave && legacySave !== iptablesSave) backends.push(['legacy', legacyRestore, legacySave]);
  const cases = clusters().flatMap(([label, yaml]) => {
    const engine = new ClusterEngine(loadSnapshot([{ name: label, text: yaml }]).snapshot);
    return engine.snapshot.nodes.map((n) => [`${label} / ${n.name}`, engine, n.name] as const);
  });

  describe.each(backends)('kernel: rendered rules are what iptables-save prints (%s backend)', (backend, restore, save) => {
    const ns = `${RUN_PREFIX}-n${backend === 'legacy' ? 91 : 90}`;
    beforeAll(() => {
      run(ip, ['netns', 'del', ns]);
      must(ip, ['netns', 'add', ns]);
      console.log(`iptables-save parity, ${backend} backend: ${must(save, ['--version']).trim()}`);
    });
    afterAll(() => {
      run(ip, ['netns', 'del', ns]);
    });

    it.each(cases)('%s', (_label, engine, node) => {
      const rendered = engine.iptablesSave(node);
      must(ip, ['netns', 'exec', ns, restore], { input: rendered });
      const dump = must(ip, ['netns', 'exec', ns, save]);
      const got = byTable(ruleLines(dump));
      const want = byTable(ruleLines(rendered));
      for (const table of Object.keys(want)) expect({ table, lines: got[table] }).toEqual({ table, lines: want[table] });
      expect(rendered).toMatch(/ -m comment --comment "[^"]+"/);
      // the node's real dump of exactly these rules has no drift
      const drift = engine.drift(node, dump);
      expect({ findings: drift.findings, missingTables: drift.missingTables, clean: drift.clean }).toEqual({ findings: [], missingTables: [], clean: true });
    });
  });

  describe('kernel: the compared renderings cover the forms iptables-save rewrites', () => {
    it('-m recent, REJECT, -m udp, ! -s, hex marks, --to-destination, --random-fully, /32, multiport', () => {
      const all = cases.map(([, e, n]) => e.iptablesSave(n)).join('\n');
      for (const form of [' -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-', ' -j REJECT --reject-with icmp-port-unreachable', ' -p udp -m ', ' ! -s 10.244.0.0/16 ', ' -j MARK --set-xmark 0x4000/0x4000', ' -m mark --mark 0x4000/0x4000', ' --to-destination 10.244.', ' -j MASQUERADE --random-fully', ' -s 127.0.0.1/32 -p tcp -m tcp --dport ', ' -m multiport --dports ']) {
        expect({ form, found: all.includes(form) }).toEqual({ form, found: true });
      }
    });
  });
}
