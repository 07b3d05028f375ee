import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './support/apps';
import { closeProvisioner, createCluster, gql, http, newTenant, waitSnapshot } from './support/client';

// Issue 10: the cilium-operator Deployment (2 replicas, hostNetwork, required anti-affinity per hostname) on a
// one-node cluster gives 1 placed and 1 pending with the anti-affinity reason (not a crash-loop on a port), the
// same over the CLI, REST, GraphQL and the CI webhook.
afterAll(closeProvisioner);

const OPERATOR = readFileSync(path.join(root, 'test/fixtures/infra/cilium-operator.yaml'), 'utf8');
const NODE = `apiVersion: v1
kind: Node
metadata:
  name: cp-1
  labels: {kubernetes.io/hostname: cp-1, kubernetes.io/os: linux, node-role.kubernetes.io/control-plane: ""}
spec:
  podCIDR: 10.244.0.0/24
  taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
status:
  addresses: [{type: InternalIP, address: 192.168.10.11}, {type: Hostname, address: cp-1}]
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
`;
const MESSAGE = "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";

describe('cilium-operator on a one-node cluster', () => {
  let key = '';
  let cluster: { id: string; webhookSecret: string };

  beforeAll(async () => {
    key = (await newTenant('writer')).key;
    cluster = await createCluster(key);
    const up = await http('POST', `/v1/clusters/${cluster.id}/snapshots`, { key, body: NODE, headers: { 'content-type': 'application/yaml' } });
    expect(up.status).toBe(202);
    expect((await waitSnapshot(key, up.body.id)).status).toBe('ready');
  });

  it('CLI: one replica placed, one pending with the anti-affinity reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portolan-operator-'));
    writeFileSync(path.join(dir, 'node.yaml'), NODE);
    const out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'dist/apps/cli/main.js'), 'schedule', '-f', path.join(dir, 'node.yaml'), '--pod', path.join(root, 'test/fixtures/infra/cilium-operator.yaml'), '-o', 'json'], { cwd: root, encoding: 'utf8' }));
    expect(out.placed).toEqual([{ pod: 'kube-system/cilium-operator-0', node: 'cp-1' }]);
    expect(out.crashing).toEqual([]);
    expect(out.pending).toEqual([{ pod: 'kube-system/cilium-operator-1', message: MESSAGE }]);
  });

  it('REST and GraphQL: the same placement', async () => {
    const rest = await http('POST', `/v1/clusters/${cluster.id}/schedule`, { key, json: { pod: OPERATOR } });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ kind: 'workload', replicas: 2, placed: [{ node: 'cp-1' }], crashing: [], pending: [{ message: MESSAGE }] });
    const g = await gql(key, 'query($c: ID!, $y: String!) { placeWorkload(clusterId: $c, workloadYaml: $y) { replicas placed { pod node } crashing { pod } pending { pod message } } }', { c: cluster.id, y: OPERATOR });
    expect(g.body.errors).toBeUndefined();
    expect(g.body.data.placeWorkload).toEqual({ replicas: 2, placed: [{ pod: 'kube-system/cilium-operator-0', node: 'cp-1' }], crashing: [], pending: [{ pod: 'kube-system/cilium-operator-1', message: MESSAGE }] });
  });

  it('CI webhook: the verdict names the pending replica and the anti-affinity reason', async () => {
    const delivery = randomUUID();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v1=${createHmac('sha256', cluster.webhookSecret).update(`${ts}\n${delivery}\n`).update(OPERATOR).digest('hex')}`;
    const r = await http('POST', `/v1/webhooks/ci/${cluster.id}?wait=20`, { body: OPERATOR, headers: { 'content-type': 'application/yaml', 'x-portolan-delivery': delivery, 'x-portolan-timestamp': ts, 'x-portolan-signature': signature } });
    expect(r.status).toBe(200);
    const unschedulable = r.body.findings.filter((f: any) => f.rule === 'unschedulable');
    expect(unschedulable).toEqual([expect.objectContaining({ object: 'Deployment/kube-system/cilium-operator', message: expect.stringContaining("node(s) didn't match pod anti-affinity rules") })]);
    expect(r.body.findings.some((f: any) => f.rule === 'runtime-bind-conflict')).toBe(false);
  });
});
