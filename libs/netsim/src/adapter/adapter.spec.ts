import { buildSnapshot, InputError, loadSnapshot, parseDocuments, podFromObject, workloadFromObject, podFromTemplate, defaultProfile, parseSs } from './index';
import { parseQuantity, resourceAmount } from '../util/quantity';

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('quantity', () => {
  it.each([
    ['500m', 'cpu', 500],
    ['2', 'cpu', 2000],
    ['0.1', 'cpu', 100],
    ['8Gi', 'memory', 8 * 2 ** 30],
    ['512Mi', 'memory', 512 * 2 ** 20],
    ['1e3', 'memory', 1000],
    ['128974848', 'memory', 128974848],
    ['129M', 'memory', 129e6],
    ['110', 'pods', 110],
  ])('%s (%s) = %d', (text, res, want) => {
    expect(resourceAmount(res, text)).toBe(want);
  });
  it('rejects garbage', () => {
    expect(parseQuantity('lots')).toBeNull();
    expect(parseQuantity('5Xi')).toBeNull();
    for (const bad of ['1toString', '1constructor', '1.5.5', '--1', '1KiB', ' 1', '1 ', '1 Ki', '']) expect(parseQuantity(bad)).toBeNull();
  });
});

describe('parseDocuments', () => {
  it('reads multi-document YAML with lines', () => {
    const objs = parseDocuments([{ name: 'a.yaml', text: 'kind: Namespace\nmetadata: {name: a}\n---\n\n---\nkind: Namespace\nmetadata:\n  name: b\n' }]);
    expect(objs.map((o) => [o.source.doc, o.source.line])).toEqual([
      [0, 1],
      [2, 6],
    ]);
  });
  it('flattens kubectl Lists, nested, from JSON', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Namespace', metadata: { name: 'x' } }, { kind: 'PodList', items: [{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }] }] }, null, 2);
    const objs = parseDocuments([{ name: 'all.json', text }]);
    expect(objs.map((o) => o.obj['kind'])).toEqual(['Namespace', 'Pod']);
    expect(objs[1].source.line).toBeGreaterThan(1);
  });
  it('flattens a kubectl -o yaml List with a nested List, keeping item lines', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: a}
- apiVersion: v1
  kind: ServiceList
  items:
  - apiVersion: v1
    kind: Service
    metadata: {name: s}
    spec: {ports: [{port: 80}]}
metadata: {resourceVersion: ""}
`;
    const objs = parseDocuments([{ name: 'get.yaml', text }]);
    expect(objs.map((o) => [o.obj['kind'], o.source.line])).toEqual([
      ['Namespace', 4],
      ['Service', 10],
    ]);
    expect(objs[1].lineOf(['spec', 'ports', 0, 'port'])).toBe(13);
  });
  it('finds field lines in pretty-printed JSON', () => {
    const text = JSON.stringify({ kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 'x' }] }] } }] }, null, 2);
    const e = errorOf(() => loadSnapshot([{ name: 'p.json', text }]));
    expect(e.diagnostics[0]).toMatchObject({ file: 'p.json', doc: 0, line: 15, field: 'spec.containers[0].ports[0].containerPort' });
  });
  it('resolves lines on demand for huge JSON dumps', () => {
    const items: unknown[] = [];
    for (let i = 0; i < 60000; i++) items.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}`, labels: { team: 'a'.repeat(200) } } });
    items.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 'x' }] }] } });
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 1);
    expect(text.length).toBeGreaterThan(16 * 1024 * 1024);
    const objs = parseDocuments([{ name: 'dump.json', text }]);
    expect(objs[0].source.line).toBeUndefined();
    const e = errorOf(() => buildSnapshot(objs));
    const lastLine = text.split('\n').length;
    expect(e.diagnostics[0].line).toBeGreaterThan(lastLine - 30);
  });
  it('reports malformed YAML with file, document and line', () => {
    const e = errorOf(() => parseDocuments([{ name: 'bad.yaml', text: 'kind: Pod\n---\nkind: Pod\nspec: [1,\n  a: b\n' }]));
    expect(e.diagnostics[0]).toMatchObject({ severity: 'error', file: 'bad.yaml', doc: 1 });
    expect(e.diagnostics[0].line).toBeGreaterThanOrEqual(4);
    expect(e.message).toMatch(/^bad\.yaml: document 2, line \d+: invalid YAML/);
  });
  it('rejects objects without kind and non-objects', () => {
    const e = errorOf(() => parseDocuments([{ name: 'x.yaml', text: 'metadata: {}\n---\n- 1\n' }]));
    expect(e.diagnostics.map((d) => d.field ?? d.message)).toEqual(['kind', expect.stringMatching(/expected a Kubernetes object/)]);
  });
});

