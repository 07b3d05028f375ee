/**
 * Seeds 002 and 003 (shared/seeds), rebuilt from the manifests the articles show, through the same adapter a
 * user's upload goes through.
 */
import { loadSnapshot, podFromTemplate, workloadFromObject } from '../src/adapter';
import { buildSchedulingState, placeWorkload, schedulePod } from '../src/scheduling';
import { checkManifests, validateObject } from '../src/checks';
import { parseDocuments } from '../src/adapter';
import { SEED_002_DEPLOYMENT, SEED_003_HOSTNET_HOSTPORT, SEED_003_NODEPORT } from './seed-articles';

function node(name: string, ip: string, labels: Record<string, string> = {}): string {
  const extra = Object.entries(labels)
    .map(([k, v]) => `\n    ${k}: "${v}"`)
    .join('');
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels:
    kubernetes.io/hostname: ${name}${extra}
status:
  addresses:
  - {type: InternalIP, address: ${ip}}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions:
  - {type: Ready, status: "True"}
`;
}

describe('seed 002: 2 hostNetwork nginx replicas on 1 node', () => {
  // The template declares NO containerPort, so API defaulting has nothing to turn into a hostPort: the
  // scheduler sees no port claim (NodePorts PreFilter Skip) and binds both replicas to the only node. nginx
  // binds 0.0.0.0:80 in the host netns; the second one fails with EADDRINUSE and crash-loops, which is
  // exactly the article's `kubectl get pod` (1/1 Running, 0/1 CrashLoopBackOff) and log.
  const { snapshot } = loadSnapshot([{ name: 'cluster.yaml', text: node('10.1.0.55', '10.1.0.55') }]);
  const state = buildSchedulingState(snapshot);
  const deployment = workloadFromObject(parseDocuments([{ name: 'nginx.yaml', text: SEED_002_DEPLOYMENT }])[0]);

  it('places one running replica and one crashing with the bind error', () => {
    const r = placeWorkload(state, deployment);
    expect(r.replicas).toBe(2);
    expect(r.pending).toEqual([]);
    expect(r.placed).toEqual([{ pod: 'default/nginx-0', node: '10.1.0.55' }]);
    expect(r.crashing).toEqual([{ pod: 'default/nginx-1', node: '10.1.0.55', reason: 'bind() to 0.0.0.0:80 failed (98: Address in use)', certainty: 'assumed' }]);
  });

  it('answers the same for the live state the article shows (one replica already Running)', () => {
    const live = loadSnapshot([
      { name: 'cluster.yaml', text: node('10.1.0.55', '10.1.0.55') },
      {
        name: 'pods.yaml',
        text: `apiVersion: v1
kind: Pod
metadata:
  name: nginx-6fdf99c8b-6wwft
  labels: {app: nginx, pod-template-hash: 6fdf99c8b}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: nginx-6fdf99c8b, controller: true, uid: x}]
spec:
  nodeName: 10.1.0.55
  hostNetwork: true
  containers: [{name: nginx, image: "nginx:alpine"}]
status: {phase: Running}
`,
      },
    ]).snapshot;
    expect(live.pods[0].podIPs).toEqual(['10.1.0.55']); // pod IP = node IP, as in the article
    const second = podFromTemplate(deployment, 'nginx-6fdf99c8b-rglm7');
    const r = schedulePod(buildSchedulingState(live), second);
    expect(r.feasibleNodes).toEqual(['10.1.0.55']);
    expect(r.nodes[0].runtime).toEqual([
      expect.objectContaining({ kind: 'bind-conflict', message: 'bind() to 0.0.0.0:80 failed (98: Address in use)', consequence: 'CrashLoopBackOff', holder: { kind: 'pod', name: 'default/nginx-6fdf99c8b-6wwft' } }),
    ]);
  });

  it('would keep the second replica Pending instead if the template declared containerPort 80', () => {
    // with a declared port, the created Pods (not the template) get hostPort 80 by SetDefaults_Pod
    const declared = workloadFromObject(parseDocuments([{ name: 'nginx.yaml', text: SEED_002_DEPLOYMENT.replace('        name: nginx\n', '        name: nginx\n        ports:\n        - containerPort: 80\n') }])[0]);
    expect(declared.template.containers[0].ports[0].hostPort).toBe(0);
    const r = placeWorkload(state, declared);
    expect(r.placed).toHaveLength(1);
    expect(r.crashing).toEqual([]);
    expect(r.pending).toEqual([
      { pod: 'default/nginx-1', message: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod." },
    ]);
  });

  it('re-checking the Deployment against the live snapshot does not count its own running pod twice', () => {
    const live = loadSnapshot([
      { name: 'cluster.yaml', text: node('10.1.0.55', '10.1.0.55') },
      {
        name: 'pods.yaml',
        text: `kind: Pod
