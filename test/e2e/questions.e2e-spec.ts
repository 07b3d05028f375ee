import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

async function clusterWith(key: string, file: string): Promise<{ id: string; snapshotId: string }> {
  const c = await createCluster(key);
  const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key, body: fixture(file), headers: { 'content-type': 'application/yaml', 'x-filename': file } });
  const s = await waitSnapshot(key, up.body.id);
  if (s.status !== 'ready') throw new Error(`fixture ${file} did not import: ${JSON.stringify(s.error)}`);
  return { id: c.id, snapshotId: s.id };
}

const TRAFFIC = `query($c: ID!, $to: String!, $from: String) { trafficPath(clusterId: $c, to: $to, from: $from) {
  outcome masquerade sourceSeen snapshotId hops { node hook table chain rule verdict action target before after } destinations { kind pod ip port probability } } }`;

describe('questions over GraphQL and REST', () => {
  it('seed 003: traffic to node:81 is DNATed by CNI-HOSTPORT-DNAT and its CNI-DN- chain to the pod port 80', async () => {
    const t = await newTenant();
    const c = await clusterWith(t.key, 'seed-003-nodeport-and-hostport.yaml');
    const r = await gql(t.key, TRAFFIC, { c: c.id, to: 'k8s-master01:81' });
    expect(r.body.errors).toBeUndefined();
    const p = r.body.data.trafficPath;
    expect(p).toMatchObject({ outcome: 'delivered', masquerade: false, sourceSeen: '203.0.113.2', snapshotId: c.snapshotId });
    const chains = p.hops.map((h: { chain: string }) => h.chain);
    const dnat = chains.indexOf('CNI-HOSTPORT-DNAT');
    expect(dnat).toBeGreaterThan(-1);
    const dn = p.hops.find((h: { chain: string; verdict: string }) => h.chain.startsWith('CNI-DN-') && h.verdict.startsWith('DNAT'));
    expect(dn.rule).toMatch(/-p tcp --dport 81 -j DNAT --to-destination 10\.244\.0\.40:80/);
    // the same hop as data: action and the destination before and after the rewrite, no prose to parse
    expect(dn).toMatchObject({ action: 'dnat', after: '10.244.0.40:80', before: expect.stringMatching(/:81$/) });
    expect(p.hops.find((h: { action: string; target: string | null }) => h.action === 'jump' && h.target === 'CNI-HOSTPORT-DNAT')).toBeDefined();
    expect(p.hops.at(-1)).toMatchObject({ action: 'deliver', target: 'default/nginx-deployment-ff549cb9d-5t4bp' });
    expect(p.destinations).toEqual([{ kind: 'pod', pod: 'default/nginx-deployment-ff549cb9d-5t4bp', ip: '10.244.0.40', port: 80, probability: 1 }]);

    // and the NodePort whose selector matches nothing is refused by kube-proxy's REJECT
    const np = await http('GET', `/v1/clusters/${c.id}/traffic-path?to=${encodeURIComponent('k8s-master01:30001/tcp')}`, { key: t.key });
    expect(np.status).toBe(200);
    expect(np.body.outcome).toBe('rejected');
    expect(np.body.hops.at(-2) ?? np.body.hops.at(-1)).toBeDefined();
    expect(np.body.hops.some((h: { chain: string; verdict: string }) => h.chain === 'KUBE-EXTERNAL-SERVICES' && h.verdict === 'REJECT')).toBe(true);
    expect(np.body.hops.find((h: { chain: string; verdict: string }) => h.verdict === 'REJECT')).toMatchObject({ action: 'reject' });
  });

  it('seed 002: a second hostNetwork nginx replica is feasible for the scheduler but predicted to fail bind() with Address in use', async () => {
    const t = await newTenant();
    const c = await clusterWith(t.key, 'seed-002-hostnetwork-replicas.yaml');
    const q = `query($c: ID!, $pod: PodInput) { schedulePod(clusterId: $c, pod: $pod) { feasibleNodes message nodes { node feasible plugin reason runtime { kind message consequence certainty holder } } } }`;
    const pod = { name: 'nginx-6fdf99c8b-rglm7', namespace: 'default', labels: [{ key: 'app', value: 'nginx' }], hostNetwork: true, containers: [{ name: 'nginx', image: 'nginx:alpine' }] };
    const r = await gql(t.key, q, { c: c.id, pod });
    expect(r.body.errors).toBeUndefined();
    const s = r.body.data.schedulePod;
    expect(s.feasibleNodes).toEqual(['10.1.0.55']);
    expect(s.message).toBeNull();
    const [node] = s.nodes;
    expect(node).toMatchObject({ node: '10.1.0.55', feasible: true, plugin: null });
    expect(node.runtime).toEqual([expect.objectContaining({ kind: 'bind-conflict', message: 'bind() to 0.0.0.0:80 failed (98: Address in use)', consequence: expect.stringMatching(/CrashLoopBackOff/) })]);
  });

  it('answers schedule, iptables and port claims over REST, and a workload placement over GraphQL YAML', async () => {
    const t = await newTenant();
    const c = await clusterWith(t.key, 'seed-001-exposure-modes.yaml');
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web2, namespace: demo}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports: [{containerPort: 8081, hostPort: 8080}]\n';
    const s = await http('POST', `/v1/clusters/${c.id}/schedule`, { key: t.key, json: { pod } });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ kind: 'pod', feasibleNodes: ['node-b', 'node-c'], snapshotId: c.snapshotId });
    // a selection of the per-node verdicts: only the node that cannot host it, and how many there are
    const infeasible = await http('POST', `/v1/clusters/${c.id}/schedule`, { key: t.key, json: { pod, nodes: { feasible: false } } });
    expect(infeasible.body).toMatchObject({ nodesTotal: 1, nodes: [{ node: 'node-a', feasible: false, plugin: 'NodePorts' }] });
    const bad = await http('POST', `/v1/clusters/${c.id}/schedule`, { key: t.key, json: { pod, nodes: { first: -1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/nodes\.first/);
    const sel = await gql(t.key, 'query($c: ID!, $y: String) { schedulePod(clusterId: $c, podYaml: $y) { all: nodeCount feasible: nodeCount(feasible: true) nodes(feasible: true, first: 1) { node } named: nodes(names: ["node-c", "nope"]) { node feasible } } }', { c: c.id, y: pod });
    expect(sel.body.errors).toBeUndefined();
    expect(sel.body.data.schedulePod).toEqual({ all: 3, feasible: 2, nodes: [{ node: 'node-b' }], named: [{ node: 'node-c', feasible: true }] });
    const neg = await gql(t.key, 'query($c: ID!, $y: String) { schedulePod(clusterId: $c, podYaml: $y) { nodes(first: -2) { node } } }', { c: c.id, y: pod });
    expect(neg.body.errors?.[0]?.message).toMatch(/first must be a whole number >= 0/);
    const ipt = await http('GET', `/v1/clusters/${c.id}/nodes/node-a/iptables`, { key: t.key });
    expect(ipt.headers.get('content-type')).toMatch(/text\/plain/);
    expect(ipt.body).toContain(':CNI-DN-54a4250774be74297ae44 - [0:0]');
    const claims = await http('GET', `/v1/clusters/${c.id}/nodes/node-a/port-claims?port=8080`, { key: t.key });
    expect(claims.body.claims).toEqual([expect.objectContaining({ kind: 'hostPort', port: 8080, owner: 'demo/web-hostport' })]);
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: edge, namespace: demo}\nspec:\n  replicas: 4\n  selector: {matchLabels: {app: edge}}\n  template:\n    metadata: {labels: {app: edge}}\n    spec:\n      containers:\n      - name: e\n        image: envoy\n        ports: [{containerPort: 8443, hostPort: 8443}]\n';
    const g = await gql(t.key, 'query($c: ID!, $y: String) { placeWorkload(clusterId: $c, workloadYaml: $y) { replicas placed { pod node } pending { pod message } } }', { c: c.id, y: deploy });
    expect(g.body.data.placeWorkload.placed).toHaveLength(3);
    expect(g.body.data.placeWorkload.pending).toEqual([{ pod: expect.any(String), message: expect.stringMatching(/^0\/3 nodes are available: 3 node\(s\) didn't have free ports for the requested pod ports\./) }]);
  });

  it('what-if: fixing the seed 003 selector turns node:30001 from rejected into delivered', async () => {
    const t = await newTenant();
    const c = await clusterWith(t.key, 'seed-003-nodeport-and-hostport.yaml');
    const fixed = 'kind: Service\napiVersion: v1\nmetadata: {name: nginx-svc, namespace: default}\nspec:\n  type: NodePort\n  clusterIP: 10.110.21.50\n  ports:\n  - {port: 80, nodePort: 30001}\n  selector: {app: nginx}\n';
    const r = await http('POST', `/v1/clusters/${c.id}/what-if`, { key: t.key, json: { manifests: fixed } });
    expect(r.status).toBe(201);
    expect(r.body.paths).toEqual([expect.objectContaining({ node: 'k8s-master01', port: 30001, before: expect.objectContaining({ outcome: 'rejected' }), after: expect.objectContaining({ outcome: 'delivered' }) })]);
  });

  it('names bad questions as 400s: unknown node, malformed target, malformed YAML with its line', async () => {
    const t = await newTenant();
    const c = await clusterWith(t.key, 'seed-000-hostnetwork-and-hostport.yaml');
    const unknown = await gql(t.key, TRAFFIC, { c: c.id, to: 'node9:80' });
    expect(unknown.body.errors[0]).toMatchObject({ message: expect.stringMatching(/node "node9" is not in this snapshot/), extensions: { code: 'INVALID_INPUT' } });
    const bad = await http('GET', `/v1/clusters/${c.id}/traffic-path?to=node1`, { key: t.key });
    expect(bad.status).toBe(400);
    const yaml = await http('POST', `/v1/clusters/${c.id}/schedule`, { key: t.key, json: { pod: 'kind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n    ports: [{containerPort: eighty}]\n' } });
    expect(yaml.status).toBe(400);
    expect(yaml.body.error.details[0]).toMatchObject({ line: 6, field: 'spec.containers[0].ports[0].containerPort' });
  });

  it("answers every question about another tenant's cluster or snapshot as not found", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const c = await clusterWith(a.key, 'seed-003-nodeport-and-hostport.yaml');
    const queries: Array<[string, Record<string, unknown>]> = [
      [TRAFFIC, { c: c.id, to: 'k8s-master01:81' }],
      ['query($c: ID!) { schedulePod(clusterId: $c, podYaml: "kind: Pod\\nmetadata: {name: x}\\nspec: {containers: [{name: a}]}") { feasibleNodes } }', { c: c.id }],
      ['query($c: ID!) { nodeIptables(clusterId: $c, node: "k8s-master01") }', { c: c.id }],
      ['query($c: ID!) { portClaims(clusterId: $c, node: "k8s-master01") { port } }', { c: c.id }],
      ['query($c: ID!, $s: ID!) { snapshotDiff(clusterId: $c, from: $s, to: $s) { truncated } }', { c: c.id, s: c.snapshotId }],
      ['query($c: ID!) { whatIf(clusterId: $c, manifests: "kind: Namespace\\nmetadata: {name: x}") { truncated } }', { c: c.id }],
    ];
    for (const [q, v] of queries) {
      const r = await gql(b.key, q, v);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await gql(a.key, q, v)).body.errors).toBeUndefined();
    }
    for (const p of [`/v1/clusters/${c.id}/traffic-path?to=k8s-master01:81`, `/v1/clusters/${c.id}/nodes/k8s-master01/iptables`, `/v1/clusters/${c.id}/nodes/k8s-master01/port-claims`, `/v1/clusters/${c.id}/diff?from=${c.snapshotId}&to=${c.snapshotId}`]) {
      expect((await http('GET', p, { key: b.key })).status).toBe(404);
    }
  });
});
