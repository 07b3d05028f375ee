import { aNode, aPod, aSnapshot } from '../testing';
import { checkManifests } from './index';
import { fromObjects } from '../adapter/parse';
import { workloadFromObject } from '../adapter';
import { placeSubmission } from '../scheduling';

const deploy = (name: string, replicas: number, spec: object) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'demo' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
});
const ds = (name: string, spec: object) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: 'kube-system' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
});
const hostPortSpec = (port: number) => ({ containers: [{ name: 'c', image: 'example.com/app:1', ports: [{ containerPort: 8080, hostPort: port }] }] });

describe('a submission is applied as a whole', () => {
  const snapshot = aSnapshot({ nodes: [aNode('n1', { ip: '10.0.0.1' }), aNode('n2', { ip: '10.0.0.2' })] });

  it('two workloads needing the same hostPort on the same nodes conflict; the later one in file order is Pending', () => {
    const r = checkManifests([deploy('a', 2, hostPortSpec(8443)), deploy('b', 1, hostPortSpec(8443))], snapshot);
    expect(r.verdict).toBe('fail');
    const f = r.findings.filter((x) => x.severity === 'error');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ object: 'Deployment/demo/b' });
    expect(f[0].message).toMatch(/didn't have free ports/);
    expect(f[0].message).toMatch(/Deployment\/demo\/a earlier in this submission/);
    // each alone fits
    expect(checkManifests([deploy('b', 1, hostPortSpec(8443))], snapshot).verdict).not.toBe('fail');
    // other ports do not conflict
    expect(checkManifests([deploy('a', 2, hostPortSpec(8443)), deploy('b', 1, hostPortSpec(8444))], snapshot).findings.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('a hostNetwork DaemonSet and a hostNetwork Deployment binding the same port crash-loop', () => {
    const hn = { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', containers: [{ name: 'c', image: 'quay.io/prometheus/node-exporter:v1.8.2', args: ['--web.listen-address=:9100'] }] };
    const r = checkManifests([ds('exporter', hn), deploy('exporter2', 1, hn)], snapshot);
    expect(r.findings.find((x) => x.rule === 'runtime-bind-conflict')).toMatchObject({ object: 'Deployment/demo/exporter2', severity: 'error' });
    // binding distinct specific addresses does not conflict
    const lo = { ...hn, containers: [{ ...hn.containers[0], args: ['--web.listen-address=127.0.0.1:9100'] }] };
    const ip = { ...hn, containers: [{ ...hn.containers[0], args: ['--web.listen-address=$(IP):9100'], env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] };
    expect(checkManifests([ds('exporter', lo), deploy('exporter2', 1, ip)], snapshot).findings.filter((x) => x.rule === 'runtime-bind-conflict')).toEqual([]);
  });

  it('a bare Pod with nodeName holds its port for the workloads after it', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'demo' }, spec: { nodeName: 'n1', ...hostPortSpec(9000) } };
    const r = checkManifests([pod, deploy('d', 2, hostPortSpec(9000))], snapshot);
    expect(r.findings.find((x) => x.object === 'Deployment/demo/d')).toMatchObject({ rule: 'hostport-replicas-exceed-nodes', severity: 'error' });
  });
});

describe('placeSubmission (the placements an analysis reports)', () => {
  it('places in file order: the second workload sees the host ports of the first', () => {
    const snapshot = aSnapshot({ nodes: [aNode('n1'), aNode('n2')] });
    const ws = fromObjects([deploy('a', 2, hostPortSpec(8443)), deploy('b', 1, hostPortSpec(8443))]).map((po) => workloadFromObject(po));
    const [a, b] = placeSubmission(snapshot, ws);
    expect(a.placed.map((p) => p.node).sort()).toEqual(['n1', 'n2']);
    expect(b.placed).toEqual([]);
    expect(b.pending).toEqual([{ pod: 'demo/b-0', message: expect.stringMatching(/didn't have free ports/) }]);
    // alone, b would fit
    expect(placeSubmission(snapshot, [ws[1]])[0].placed).toHaveLength(1);
  });
});

describe('DaemonSet placement preempts like the Pod path', () => {
  it('a system-node-critical DaemonSet pod evicts a lower-priority pod on a full node instead of staying Pending', () => {
    const full = aSnapshot({
      nodes: [aNode('n1', { ip: '10.0.0.1', pods: 1 })],
      pods: [aPod('filler', { node: 'n1', namespace: 'demo', priority: 0 })],
    });
    const spec = { priorityClassName: 'system-node-critical', containers: [{ name: 'agent', image: 'example.com/agent:1' }] };
    const r = checkManifests([ds('agent', spec)], full);
    expect(r.findings.filter((x) => x.severity === 'error')).toEqual([]);
    expect(r.findings.find((x) => x.rule === 'unschedulable')).toMatchObject({ severity: 'warning', message: expect.stringMatching(/only by preemption: it would evict demo\/filler/) });
    // without priority there is nothing to preempt: Pending
    const low = checkManifests([ds('agent', { containers: spec.containers })], full);
    expect(low.findings.find((x) => x.rule === 'unschedulable')).toMatchObject({ severity: 'error', message: expect.stringMatching(/Too many pods/) });
  });
});