apiVersion: v1
metadata:
  name: nginx-6fdf99c8b-6wwft
  labels: {app: nginx, pod-template-hash: 6fdf99c8b}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: nginx-6fdf99c8b, controller: true, uid: x}]
spec: {nodeName: 10.1.0.55, hostNetwork: true, containers: [{name: nginx, image: "nginx:alpine"}]}
status: {phase: Running}
`,
      },
    ]).snapshot;
    const one = SEED_002_DEPLOYMENT.replace('replicas: 2', 'replicas: 1');
    expect(checkManifests(parseDocuments([{ name: 'nginx.yaml', text: one }]), live).findings.map((f) => f.rule)).not.toContain('runtime-bind-conflict');
    expect(checkManifests(parseDocuments([{ name: 'nginx.yaml', text: SEED_002_DEPLOYMENT }]), live).findings.map((f) => f.rule)).toContain('runtime-bind-conflict');
  });

  it('is flagged by the manifest check', () => {
    const report = checkManifests(parseDocuments([{ name: 'nginx.yaml', text: SEED_002_DEPLOYMENT }]), snapshot);
    expect(report.verdict).toBe('fail');
    expect(report.findings.find((f) => f.rule === 'runtime-bind-conflict')).toMatchObject({ severity: 'error', object: 'Deployment/default/nginx', source: { file: 'nginx.yaml' } });
    // nginx names no cluster Service: the node resolver ClusterFirst falls back to is fine (calibrated on infra manifests)
    expect(report.findings.find((f) => f.rule === 'hostnetwork-dnspolicy')).toBeUndefined();
  });
});

describe('seed 003', () => {
  it("flags the NodePort Service whose selector name: nginx misses the pods' app: nginx", () => {
    const report = checkManifests(parseDocuments([{ name: 'nginx.yaml', text: SEED_003_NODEPORT }]));
    const f = report.findings.find((x) => x.rule === 'service-selector-matches-nothing');
    expect(f).toMatchObject({ severity: 'warning', object: 'Service/default/nginx-svc', source: { file: 'nginx.yaml', line: 34 } }); // the selector's first entry
    expect(f?.fix).toContain('Did you mean selector app=nginx (Deployment default/nginx-deployment)?');
    expect(report.verdict).toBe('warn');
  });

  it('gives the Service no endpoints in a snapshot where the pods run', () => {
    const { snapshot } = loadSnapshot([
      { name: 'nodes.yaml', text: node('k8s-master01', '192.168.1.10', { nginx: 'ok' }) },
      { name: 'nginx.yaml', text: SEED_003_NODEPORT },
      {
        name: 'pods.yaml',
        text: `kind: Pod
apiVersion: v1
metadata: {name: nginx-deployment-c9fd6b54f-bdr8l, labels: {app: nginx, pod-template-hash: c9fd6b54f}}
spec: {nodeName: k8s-master01, containers: [{name: nginx, image: "nginx:stable"}]}
status: {phase: Running, podIP: 10.244.0.58}
`,
      },
    ]);
    const slices = snapshot.endpointSlices.filter((s) => s.serviceName === 'nginx-svc');
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ derived: true, endpoints: [] });
    expect(placeWorkload(buildSchedulingState(snapshot), snapshot.workloads[0]).placed).toEqual([{ pod: 'default/nginx-deployment-0', node: 'k8s-master01' }]);
  });

  it('accepts hostNetwork + hostPort equal to containerPort and spreads the 3 replicas over the 3 nodes', () => {
    const docs = parseDocuments([{ name: 'server.yaml', text: SEED_003_HOSTNET_HOSTPORT }]);
    expect(validateObject(docs[0])).toBeNull();
    const { snapshot } = loadSnapshot([{ name: 'nodes.yaml', text: [node('k8s-master', '192.168.157.129'), node('k8s-worker1', '192.168.157.132'), node('k8s-worker2', '192.168.157.133')].join('---\n') }]);
    const state = buildSchedulingState(snapshot);
    const w = workloadFromObject(docs[0]);
    const r = placeWorkload(state, w);
    expect(r.placed.map((p) => p.node).sort()).toEqual(['k8s-master', 'k8s-worker1', 'k8s-worker2']);
    expect(r.pending).toEqual([]);
    const four = placeWorkload(state, { ...w, replicas: 4 });
    expect(four.pending).toHaveLength(1);
    expect(four.pending[0].message).toBe(
      "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    const report = checkManifests([...docs].map((d) => ({ ...d, obj: { ...d.obj, spec: { ...(d.obj['spec'] as object), replicas: 4 } } })), snapshot);
    expect(report.findings.find((f) => f.rule === 'hostnetwork-hostport-noop')).toMatchObject({ severity: 'info', object: 'Deployment/default/server-deployment' });
    expect(report.findings.find((f) => f.rule === 'hostport-replicas-exceed-nodes')?.message).toMatch(/^4 replicas but only 3 nodes can take hostPort 9697\/TCP; 1 will stay Pending/);
  });
});
