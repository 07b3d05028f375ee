import { parseDocuments } from '../adapter';
import { aNode, aPod, aService, aSnapshot } from '../testing';
import { checkManifests, toSarif, toText, validateObject } from './index';

const svc = (name: string, ports: object[], type = 'NodePort', ns = 'demo') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { type, ports, selector: { app: name } } });

describe('validateObject (API server errors, kubectl rendering)', () => {
  it.each([
    [
      'hostNetwork hostPort mismatch on a template',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: 8080, hostPort: 9090 }] }] } } } },
      'Deployment.apps "d" is invalid: spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 9090: must match `containerPort` when `hostNetwork` is true',
    ],
    ['hostNetwork template may leave hostPort 0', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: 8080 }] }] } } } }, null],
    [
      'duplicate hostPort in one pod',
      { kind: 'Pod', metadata: { name: 'dup' }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 8080 }] }, { name: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] }] } },
      'Pod "dup" is invalid: spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
    ],
    ['"" and 0.0.0.0 hostIP are different strings for validation', { kind: 'Pod', metadata: { name: 'ok' }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 8080, hostIP: '0.0.0.0' }] }] } }, null],
    ['duplicate nodePort in one service', svc('s', [{ port: 80, nodePort: 30080 }, { port: 81, nodePort: 30080 }]), 'Service "s" is invalid: spec.ports[1].nodePort: Duplicate value: 30080'],
    ['nodePort on ClusterIP', svc('c', [{ port: 80, nodePort: 30080 }], 'ClusterIP'), "Service \"c\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ['out of range', svc('r', [{ port: 80, nodePort: 32768 }]), 'Service "r" is invalid: spec.ports[0].nodePort: Invalid value: 32768: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    ['name is required', { kind: 'Pod', metadata: {}, spec: { containers: [] } }, 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'],
    ['same port number, two protocols share', svc('dns', [{ port: 53, protocol: 'UDP', nodePort: 30053 }, { port: 53, protocol: 'TCP', nodePort: 30053 }]), null],
    ['different port numbers cannot share across protocols', svc('x', [{ port: 53, protocol: 'UDP', nodePort: 30053 }, { port: 54, protocol: 'TCP', nodePort: 30053 }]), 'Service "x" is invalid: spec.ports[1].nodePort: Invalid value: 30053: provided port is already allocated'],
  ])('%s', (_n, obj, want) => {
    expect(validateObject(obj)).toBe(want);
  });
  it('already allocated against the snapshot, across namespaces', () => {
    const snapshot = aSnapshot({ services: [aService('web', { namespace: 'shop', ports: [{ port: 80, nodePort: 30080 }] })] });
    expect(validateObject(svc('web-dup', [{ port: 8080, protocol: 'UDP', nodePort: 30080 }]), { snapshot })).toBe('Service "web-dup" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    expect(validateObject({ ...svc('web', [{ port: 80, nodePort: 30080 }]), metadata: { name: 'web', namespace: 'shop' } }, { snapshot })).toBeNull();
  });
});

