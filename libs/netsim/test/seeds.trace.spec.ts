/**
 * The traffic scenarios of the seed articles (/work/shared/seeds), loaded the way a user would paste them:
 * the articles' YAML, the pods as `kubectl get po -o wide` showed them, and host facts (netstat) as NodeHostState.
 * Node objects are not in the articles; they carry the IPs the articles show.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshot, interpretConflist } from '../src/adapter';
import { cniDnatChainName, parseIptablesSave, renderNode, toIptablesSave } from '../src/iptables';
import { portClaims } from '../src/claims';
import { trace } from '../src/trace';
import type { Snapshot } from '../src/model/types';
import type { TraceResult } from '../src/model/results';
import { formatCIDR } from '../src/util/ip';
import type { Rule } from '../src/iptables/model';
import { SEED_003_HOSTNET_HOSTPORT, SEED_003_NODEPORT } from './seed-articles';

function node(name: string, ip: string, podCIDR: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
spec:
  podCIDR: ${podCIDR}
  podCIDRs: [${podCIDR}]
status:
  addresses:
  - {type: InternalIP, address: ${ip}}
  - {type: Hostname, address: ${name}}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
`;
}

function load(...docs: string[]): Snapshot {
  return loadSnapshot([{ name: 'seed.yaml', text: docs.join('\n---\n') }]).snapshot;
}

function dnatHops(r: TraceResult): string[] {
  return r.hops.filter((h) => h.verdict.startsWith('DNAT')).map((h) => `${h.chain} ${h.verdict}`);
}

describe('seed 000: hostNetwork nginx on node2, hostPort 80 -> 8080 on node1', () => {
  // article: the hostNetwork pod (IP = node2's 192.168.189.202) and `netstat -tunlp | grep 80` on node2
  const hostNetworkPod = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  hostNetwork: true
  containers:
    - name: nginx
      image: nginx:1.23.1
  nodeName: node2
status:
  phase: Running
  podIP: 192.168.189.202
`;
  const netstatNode2 = `apiVersion: portolan.dev/v1alpha1
kind: NodeHostState
metadata:
  name: node2
spec:
  nodeName: node2
  listeners:
  - {address: 0.0.0.0, port: 80, protocol: TCP, process: nginx, pid: 34261}
  - {address: "::", port: 80, protocol: TCP, process: nginx, pid: 34261}
`;
  // article: hostport.yaml, scheduled as nginx-hostport on node1 with IP 10.244.1.19
  const hostPortPod = `apiVersion: v1
kind: Pod
metadata:
  name: nginx-hostport
spec:
  nodeName: node1
  containers:
    - name: nginx
      image: nginx:1.23.1
      ports:
       - containerPort: 80
         hostPort: 8080
status:
  phase: Running
  podIP: 10.244.1.19
`;
  const snap = () => load(node('node1', '192.168.189.201', '10.244.1.0/24'), node('node2', '192.168.189.202', '10.244.2.0/24'), hostNetworkPod, netstatNode2, hostPortPod);

  it('curl 192.168.189.202 reaches nginx in the host network namespace, source preserved', () => {
    const r = trace(snap(), { toHost: 'node2', port: 80, protocol: 'TCP', from: { kind: 'external', ip: '192.168.189.200' } });
    expect(r.outcome).toBe('delivered-to-host-socket');
    expect(r.destinations).toEqual([expect.objectContaining({ kind: 'host-socket', node: 'node2', ip: '192.168.189.202', port: 80, masquerade: false, sourceSeen: '192.168.189.200', probability: 1 })]);
    expect(dnatHops(r)).toEqual([]);
  });

  it('curl 192.168.189.201:8080 from node2 is DNATed by portmap on node1 to 10.244.1.19:80 with no socket on 8080', () => {
    const s = snap();
    const r = trace(s, { toHost: 'node1', port: 8080, protocol: 'TCP', from: { kind: 'node', node: 'node2' } });
    expect(r.outcome).toBe('delivered');
    expect(r.destinations).toEqual([expect.objectContaining({ kind: 'pod', pod: 'default/nginx-hostport', ip: '10.244.1.19', port: 80, masquerade: false, sourceSeen: '192.168.189.202' })]);
    const dn = r.hops.find((h) => h.node === 'node1' && h.chain.startsWith('CNI-DN-') && h.verdict.startsWith('DNAT'));
    expect(dn?.rule).toBe('-p tcp --dport 8080 -j DNAT --to-destination 10.244.1.19:80');
    // the article's `iptables -t nat -L` shows three rules in the CNI-DN chain: hairpin (node1/24), localhost, DNAT
    const chain = renderNode(s, 'node1').tables['nat'].chains[dn?.chain as string];
    expect(chain.rules.map((x) => x.text)).toEqual([
      '-p tcp --dport 8080 -s 10.244.1.19/24 -j CNI-HOSTPORT-SETMARK',
      '-p tcp --dport 8080 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK',
      '-p tcp --dport 8080 -j DNAT --to-destination 10.244.1.19:80',
    ]);
    // no sandbox id in the article: the chain name is derived from a synthetic id, and the trace says so
    expect(r.notes.join('\n')).toMatch(/synthetic container id/);
    expect(portClaims(s, 'node1', 8080)).toEqual([expect.objectContaining({ kind: 'hostPort', owner: 'default/nginx-hostport', effective: true })]);
  });
});

describe('seed 001: portmap DNAT, hairpin and localhost masquerade (hostPort 8080 -> pod 172.16.15.15:8081)', () => {
  const pod = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, annotations: {portolan.dev/sandbox-id: abc123}}
spec:
  nodeName: n1
  containers:
  - name: web
    image: web
    ports: [{containerPort: 8081, hostPort: 8080}]
status: {phase: Running, podIP: 172.16.15.15}
`;
  const other = `apiVersion: v1
kind: Pod
metadata: {name: other, namespace: default}
spec: {nodeName: n1, containers: [{name: c, image: c}]}
status: {phase: Running, podIP: 172.16.15.20}
`;
  const snap = () => load(node('n1', '192.168.10.5', '172.16.15.0/24'), pod, other);

  it('traffic to the node port is forwarded to the pod IP and port, source kept', () => {
    const r = trace(snap(), { toHost: 'n1', port: 8080, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.destinations).toEqual([expect.objectContaining({ ip: '172.16.15.15', port: 8081, outcome: 'delivered', masquerade: false, sourceSeen: '203.0.113.2' })]);
  });

  it('hairpin: the pod reaching its own hostPort is masqueraded (else replies would bypass the host)', () => {
    const r = trace(snap(), { toHost: 'n1', port: 8080, protocol: 'TCP', from: { kind: 'pod', namespace: 'default', name: 'web' } });
    expect(r.destinations).toEqual([expect.objectContaining({ ip: '172.16.15.15', port: 8081, masquerade: true, sourceSeen: '172.16.15.1', marks: ['0x2000'] })]);
  });

  it('localhost -> hostPort is masqueraded to the bridge address (else the reply would go to the pod\'s own loopback)', () => {
    const r = trace(snap(), { toHost: '127.0.0.1', port: 8080, protocol: 'TCP', from: { kind: 'localhost', node: 'n1' } });
    expect(r.destinations).toEqual([expect.objectContaining({ ip: '172.16.15.15', port: 8081, masquerade: true, sourceSeen: '172.16.15.1' })]);
    expect(r.hops.some((h) => h.hook === 'OUTPUT' && h.rule === '-m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT')).toBe(true);
    expect(r.hops.some((h) => h.rule === '-p tcp --dport 8080 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK' && h.verdict.startsWith('jump'))).toBe(true);
  });

  it('another pod of the same subnet is masqueraded too: iptables masks -s 172.16.15.15/24 to the whole subnet', () => {
    const r = trace(snap(), { toHost: 'n1', port: 8080, protocol: 'TCP', from: { kind: 'pod', namespace: 'default', name: 'other' } });
    expect(r.destinations[0]).toMatchObject({ masquerade: true, sourceSeen: '172.16.15.1' });
  });
});

describe('seed 003: NodePort 30001 without endpoints, hostPort 81 -> 80, hostNetwork + hostPort', () => {
  const master = node('k8s-master01', '192.168.0.10', '10.244.0.0/24');
  // the article's manifests, plus the ClusterIP and the running pod that kubectl showed
  const nodePortDoc = `${SEED_003_NODEPORT}  clusterIP: 10.110.21.50
---
apiVersion: v1
kind: Pod
metadata:
  name: nginx-deployment-c9fd6b54f-bdr8l
  labels: {app: nginx, pod-template-hash: c9fd6b54f}
spec:
  nodeName: k8s-master01
  containers: [{name: nginx, image: "nginx:stable"}]
status: {phase: Running, podIP: 10.244.0.58}
`;
  it('the NodePort has no endpoints (selector name=nginx vs label app=nginx): REJECT in filter KUBE-EXTERNAL-SERVICES', () => {
    const s = load(master, nodePortDoc);
    const r = trace(s, { toHost: 'k8s-master01', port: 30001, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.outcome).toBe('rejected');
    expect(r.destinations[0].by).toBe('filter KUBE-EXTERNAL-SERVICES');
    expect(r.hops.find((h) => h.verdict === 'REJECT')?.rule).toBe('-m comment --comment "default/nginx-svc has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30001 -j REJECT');
    const toClusterIP = trace(s, { toHost: '10.110.21.50', port: 80, protocol: 'TCP', from: { kind: 'pod', namespace: 'default', name: 'nginx-deployment-c9fd6b54f-bdr8l' } });
    expect(toClusterIP.outcome).toBe('rejected');
    expect(toClusterIP.destinations[0].by).toBe('filter KUBE-SERVICES');
  });

  const hostPortDoc = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 1
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
        - name: nginx
          image: nginx:stable
          command: ["nginx", "-g", "daemon off;"]
          ports:
            - containerPort: 80
              hostPort: 81
---
apiVersion: v1
kind: Pod
metadata:
  name: nginx-deployment-ff549cb9d-5t4bp
  labels: {app: nginx, pod-template-hash: ff549cb9d}
spec:
  nodeName: k8s-master01
  containers:
    - name: nginx
      image: nginx:stable
      ports:
        - containerPort: 80
          hostPort: 81
status: {phase: Running, podIP: 10.244.0.40}
`;
  it('node:81 goes CNI-HOSTPORT-DNAT -> CNI-DN-... -> DNAT to the pod\'s :80 (the article\'s "tcp dpt:81 to:10.244.0.40:80")', () => {
    const r = trace(load(master, hostPortDoc), { toHost: 'k8s-master01', port: 81, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.outcome).toBe('delivered');
    const chains = r.hops.filter((h) => h.verdict.startsWith('jump')).map((h) => h.verdict.split(' ')[1]);
    expect(chains).toEqual(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'CNI-HOSTPORT-DNAT', expect.stringMatching(/^CNI-DN-[0-9a-f]{21}$/), 'KUBE-PROXY-FIREWALL', 'KUBE-FORWARD', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'CNI-HOSTPORT-MASQ', 'KUBE-POSTROUTING']);
    expect(dnatHops(r)).toEqual([expect.stringMatching(/^CNI-DN-\S+ DNAT -> 10\.244\.0\.40:80$/)]);
    expect(r.destinations[0]).toMatchObject({ pod: 'default/nginx-deployment-ff549cb9d-5t4bp', ip: '10.244.0.40', port: 80 });
  });

  const hostNetworkDoc = `${SEED_003_HOSTNET_HOSTPORT}${[['srwzh', 'k8s-master'], ['bxtjz', 'k8s-worker2'], ['p6bm2', 'k8s-worker1']].map(([id, n]) => `---
apiVersion: v1
kind: Pod
metadata: {name: server-deployment-648dc69468-${id}, labels: {app: server, pod-template-hash: 648dc69468}}
spec:
  nodeName: ${n}
  hostNetwork: true
  containers: [{name: server, image: "techoc/server:alpine", ports: [{containerPort: 9697, hostPort: 9697}]}]
status: {phase: Running}`).join('\n')}
`;
  it('hostNetwork + hostPort: no iptables rule mentions 9697, the process socket receives the traffic', () => {
    const s = load(node('k8s-master', '192.168.157.129', '10.244.0.0/24'), node('k8s-worker1', '192.168.157.132', '10.244.1.0/24'), node('k8s-worker2', '192.168.157.133', '10.244.2.0/24'), hostNetworkDoc);
    for (const n of ['k8s-master', 'k8s-worker1', 'k8s-worker2']) expect(toIptablesSave(renderNode(s, n))).not.toContain('9697');
    const r = trace(s, { toHost: 'k8s-worker1', port: 9697, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.destinations).toEqual([expect.objectContaining({ kind: 'hostNetwork-pod', pod: 'default/server-deployment-648dc69468-p6bm2', ip: '192.168.157.132', outcome: 'delivered-to-host-socket', masquerade: false })]);
  });
});

describe('seed 004: DaemonSet hostPort 10000 -> 8000 on a kind node (kindnet = ptp + portmap)', () => {
  const kindnet = { cniVersion: '0.3.1', name: 'kindnet', plugins: [{ type: 'ptp', ipMasq: false, ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.244.1.0/24' }]] }, mtu: 1500 }, { type: 'portmap', capabilities: { portMappings: true } }] };
  const daemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    app: tools-test
  name: tools-test
spec:
  selector:
    matchLabels:
      app: tools-test
  template:
    metadata:
      labels:
        app: tools-test
    spec:
      containers:
      - command:
        - python
        - -m
        - http.server
        ports:
        - containerPort: 8000
          # When you bind a Pod to a hostPort, it limits the number of places the Pod can be scheduled, because each <hostIP, hostPort, protocol> combination must be unique
          hostPort: 10000
          name: http
          protocol: TCP
        image: python:3.9.5
        imagePullPolicy: IfNotPresent
        name: tools-jupyter
        resources: {}
`;
  const pod = `apiVersion: v1
kind: Pod
metadata:
  name: tools-test-7xk2p
  labels: {app: tools-test}
  annotations: {portolan.dev/sandbox-id: 07dbe45d8e31690c76141e5e16132b086f6a2d5b63216584009b990a7c08552c}
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: tools-test, controller: true, uid: u1}]
spec:
  nodeName: kubeflow-worker
  containers:
  - name: tools-jupyter
    image: python:3.9.5
    ports: [{containerPort: 8000, hostPort: 10000, name: http, protocol: TCP}]
status: {phase: Running, podIP: 10.244.1.155}
`;
  // the article's `iptables -S -t nat` output, verbatim
  const articleRules = String.raw`-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-DNAT -p 6 -m comment --comment "dnat name: \"kindnet\" id: \"07dbe45d8e31690c76141e5e16132b086f6a2d5b63216584009b990a7c08552c\"" -m multiport --dports 10000 -j CNI-DN-2a6b9967ebd3cd7a5eeb3
-A CNI-DN-2a6b9967ebd3cd7a5eeb3 -s 10.244.1.155/32 -p 6 -m tcp --dport 10000 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-2a6b9967ebd3cd7a5eeb3 -s 127.0.0.1/32 -p 6 -m tcp --dport 10000 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-2a6b9967ebd3cd7a5eeb3 -p 6 -m tcp --dport 10000 -j DNAT --to-destination 10.244.1.155:8000`;

  const snap = (dump?: string) => {
    const docs = [node('kubeflow-worker', '172.18.0.3', '10.244.1.0/24'), node('kubeflow-worker2', '172.18.0.4', '10.244.2.0/24'), daemonSet, pod];
    if (dump) docs.push(`apiVersion: portolan.dev/v1alpha1\nkind: NodeHostState\nmetadata: {name: kubeflow-worker}\nspec:\n  nodeName: kubeflow-worker\n  iptablesSave: |\n${dump.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
    const s = loadSnapshot([{ name: 'seed004.yaml', text: docs.join('\n---\n') }], { profile: { cni: interpretConflist(kindnet) } }).snapshot;
    return s;
  };

  /** iptables-save normal form of a rule: what the kernel stores, independent of argument order and spelling. */
  function canonical(chain: string, r: Rule): string {
    const ports = r.matches.flatMap((m) => (m.kind === 'port' && m.dport ? [`dport=${m.dport.range.from}`] : m.kind === 'multiport' && m.dports ? [`dports=${m.dports.ranges.map((x) => x.from).join(',')}`] : []));
    const cidr = (a: Rule['source']) => (a?.cidr ? `${a.negated ? '!' : ''}${formatCIDR(a.cidr)}` : '');
    const mark = r.matches.flatMap((m) => (m.kind === 'mark' ? [`mark=${m.value}/${m.mask}`] : m.kind === 'addrtype' && m.dstType ? [`dst-type=${m.dstType.types}`] : []));
    return [chain, r.protocol?.value ?? '', `s=${cidr(r.source)}`, `d=${cidr(r.destination)}`, ...ports, ...mark, `c=${r.comment ?? ''}`, `j=${r.target?.name}`, ...(r.target?.args ?? [])].join(' ');
  }

  it('renders exactly the article\'s CNI rules (modulo iptables-save spelling) for the DaemonSet pod', () => {
    const s = snap();
    const rendered = renderNode(s, 'kubeflow-worker');
    const article = parseIptablesSave(articleRules).ruleset.tables['nat'];
    const mine = rendered.tables['nat'];
    const cniChains = (t: typeof mine) => t.chainOrder.filter((c) => c.startsWith('CNI-') || ['PREROUTING', 'OUTPUT', 'POSTROUTING'].includes(c));
    const norm = (t: typeof mine) => cniChains(t).flatMap((c) => t.chains[c].rules.filter((r) => !r.target?.name.startsWith('KUBE-')).map((r) => canonical(c, r))).sort();
    expect(norm(mine)).toEqual(norm(article));
    expect(cniDnatChainName('kindnet', '07dbe45d8e31690c76141e5e16132b086f6a2d5b63216584009b990a7c08552c')).toBe('CNI-DN-2a6b9967ebd3cd7a5eeb3');
    expect(toIptablesSave(rendered)).not.toContain('kubeflow-worker2');
    expect(renderNode(s, 'kubeflow-worker2').tables['nat'].chains['CNI-HOSTPORT-DNAT']).toBeUndefined();
  });

  it('node:10000 is DNATed to 10.244.1.155:8000; netstat shows no listener because none exists', () => {
    const s = snap();
    const r = trace(s, { toHost: 'kubeflow-worker', port: 10000, protocol: 'TCP', from: { kind: 'external' } });
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'default/tools-test-7xk2p', ip: '10.244.1.155', port: 8000, outcome: 'delivered', masquerade: false })]);
    expect(dnatHops(r)).toEqual(['CNI-DN-2a6b9967ebd3cd7a5eeb3 DNAT -> 10.244.1.155:8000']);
    expect(portClaims(s, 'kubeflow-worker', 10000).map((c) => [c.kind, c.effective, c.note])).toEqual([['hostPort', true, 'portmap DNAT to 10.244.1.155:8000; no socket is opened on the node']]);
  });

  it('walks a real iptables-save dump of that node (fromDump): hostPort, NodePort split, NodePort REJECT', () => {
    const dump = fs.readFileSync(path.join(__dirname, 'dumps/kind-worker.iptables-save'), 'utf8');
    const s = snap(dump);
    const hp = trace(s, { toHost: 'kubeflow-worker', port: 10000, protocol: 'TCP', from: { kind: 'external' } });
    expect(hp.fromDump).toBe(true);
    expect(hp.destinations).toEqual([expect.objectContaining({ ip: '10.244.1.155', port: 8000, outcome: 'delivered', masquerade: false })]);
    expect(hp.hops.some((h) => h.chain === 'KIND-MASQ-AGENT' && h.verdict.startsWith('RETURN'))).toBe(true);

    const np = trace(s, { toHost: 'kubeflow-worker', port: 30080, protocol: 'TCP', from: { kind: 'external' } });
    expect(np.destinations.map((d) => [d.ip, d.port, d.probability, d.masquerade])).toEqual([
      ['10.244.1.20', 8080, 0.5, true],
      ['10.244.2.30', 8080, 0.5, true],
    ]);
    expect(np.destinations[0].marks).toEqual(['0x4000']);
    expect(np.destinations[1].sourceSeen).toBe('172.18.0.3');

    const rej = trace(s, { toHost: 'kubeflow-worker', port: 30001, protocol: 'TCP', from: { kind: 'external' } });
    expect(rej.outcome).toBe('rejected');
    expect(rej.hops.find((h) => h.verdict.startsWith('REJECT'))?.verdict).toBe('REJECT (icmp-port-unreachable)');

    const rendered = trace(s, { toHost: 'kubeflow-worker', port: 30080, protocol: 'TCP', from: { kind: 'external' }, useDump: false });
    expect(rendered.fromDump).toBe(false);
    expect(rendered.outcome).toBe('refused');
  });
});
