/**
 * Kernel suite: the tables `portolan nft` prints are what `nft list ruleset` prints on a node. The kernel scenario
 * cluster (kube-proxy in nftables mode; portmap with its iptables and its nftables backend) and a cluster with the
 * rarer rules (session affinity, reject, eTP=Local, UDP, hostIP hostPorts) are rendered per node, loaded into a
 * fresh network namespace with `nft -f`, and listed back. The listing must equal the rendering byte for byte, except
 * the order of elements inside `elements = { ... }`: the kernel returns a hash set's elements in hash order, which
 * changes from one load to the next, so both sides have their elements sorted before comparing.
 *
 * Needs root, iproute2 and nft (scripts/test.sh installs Debian's nftables); without them the suite says why.
 */
import { ClusterEngine, loadSnapshot, parseNftRuleset, printNftRuleset } from '@portolan/netsim';
import { checkPreconditions, RUN_PREFIX } from './support/netns';
import { buildScenarioCluster } from './support/scenario';
import { findBinary, must, run } from './support/sh';

const RARE = `apiVersion: portolan.dev/v1alpha1
kind: ClusterProfile
metadata: {name: rare-nft-rules}
spec:
  cniConflist: {cniVersion: 1.0.0, name: cbr0, plugins: [{type: bridge, bridge: cni0}, {type: portmap, snat: true, backend: nftables}]}
  kubeProxy: {mode: nftables, clusterCIDR: 10.244.0.0/16, nodePortAddresses: [192.168.7.0/24]}
---
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: {name: kubernetes}
spec: {cidrs: [10.96.0.0/16]}
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
  type: LoadBalancer
  clusterIP: 10.96.7.7
  externalTrafficPolicy: Local
  loadBalancerSourceRanges: [203.0.113.0/25, 192.168.7.0/24]
  selector: {app: edge}
  ports: [{port: 443, targetPort: 8443, nodePort: 30443}]
status: {loadBalancer: {ingress: [{ip: 198.51.100.7}]}}
---
apiVersion: v1
kind: Service
metadata: {name: local-dns, namespace: kube-system}
spec:
  type: NodePort
  clusterIP: 10.96.0.53
  externalTrafficPolicy: Local
  externalIPs: [192.168.7.99]
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 53, nodePort: 30053}]
`;

/** The listing with each set's elements in a fixed order (see above). */
function canonical(listing: string): string {
  const { tables, diagnostics } = parseNftRuleset(listing);
  expect(diagnostics).toEqual([]);
  for (const t of tables) for (const s of t.sets) s.elements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return printNftRuleset(tables);
}

const pre = checkPreconditions();
const nft = findBinary('nft');

if (!pre.ok || !nft) {
  const reason = pre.reason ?? 'missing binary: `nft` (Debian package nftables) is not installed';
  console.warn(`!! KERNEL SUITE (nft list ruleset parity) DID NOT RUN: ${reason}`);
  describe('kernel: nft list ruleset parity preconditions', () => {
    it('reports why it did not run', () => {
      expect(reason).toMatch(/\S/);
    });
  });
} else {
  const ip = pre.ip as string;
  const clusters: Array<[string, string]> = [
    ['scenario, kube-proxy nftables, portmap iptables', buildScenarioCluster().dataplane({ kubeProxyMode: 'nftables' }).yaml()],
    ['scenario, kube-proxy nftables, portmap nftables', buildScenarioCluster().dataplane({ kubeProxyMode: 'nftables', portmapBackend: 'nftables' }).yaml()],
    ['rare nftables rules', RARE],
  ];
  const cases = clusters.flatMap(([label, yaml]) => {
    const engine = new ClusterEngine(loadSnapshot([{ name: label, text: yaml }]).snapshot);
    return engine.snapshot.nodes.map((n) => [`${label} / ${n.name}`, engine, n.name] as const);
  });
  const ns = `${RUN_PREFIX}-n92`;

  describe('kernel: rendered nftables tables are what nft list ruleset prints', () => {
    beforeAll(() => {
      run(ip, ['netns', 'del', ns]);
      must(ip, ['netns', 'add', ns]);
      console.log(`nft list ruleset parity: ${must(nft, ['--version']).trim()}`);
    });
    afterAll(() => {
      run(ip, ['netns', 'del', ns]);
    });

    it.each(cases)('%s', (_label, engine, node) => {
      const rendered = engine.nftRuleset(node);
      expect(rendered).toMatch(/^table ip kube-proxy \{/);
      must(ip, ['netns', 'exec', ns, nft, 'flush', 'ruleset']);
      must(ip, ['netns', 'exec', ns, nft, '-f', '-'], { input: rendered });
      const listed = must(ip, ['netns', 'exec', ns, nft, 'list', 'ruleset']);
      expect(canonical(listed)).toBe(canonical(rendered));
      // where no set has two elements the kernel's order cannot differ: byte for byte as rendered
      if (!/elements = \{ [^}]*,/.test(rendered)) expect(listed).toBe(rendered);
    });

    it('the compared renderings cover affinity sets, firewall chains, reject and drop verdicts, numgen maps, cni_hostport', () => {
      const all = cases.map(([, e, n]) => e.nftRuleset(n)).join('\n');
      for (const form of ['flags dynamic,timeout', 'timeout 3h', 'chain firewall-', 'goto reject-chain', ': drop', 'numgen random mod 2 vmap', 'table ip cni_hostport', 'fib saddr type local goto service-', 'ip daddr 10.96.0.0/16 drop']) {
        expect({ form, found: all.includes(form) }).toEqual({ form, found: true });
      }
    });
  });
}