describe('checkManifests', () => {
  it('reports API rejections with source lines, and nodePort clashes between submitted Services', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: hn-bad
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  containers:
  - name: app
    image: registry.k8s.io/pause:3.9
    ports:
    - containerPort: 8080
      hostPort: 9090
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: NodePort
  selector: {x: y}
  ports: [{port: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 30080
`;
    const report = checkManifests(parseDocuments([{ name: 'm.yaml', text }]));
    expect(report.verdict).toBe('fail');
    const mismatch = report.findings.find((f) => f.rule === 'hostnetwork-hostport-mismatch');
    expect(mismatch).toMatchObject({
      severity: 'error',
      object: 'Pod/default/hn-bad',
      message: 'Pod "hn-bad" is invalid: spec.containers[0].ports[0].hostPort: Invalid value: 9090: must match `containerPort` when `hostNetwork` is true',
      source: { file: 'm.yaml', line: 13 },
    });
    const alloc = report.findings.find((f) => f.rule === 'nodeport-allocated');
    expect(alloc).toMatchObject({ object: 'Service/default/b', message: 'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated', source: { line: 30 } });
    expect(alloc?.fix).toContain('default/a');
    expect(report.findings.find((f) => f.rule === 'service-selector-matches-nothing')?.object).toBe('Service/default/a');
  });

  it('turns undecodable documents into input-error findings and keeps checking the rest', () => {
    const report = checkManifests(parseDocuments([{ name: 'x.yaml', text: 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: http\n---\nkind: Service\nmetadata: {name: s}\nspec: {type: ClusterIP, ports: [{port: 80, nodePort: 30001}]}\n' }]));
    expect(report.findings.map((f) => f.rule)).toEqual(['input-error', 'nodeport-on-clusterip']);
    expect(report.findings[0]).toMatchObject({ message: 'spec.containers[0].ports[0].containerPort: expected an integer, got "http"', source: { file: 'x.yaml', line: 7 } });
  });

  it('explains hostNetwork vs NetworkPolicy and DNS', () => {
    const snapshot = aSnapshot({ nodes: [aNode('n1')] });
    snapshot.networkPolicies.push({ namespace: 'default', name: 'deny-all', podSelector: { matchLabels: {}, matchExpressions: [] }, policyTypes: ['Ingress'] });
    const pod = { kind: 'Pod', metadata: { name: 'agent', labels: { app: 'agent' } }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'example/agent:1', ports: [{ containerPort: 9100 }], env: [{ name: 'API', value: 'http://api.shop.svc:8080' }] }] } };
    // without a cluster Service name the node resolver is what a node agent wants: no dnsPolicy finding
    const quiet = { ...pod, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0], env: [] }] } };
    expect(checkManifests([quiet], snapshot).findings.map((f) => f.rule)).toEqual(['hostnetwork-networkpolicy']);
    const report = checkManifests([pod], snapshot);
    expect(report.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['hostnetwork-dnspolicy', 'warning'],
      ['hostnetwork-networkpolicy', 'warning'],
    ]);
    expect(report.findings[1].message).toContain('"NetworkPolicy behaviour for hostNetwork pods is undefined"');
    const alone = checkManifests([{ ...pod, spec: { ...pod.spec, dnsPolicy: 'ClusterFirstWithHostNet' } }], aSnapshot({ nodes: [aNode('n1')] }));
    expect(alone.findings.map((f) => [f.rule, f.severity])).toEqual([['hostnetwork-networkpolicy', 'info']]);
    expect(alone.verdict).toBe('pass');
  });

  it('warns about hostPorts shadowed by a NodePort or capturing a host listener', () => {
    const snapshot = aSnapshot({
      nodes: [aNode('n1'), aNode('n2')],
      services: [aService('web', { namespace: 'demo', ports: [{ port: 80, nodePort: 30080 }] })],
      hostStates: [{ node: 'n2', listeners: [{ address: '0.0.0.0', port: 8443, protocol: 'TCP', process: 'sshd' }], extraAddresses: [] }],
    });
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hp', namespace: 'demo' }, spec: { replicas: 1, selector: { matchLabels: { app: 'hp' } }, template: { metadata: { labels: { app: 'hp' } }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 30080 }, { containerPort: 443, hostPort: 8443 }] }] } } } };
    const report = checkManifests([dep], snapshot);
    expect(report.verdict).toBe('warn');
    const shadow = report.findings.find((f) => f.rule === 'hostport-shadowed-by-nodeport');
    expect(shadow?.message).toMatch(/^hostPort 30080\/TCP equals NodePort demo\/web: the NodePort wins because KUBE-SERVICES is jumped to before CNI-HOSTPORT-DNAT \(nodes: n1, n2\)\.$/);
    expect(report.findings.find((f) => f.rule === 'hostport-captures-listener')?.message).toContain('sshd');
    // without nodes, the cluster-wide NodePort clash still shows
    const nodeless = checkManifests([dep, svc('web2', [{ port: 80, nodePort: 30080 }])]);
    expect(nodeless.findings.map((f) => f.rule)).toEqual(['hostport-shadowed-by-nodeport', 'service-selector-matches-nothing']);
  });

  it('says how many replicas stay Pending for host ports', () => {
    const snapshot = aSnapshot({ nodes: [aNode('a'), aNode('b')], pods: [aPod('x', { node: 'b', hostPorts: [81] })] });
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 80 }] }] } } } };
    const f = checkManifests([dep], snapshot).findings;
    expect(f[0]).toMatchObject({ rule: 'hostport-replicas-exceed-nodes', severity: 'error' });
    expect(f[0].message.startsWith('3 replicas but only 2 nodes can take hostPort 80/TCP; 1 will stay Pending')).toBe(true);
  });

  it('flags a pinned pod the kubelet would reject', () => {
    const snapshot = aSnapshot({ nodes: [aNode('a')], pods: [aPod('x', { node: 'a', hostPorts: [8080] })] });
    const f = checkManifests([{ kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'a', containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] } }], snapshot).findings;
    expect(f).toEqual([expect.objectContaining({ rule: 'kubelet-rejects', severity: 'error' })]);
    expect(f[0].message).toContain("Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports");
  });
});

describe('renderers', () => {
  const report = checkManifests(parseDocuments([{ name: 'k8s/svc.yaml', text: 'kind: Service\napiVersion: v1\nmetadata: {name: s}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 1}]\n' }]));
  it('emits SARIF 2.1.0', () => {
    const sarif = toSarif(report, { toolVersion: '0.1.0' }) as any;
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver).toMatchObject({ name: 'portolan', version: '0.1.0' });
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['nodeport-out-of-range']);
    expect(run.results[0]).toMatchObject({
      ruleId: 'nodeport-out-of-range',
      ruleIndex: 0,
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'k8s/svc.yaml' }, region: { startLine: 6 } } }],
    });
    expect(run.results[0].message.text).toContain('Service "s" is invalid: spec.ports[0].nodePort: Invalid value: 1: provided port is not in the valid range. The range of valid ports is 30000-32767');
  });
  it('renders text with a verdict line', () => {
    const text = toText(report);
    expect(text).toContain('ERROR   nodeport-out-of-range  Service/default/s  (k8s/svc.yaml:6)');
    expect(text.trimEnd().split('\n').pop()).toBe('verdict: fail (1 error(s), 0 warning(s), 0 info)');
  });
});