const POD_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: demo
spec:
  containers:
  - name: app
    image: nginx
    ports:
    - containerPort: http
`;

describe('buildSnapshot', () => {
  it('names file, document, line and field for a wrong type', () => {
    const e = errorOf(() => loadSnapshot([{ name: 'pods.yaml', text: POD_YAML }]));
    expect(e.message).toBe('pods.yaml: document 2, line 16: spec.containers[0].ports[0].containerPort: expected an integer, got "http"');
  });
  it('never throws a TypeError on weird shapes', () => {
    const weird = [
      { kind: 'Pod', metadata: 'x', spec: { containers: 'nope' } },
      { kind: 'Node', metadata: { name: 5 }, status: { allocatable: { cpu: {} } } },
      { kind: 'Service', spec: { ports: [null, { port: '80' }] } },
      { kind: 'Deployment', spec: { template: 7 } },
    ];
    const e = errorOf(() => buildSnapshot(weird));
    expect(e.diagnostics.length).toBeGreaterThanOrEqual(5);
  });
  it('keeps unknown kinds with an info diagnostic', () => {
    const { snapshot, diagnostics } = loadSnapshot([{ name: 'x.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: d}\n' }]);
    expect(snapshot.unknown).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'd', name: 'c', source: { file: 'x.yaml', doc: 0, line: 1 } }]);
    expect(diagnostics[0].severity).toBe('info');
  });
  it('applies Pod defaulting: protocol, hostNetwork hostPort, dnsPolicy, requests from limits, scheduler, phase', () => {
    const pod = podFromObject({
      kind: 'Pod',
      metadata: { name: 'hn', annotations: { 'portolan.dev/sandbox-id': 'c0ffee' } },
      spec: {
        hostNetwork: true,
        initContainers: [{ name: 'i', ports: [{ containerPort: 7000 }] }],
        containers: [{ name: 'a', ports: [{ containerPort: 9100, name: 'metrics' }], resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { memory: '512Mi' } } }],
      },
    });
    expect(pod.containers[0].ports[0]).toEqual({ name: 'metrics', containerPort: 9100, hostPort: 9100, hostIP: '', protocol: 'TCP' });
    expect(pod.initContainers[0].ports[0].hostPort).toBe(7000);
    expect(pod.containers[0].requests).toEqual({ cpu: 500, memory: 512 * 2 ** 20 });
    expect(pod).toMatchObject({ namespace: 'default', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', phase: 'Pending', priority: 0, sandboxId: 'c0ffee' });
  });
  it('does not default hostPort in workload templates, but does in the created Pod', () => {
    const w = workloadFromObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] } } } });
    expect(w.replicas).toBe(1);
    expect(w.template.containers[0].ports[0].hostPort).toBe(0);
    expect(podFromTemplate(w, 'd-1').containers[0].ports[0].hostPort).toBe(80);
  });
  it('resolves ReplicaSet -> Deployment and hostNetwork pod IPs', () => {
    const text = `kind: Node
metadata: {name: n1}
status:
  addresses: [{type: InternalIP, address: 10.1.0.55}]
  allocatable: {pods: "110", cpu: "4", memory: 8Gi}
---
kind: Pod
metadata:
  name: nginx-6fdf99c8b-6wwft
  labels: {app: nginx, pod-template-hash: 6fdf99c8b}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: nginx-6fdf99c8b, controller: true, uid: u}]
spec:
  nodeName: n1
  hostNetwork: true
  containers: [{name: nginx, image: "nginx:alpine"}]
status: {phase: Running}
`;
    const { snapshot } = loadSnapshot([{ name: 's.yaml', text }]);
    const p = snapshot.pods[0];
    expect(p.owner).toEqual({ kind: 'ReplicaSet', namespace: 'default', name: 'nginx-6fdf99c8b' });
    expect(p.workload).toEqual({ kind: 'Deployment', namespace: 'default', name: 'nginx' });
    expect(p.podIPs).toEqual(['10.1.0.55']);
    expect(snapshot.nodes[0].allocatable).toEqual({ pods: 110, cpu: 4000, memory: 8 * 2 ** 30 });
  });
  it('converts Endpoints to slices and derives slices for selector services without any', () => {
    const text = `kind: Service
