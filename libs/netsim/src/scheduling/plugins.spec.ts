import { aNode, aPod, aSnapshot, aContainer, aService } from '../testing';
import type { Pod } from '../model/types';
import { HostPortInfo } from './hostports';
import { preparePod } from './framework';
import { buildSchedulingState } from './state';
import { FILTERS, NodeAffinity, NodePorts, NodeResourcesFit, NodeUnschedulable, TaintToleration } from './plugins';
import { evaluateNode, histogram, kubeletAdmission, schedulePod } from './schedule';
import { podRequests } from './resources';

function stateWith(nodes = [aNode('n1')], pods: Pod[] = []) {
  return buildSchedulingState(aSnapshot({ nodes, pods }));
}

describe('HostPortInfo (framework/types_test.go TestHostPortInfo_Check + k8s-semantics §1.4)', () => {
  type Row = [string, Array<[string, string, number]>, [string, string, number], boolean];
  const rows: Row[] = [
    ['same udp port', [['127.0.0.1', 'UDP', 8080]], ['127.0.0.1', 'UDP', 8080], true],
    ['same tcp port', [['127.0.0.1', 'TCP', 8080]], ['127.0.0.1', 'TCP', 8080], true],
    ['different host ip', [['127.0.0.2', 'TCP', 8080]], ['127.0.0.1', 'TCP', 8080], false],
    ['different protocol', [['127.0.0.1', 'TCP', 8080]], ['127.0.0.1', 'UDP', 8080], false],
    ['new 0.0.0.0 vs specific', [['127.0.0.1', 'TCP', 8001]], ['0.0.0.0', 'TCP', 8001], true],
    ['new specific vs 0.0.0.0', [['0.0.0.0', 'TCP', 8001]], ['127.0.0.1', 'TCP', 8001], true],
    ['0.0.0.0 other protocol', [['0.0.0.0', 'TCP', 8001]], ['127.0.0.1', 'UDP', 8001], false],
    ['0.0.0.0 tcp+udp', [['0.0.0.0', 'TCP', 8001], ['0.0.0.0', 'UDP', 8001]], ['127.0.0.1', 'UDP', 8001], true],
    ['empty check is 0.0.0.0/TCP', [['127.0.0.1', 'TCP', 80]], ['', '', 80], true],
    ['SCTP vs TCP', [['10.0.0.1', 'SCTP', 80]], ['10.0.0.1', 'TCP', 80], false],
    [':: is not a wildcard', [['::', 'TCP', 80]], ['2001:db8::1', 'TCP', 80], false],
    [':: seen by a 0.0.0.0 query', [['::', 'TCP', 80]], ['', 'TCP', 80], true],
    ['port 0 never conflicts', [['', 'TCP', 0]], ['', 'TCP', 0], false],
  ];
  it.each(rows)('%s', (_name, existing, [ip, proto, port], want) => {
    const h = new HostPortInfo();
    for (const [eip, ep, epp] of existing) h.add(eip, ep, epp);
    expect(h.checkConflict(ip, proto, port)).toBe(want);
  });
  it('Add/Remove keeps the size right and ignores port <= 0', () => {
    const h = new HostPortInfo();
    h.add('', 'TCP', 80);
    h.add('0.0.0.0', '', 80);
    h.add('127.0.0.1', 'UDP', 53);
    h.add('1.2.3.4', 'TCP', -1);
    expect(h.len()).toBe(2);
    h.remove('', '', 80);
    expect(h.len()).toBe(1);
  });
});

describe('NodePorts', () => {
  const holder = aPod('holder', { node: 'n1', hostPorts: [8001] });
  const cases: Array<[string, Pod, boolean]> = [
    ['conflicting container hostPort', aPod('p', { hostPorts: [8001] }), false],
    ['no host ports: PreFilter Skip', aPod('p'), true],
    ['plain init container hostPort is ignored', aPod('p', { initContainers: [aContainer('init', { ports: [{ containerPort: 8001, hostPort: 8001 }] })] }), true],
    ['sidecar init container hostPort conflicts', aPod('p', { initContainers: [aContainer('side', { restartPolicy: 'Always', ports: [{ containerPort: 8001, hostPort: 8001 }] })] }), false],
    ['containerPort without hostPort claims nothing', aPod('p', { containers: [aContainer('c', { ports: [8001] })] }), true],
  ];
  it.each(cases)('%s', (_n, pod, fits) => {
    const s = stateWith([aNode('n1')], [holder]);
    const status = NodePorts.filter(preparePod(pod), s.nodes[0]);
    expect(status === null).toBe(fits);
    if (status) {
      expect(status).toMatchObject({ plugin: 'NodePorts', code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] });
      expect(status.blockers[0]).toMatchObject({ kind: 'hostPort', pod: { kind: 'Pod', namespace: 'default', name: 'holder' }, claim: '0.0.0.0:8001/TCP' });
    }
  });
  it('terminal pods hold nothing', () => {
    const s = stateWith([aNode('n1')], [aPod('done', { node: 'n1', hostPorts: [8001], phase: 'Succeeded' })]);
    expect(NodePorts.filter(preparePod(aPod('p', { hostPorts: [8001] })), s.nodes[0])).toBeNull();
  });
});

