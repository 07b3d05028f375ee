import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSnapshot, parseDocuments } from '../adapter';
import { ClusterEngine } from '../engine';
import { parse } from 'yaml';
import { diffEngines, whatIfEngine } from './snapshot-diff';

const text = (f: string) => readFileSync(path.join(__dirname, '../../../../test/fixtures/clusters', f), 'utf8');
const engineOf = (t: string) => new ClusterEngine(loadSnapshot([{ name: 'x.yaml', text: t }]).snapshot);
const rawOf = (t: string) => t.split(/^---$/m).map((d) => parse(d)).filter(Boolean);

describe('what-if', () => {
  it("fixing seed 003's Service selector turns node:30001 from REJECT into a path to the nginx pods", () => {
    const base = text('seed-003-nodeport-and-hostport.yaml');
    const fixedService = 'kind: Service\napiVersion: v1\nmetadata: {name: nginx-svc, namespace: default}\nspec:\n  type: NodePort\n  clusterIP: 10.110.21.50\n  ports:\n  - {port: 80, nodePort: 30001}\n  selector: {app: nginx}\n';
    const e = engineOf(base);
    const d = diffEngines(e, whatIfEngine(e, rawOf(base), parseDocuments([{ name: 'fix.yaml', text: fixedService }])));
    const p = d.paths.find((x) => x.node === 'k8s-master01' && x.port === 30001);
    expect(p?.before.outcome).toBe('rejected');
    expect(p?.after.outcome).toBe('delivered');
    expect(p?.after.destinations.join('\n')).toContain('10.244.0.58:80');
    expect(d.truncated).toEqual([]);
  });

  it('places a submitted hostPort pod where the scheduler would, and shows the new claim on that node', () => {
    const base = text('seed-000-hostnetwork-and-hostport.yaml');
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: second, namespace: default}\nspec:\n  containers:\n  - name: nginx\n    image: nginx\n    ports: [{containerPort: 80, hostPort: 8080}]\n';
    const e = engineOf(base);
    const d = diffEngines(e, whatIfEngine(e, rawOf(base), parseDocuments([{ name: 'pod.yaml', text: pod }])));
    // node1 already has hostPort 8080, so the only place left is node2
    expect(d.claims).toEqual([expect.objectContaining({ node: 'node2', port: 8080, protocol: 'TCP', change: 'added', after: [expect.objectContaining({ kind: 'hostPort', owner: 'default/second' })] })]);
  });

  it('a submitted Service without clusterIP gets one from the service CIDR and shows in what-if paths', () => {
    const base = text('seed-003-nodeport-and-hostport.yaml');
    const svc = 'kind: Service\napiVersion: v1\nmetadata: {name: nginx-new, namespace: default}\nspec:\n  type: NodePort\n  ports:\n  - {port: 80, nodePort: 30123}\n  selector: {app: nginx}\n';
    const e = engineOf(base);
    const after = whatIfEngine(e, rawOf(base), parseDocuments([{ name: 'svc.yaml', text: svc }]));
    const added = after.snapshot.services.find((x) => x.name === 'nginx-new');
    expect(added?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(e.snapshot.services.map((x) => x.clusterIP)).not.toContain(added?.clusterIP);
    const d = diffEngines(e, after);
    const p = d.paths.find((x) => x.port === 30123);
    expect(p?.after.outcome).toBe('delivered');
  });

  it('reports no change between a snapshot and itself', () => {
    const e = engineOf(text('seed-001-exposure-modes.yaml'));
    expect(diffEngines(e, e)).toEqual({ claims: [], paths: [], workloads: [], truncated: [] });
  });
});

describe('what-if with a re-applied workload', () => {
  it("replaces seed 002's running nginx replica instead of stacking two more on top of it", () => {
    const base = text('seed-002-hostnetwork-replicas.yaml');
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx, namespace: default}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: nginx}}\n  template:\n    metadata: {labels: {app: nginx}}\n    spec:\n      hostNetwork: true\n      containers:\n      - {image: "nginx:alpine", name: nginx}\n';
    const e = engineOf(base);
    const after = whatIfEngine(e, rawOf(base), parseDocuments([{ name: 'd.yaml', text: deploy }]));
    const nginx = after.snapshot.pods.filter((p) => p.labels['app'] === 'nginx');
    expect(nginx.map((p) => p.name)).not.toContain('nginx-6fdf99c8b-6wwft');
    expect(nginx).toHaveLength(2);
  });

  it('counts an added hostPort Deployment feasible where one of its pods fits, not blocked by its own replicas', () => {
    const base = text('seed-003-nodeport-and-hostport.yaml');
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hp, namespace: default}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: hp}}\n  template:\n    metadata: {labels: {app: hp}}\n    spec:\n      containers:\n      - {image: "nginx:alpine", name: web, ports: [{containerPort: 80, hostPort: 8099}]}\n';
    const e = engineOf(base);
    const d = diffEngines(e, whatIfEngine(e, rawOf(base), parseDocuments([{ name: 'd.yaml', text: deploy }])));
    const w = d.workloads.find((x) => x.workload.endsWith('/hp'));
    expect(w).toMatchObject({ change: 'added', feasibleBefore: 0 });
    expect(w?.feasibleAfter).toBe(e.snapshot.nodes.filter((n) => !n.unschedulable && !n.taints.some((t) => t.effect === 'NoSchedule')).length);
  });
});