metadata: {name: a, namespace: n}
spec: {selector: {app: a}, ports: [{port: 80, targetPort: http}]}
---
kind: Service
metadata: {name: b, namespace: n}
spec: {ports: [{port: 80}]}
---
kind: Endpoints
metadata: {name: b, namespace: n}
subsets:
- addresses: [{ip: 10.0.0.1, nodeName: n1}]
  notReadyAddresses: [{ip: 10.0.0.2}]
  ports: [{port: 8080}]
---
kind: Pod
metadata: {name: a1, namespace: n, labels: {app: a}}
spec: {nodeName: n1, containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.1.5}
---
kind: Pod
metadata: {name: a2, namespace: n, labels: {app: a}}
spec: {nodeName: n1, containers: [{name: c}]}
status: {phase: Succeeded, podIP: 10.0.1.6}
`;
    const { snapshot } = loadSnapshot([{ name: 'e.yaml', text }]);
    const b = snapshot.endpointSlices.filter((s) => s.serviceName === 'b');
    expect(b).toHaveLength(1);
    expect(b[0].endpoints.map((e) => [e.addresses[0], e.ready])).toEqual([
      ['10.0.0.1', true],
      ['10.0.0.2', false],
    ]);
    const a = snapshot.endpointSlices.filter((s) => s.serviceName === 'a');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ derived: true, ports: [{ name: '', port: 8080, protocol: 'TCP' }] });
    expect(a[0].endpoints).toEqual([{ addresses: ['10.0.1.5'], ready: true, serving: true, terminating: false, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'n', name: 'a1' } }]);
  });
  it('reads ClusterProfile, KubeProxyConfiguration and NodeHostState', () => {
    const text = `apiVersion: portolan.dev/v1alpha1
kind: ClusterProfile
metadata: {name: lab}
spec:
  kubernetesVersion: "1.31"
  nodePortRange: 30000-30999
  cniConflist: '{"name":"k8s-pod-network","plugins":[{"type":"calico"},{"type":"portmap","snat":false,"markMasqBit":20}]}'
  iptablesHasNfacct: true
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: 10.244.0.0/16
iptables: {masqueradeBit: 15}
---
apiVersion: portolan.dev/v1alpha1
kind: NodeHostState
spec:
  nodeName: n1
  listeners: [{address: 0.0.0.0, port: 22, protocol: TCP, process: sshd, pid: 1}]
  ss: |
    Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
    tcp   LISTEN 0      511    0.0.0.0:80          0.0.0.0:*     users:(("nginx",pid=20126,fd=6))
    udp   UNCONN 0      0      127.0.0.53%lo:53    0.0.0.0:*     users:(("systemd-resolve",pid=7,fd=12))
    tcp   LISTEN 0      4096   [::]:9100           [::]:*
`;
    const { snapshot } = loadSnapshot([{ name: 'p.yaml', text }]);
    expect(snapshot.profile).toMatchObject({ name: 'lab', kubernetesVersion: '1.31', nodePortRange: { base: 30000, size: 1000 }, iptablesHasNfacct: true });
    expect(snapshot.profile.cni).toMatchObject({ networkName: 'k8s-pod-network', portmap: { snat: false, markMasqBit: 20 }, ipMasq: false });
    expect(snapshot.profile.cni.bridge).toBeUndefined();
    expect(snapshot.profile.kubeProxy).toMatchObject({ clusterCIDR: '10.244.0.0/16', detectLocalMode: 'ClusterCIDR', masqueradeBit: 15, localhostNodePorts: true });
    expect(snapshot.hostStates[0].listeners).toEqual([
      { address: '0.0.0.0', port: 22, protocol: 'TCP', process: 'sshd', pid: 1 },
      { address: '0.0.0.0', port: 80, protocol: 'TCP', process: 'nginx', pid: 20126 },
      { address: '127.0.0.53', device: 'lo', port: 53, protocol: 'UDP', process: 'systemd-resolve', pid: 7 },
      { address: '::', port: 9100, protocol: 'TCP' },
    ]);
  });
  it('has the documented default profile', () => {
    expect(defaultProfile()).toMatchObject({
      kubernetesVersion: '1.33',
      nodePortRange: { base: 30000, size: 2768 },
      kubeProxy: { mode: 'iptables', masqueradeBit: 14, localhostNodePorts: true, nodePortAddresses: [], clusterCIDR: '' },
      cni: { networkName: 'cbr0', bridge: 'cni0', portmap: { snat: true, markMasqBit: 13 } },
      containerRuntime: 'containerd',
      iptablesHasRandomFully: true,
    });
    expect(parseSs('tcp LISTEN 0 128 *:22 *:*').listeners[0]).toEqual({ address: '*', port: 22, protocol: 'TCP' });
  });
});