describe('NodeUnschedulable and TaintToleration', () => {
  it('cordoned node is unresolvable unless the pod tolerates node.kubernetes.io/unschedulable', () => {
    const s = stateWith([aNode('n1', { unschedulable: true })]);
    expect(NodeUnschedulable.filter(preparePod(aPod('p')), s.nodes[0])).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] });
    const tolerant = aPod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', value: '', effect: 'NoSchedule' }] });
    expect(NodeUnschedulable.filter(preparePod(tolerant), s.nodes[0])).toBeNull();
  });
  const taints = [
    { key: 'soft', value: 'x', effect: 'PreferNoSchedule' as const },
    { key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' as const },
  ];
  it.each([
    ['untolerated taint with empty value', [], 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
    ['Exists with empty key tolerates all', [{ key: '', operator: 'Exists' as const, value: '', effect: '' as const }], null],
    ['Equal with wrong value does not tolerate', [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Equal' as const, value: 'y', effect: 'NoSchedule' as const }], 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
    ['key with empty effect tolerates every effect', [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' as const, value: '', effect: '' as const }], null],
  ])('%s', (_n, tolerations, reason) => {
    const s = stateWith([aNode('n1', { taints })]);
    // the snapshot's default profile is 1.33, whose text names the taint
    const st = TaintToleration.filter(preparePod(aPod('p', { tolerations }), s), s.nodes[0]);
    expect(st?.reasons[0] ?? null).toBe(reason);
  });
});

describe('NodeAffinity', () => {
  const node = aNode('n1', { labels: { disktype: 'ssd', gen: '5' } });
  const term = (e: object[], f: object[] = []) => [{ matchExpressions: e, matchFields: f }] as Pod['requiredNodeAffinity'];
  it.each([
    ['nodeSelector match', { nodeSelector: { disktype: 'ssd' } }, true],
    ['nodeSelector mismatch', { nodeSelector: { disktype: 'hdd' } }, false],
    ['In', { requiredNodeAffinity: term([{ key: 'disktype', operator: 'In', values: ['ssd', 'nvme'] }]) }, true],
    ['NotIn on a missing key', { requiredNodeAffinity: term([{ key: 'zone', operator: 'NotIn', values: ['a'] }]) }, true],
    ['DoesNotExist', { requiredNodeAffinity: term([{ key: 'disktype', operator: 'DoesNotExist', values: [] }]) }, false],
    ['Gt', { requiredNodeAffinity: term([{ key: 'gen', operator: 'Gt', values: ['4'] }]) }, true],
    ['Lt', { requiredNodeAffinity: term([{ key: 'gen', operator: 'Lt', values: ['4'] }]) }, false],
    ['matchFields metadata.name', { requiredNodeAffinity: term([], [{ key: 'metadata.name', operator: 'In', values: ['n1'] }]) }, true],
    ['empty term matches nothing', { requiredNodeAffinity: term([]) }, false],
  ])('%s', (_n, opts, fits) => {
    const s = stateWith([node]);
    const st = NodeAffinity.filter(preparePod(aPod('p', opts as object)), s.nodes[0]);
    expect(st === null).toBe(fits);
    if (st) expect(st.reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
  });
  it('PreFilter narrows to metadata.name In and reports the others as absent', () => {
    const s = stateWith([aNode('a'), aNode('b')]);
    const pod = aPod('ds', { requiredNodeAffinity: term([], [{ key: 'metadata.name', operator: 'In', values: ['b'] }]) });
    const r = schedulePod(s, pod);
    expect(r.feasibleNodes).toEqual(['b']);
    expect(r.nodes[0]).toMatchObject({ plugin: 'NodeAffinity(PreFilter)', reasons: ["node(s) didn't satisfy plugin(s) [NodeAffinity]"], code: 'UnschedulableAndUnresolvable' });
  });
  it('PreFilter rejects conflicting metadata.name terms', () => {
    const s = stateWith([aNode('a')]);
    const pod = aPod('x', { requiredNodeAffinity: term([], [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }]) });
    expect(schedulePod(s, pod).message).toBe('0/1 nodes are available: pod affinity terms conflict. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
  });
});

describe('NodeResourcesFit', () => {
  it('a node without allocatable.pods allows no pod', () => {
    const s = stateWith([aNode('n1', { allocatable: { cpu: 4000 } })]);
    expect(NodeResourcesFit.filter(preparePod(aPod('p')), s.nodes[0])?.reasons).toEqual(['Too many pods']);
  });
  it('reports Too many pods first, then every insufficient resource', () => {
    const s = stateWith([aNode('n1', { pods: 1, cpu: 1000, memory: 1024 })], [aPod('hog', { node: 'n1', requests: { cpu: 800 } })]);
    const st = NodeResourcesFit.filter(preparePod(aPod('p', { requests: { cpu: 500, memory: 2048, 'example.com/gpu': 1 } })), s.nodes[0]);
    expect(st?.reasons).toEqual(['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient example.com/gpu']);
    expect(st?.blockers[1]).toEqual({ kind: 'resource', resource: 'cpu', requested: 500, used: 800, allocatable: 1000 });
  });
  it('computes pod requests with sidecars and init containers', () => {
    const pod = aPod('p', {
      containers: [aContainer('a', { requests: { cpu: 100 } })],
      initContainers: [aContainer('side', { restartPolicy: 'Always', requests: { cpu: 50 } }), aContainer('init', { requests: { cpu: 500 } })],
    });
    expect(podRequests(pod)).toEqual({ cpu: 550 });
  });
  it('runs the filters in upstream order', () => {
    expect(FILTERS.map((f) => f.name)).toEqual(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'NodeVolumeLimits', 'VolumeBinding', 'VolumeZone', 'PodTopologySpread', 'InterPodAffinity']);
  });
});

describe('FailedScheduling message and preemption', () => {
  it('sorts histogram entries as strings', () => {
    expect(histogram(['b', ...Array(10).fill('node(s) x'), 'Insufficient cpu', 'Insufficient cpu'])).toBe('1 b, 10 node(s) x, 2 Insufficient cpu');
  });
  it('first failure per node wins: taint hides the port conflict', () => {
    const s = stateWith([aNode('n1', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })], [aPod('h', { node: 'n1', hostPorts: [80] })]);
    const v = evaluateNode(preparePod(aPod('p', { hostPorts: [80] }), s), s.nodes[0], s);
    expect(v).toMatchObject({ plugin: 'TaintToleration', reasons: ['node(s) had untolerated taint {k: v}'] });
  });
  it('preempts only the lower-priority pod that holds the port, reprieving the others', () => {
    const s = stateWith([aNode('n1', { pods: 3 })], [aPod('low-port', { node: 'n1', hostPorts: [8080] }), aPod('low-other', { node: 'n1' }), aPod('same', { node: 'n1', priority: 1000 })]);
    const r = schedulePod(s, aPod('high', { priority: 1000, hostPorts: [8080] }));
    expect(r.preemption).toEqual({ nominatedNodeName: 'n1', victims: ['default/low-port'] });
    // NodePorts runs before NodeResourcesFit, so the port conflict is the node's reason; no suffix on success
    expect(r.message).toBe("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
  });
  it('reports the filter reason when removing every lower-priority pod is not enough', () => {
    const s = stateWith([aNode('n1')], [aPod('same', { node: 'n1', priority: 5, hostPorts: [80] }), aPod('low', { node: 'n1' })]);
    expect(schedulePod(s, aPod('p', { priority: 5, hostPorts: [80] })).message).toBe(
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.",
    );
  });
});

describe('empty cluster', () => {
  it('answers ErrNoNodesAvailable', () => {
    expect(schedulePod(buildSchedulingState(aSnapshot()), aPod('p')).message).toBe('no nodes available to schedule pods');
  });
});

describe('kubelet admission', () => {
  it('rejects an over-committed pinned pod with OutOfcpu', () => {
    const s = stateWith([aNode('n1')], [aPod('hog', { node: 'n1', requests: { cpu: 3500 } })]);
    const r = schedulePod(s, aPod('p', { node: 'n1', phase: 'Pending', requests: { cpu: 1000 } }));
    expect(r.scheduler).toBe(false);
    expect(r.kubeletAdmission).toEqual({ node: 'n1', admit: false, podPhase: 'Failed', reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, used: 3500, capacity: 4000" });
  });
  it('does not conflict with itself when the pod is already bound in the snapshot', () => {
    const bound = aPod('p', { node: 'n1', hostPorts: [80] });
    expect(kubeletAdmission(stateWith([aNode('n1')], [bound]), bound).admit).toBe(true);
  });
});

describe('runtime predictions', () => {
  const snap = (extra: Partial<Parameters<typeof aSnapshot>[0]> = {}) =>
    buildSchedulingState(aSnapshot({ nodes: [aNode('n1')], ...extra }));
  it('hostNetwork nginx without ports vs an observed host listener', () => {
    const s = snap({ hostStates: [{ node: 'n1', listeners: [{ address: '0.0.0.0', port: 80, protocol: 'TCP', process: 'haproxy', pid: 7 }], extraAddresses: [] }] });
    const r = schedulePod(s, aPod('web', { hostNetwork: true, image: 'nginx:1.27' }));
    expect(r.nodes[0].runtime).toEqual([
      { kind: 'bind-conflict', message: 'bind() to 0.0.0.0:80 failed (98: Address in use)', consequence: 'CrashLoopBackOff', certainty: 'observed', port: 80, protocol: 'TCP', holder: { kind: 'host-listener', name: 'haproxy (pid 7)' } },
    ]);
  });
  it('declared hostNetwork port vs host listener is observed', () => {
    const s = snap({ hostStates: [{ node: 'n1', listeners: [{ address: '::', port: 9100, protocol: 'TCP' }], extraAddresses: [] }] });
    const r = schedulePod(s, aPod('exp', { hostNetwork: true, hostPorts: [9100] }));
    expect(r.nodes[0].runtime[0]).toMatchObject({ kind: 'bind-conflict', certainty: 'observed', port: 9100 });
  });
  it('hostPort equal to a NodePort is shadowed; hostPort over a listener captures it', () => {
    const s = snap({
      services: [aService('web', { namespace: 'demo', ports: [{ port: 80, nodePort: 30080 }] })],
      hostStates: [{ node: 'n1', listeners: [{ address: '0.0.0.0', port: 22, protocol: 'TCP', process: 'sshd' }], extraAddresses: [] }],
    });
    const r = schedulePod(s, aPod('p', { hostPorts: [30080, 22] }));
    expect(r.nodes[0].runtime.map((x) => [x.kind, x.port, x.holder?.name])).toEqual([
      ['hostport-shadowed', 30080, 'demo/web'],
      ['hostport-captures-listener', 22, 'sshd'],
    ]);
  });
  it('hostPort without portmap does nothing', () => {
    const base = aSnapshot({ nodes: [aNode('n1')] });
    base.profile.cni = { ...base.profile.cni, portmap: undefined };
    const r = schedulePod(buildSchedulingState(base), aPod('p', { hostPorts: [8080] }));
    expect(r.nodes[0].runtime[0].kind).toBe('no-portmap');
  });
  it('queries do not mutate the shared state', () => {
    const s = snap({ pods: [aPod('a', { node: 'n1', hostPorts: [80] })] });
    const before = s.nodes[0].pods.length;
    schedulePod(s, aPod('b', { hostPorts: [81] }));
    expect(s.nodes[0].pods.length).toBe(before);
  });
});

describe('runtime predictions: hostNetwork undeclared port under a portmap hostPort', () => {
  it('reports that the hostPort DNAT takes the traffic', () => {
    const s = buildSchedulingState(aSnapshot({ nodes: [aNode('n1')], pods: [aPod('hp', { node: 'n1', hostPorts: [80] })] }));
    const r = schedulePod(s, aPod('web', { hostNetwork: true, image: 'nginx' }));
    expect(r.nodes[0].runtime).toEqual([expect.objectContaining({ kind: 'hostport-captures-listener', certainty: 'assumed', port: 80, holder: { kind: 'hostPort', name: 'default/hp' } })]);
  });
});

describe('runtime predictions: kube-proxy health check port', () => {
  it('a hostNetwork pod binding a healthCheckNodePort fails: kube-proxy listens there', () => {
    const s = buildSchedulingState(aSnapshot({ nodes: [aNode('n1')], services: [aService('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ports: [{ port: 80, nodePort: 30080 }] })] }));
    const r = schedulePod(s, aPod('hc', { hostNetwork: true, hostPorts: [32000] }));
    expect(r.nodes[0].runtime[0]).toMatchObject({ kind: 'bind-conflict', certainty: 'declared', holder: { kind: 'host-listener', name: 'kube-proxy (healthCheckNodePort of default/lb)' } });
  });
});
