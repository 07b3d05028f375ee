/**
 * Table tests for the volume plugins, ported from upstream's volumerestrictions/volume_restrictions_test.go,
 * nodevolumelimits/csi_test.go, volumebinding/volume_binding_test.go and volumezone/volume_zone_test.go (case names
 * kept where a case is upstream's), run through the adapter and the whole filter chain.
 */
import { buildSnapshot, podFromObject } from '../adapter';
import { buildSchedulingState } from './state';
import { schedulePod } from './schedule';

type Obj = Record<string, unknown>;

function node(name: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
}
function pod(name: string, volumes: Obj[], nodeName?: string): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }], volumes }, status: { phase: nodeName ? 'Running' : 'Pending' } };
}
const claimVol = (claimName: string, name = claimName): Obj => ({ name, persistentVolumeClaim: { claimName } });
function pvc(name: string, spec: Obj, bound = true): Obj {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec }, status: { phase: bound ? 'Bound' : 'Pending' } };
}
function pv(name: string, spec: Obj, labels: Record<string, string> = {}, phase = 'Bound'): Obj {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, ...spec }, status: { phase } };
}
const sc = (name: string, provisioner: string, mode: string, extra: Obj = {}): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode, ...extra });
const hostAffinity = (host: string): Obj => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } });

function run(objects: Obj[], incoming: Obj, version = '1.35') {
  const state = buildSchedulingState(buildSnapshot(objects, { profile: { kubernetesVersion: version } }).snapshot);
  const r = schedulePod(state, podFromObject(incoming));
  const verdicts: Record<string, { plugin?: string; reasons: string[]; code?: string } | 'fits'> = {};
  for (const v of r.nodes) verdicts[v.node] = v.feasible ? 'fits' : { plugin: v.plugin, reasons: v.reasons, code: v.code };
  return { r, verdicts };
}

describe('VolumeRestrictions (volume_restrictions_test.go)', () => {
  const gce = (pdName: string, readOnly = false): Obj => ({ name: 'd', gcePersistentDisk: { pdName, readOnly } });
  it.each([
    ['TestGCEDiskConflicts nothing', [], [gce('foo')], 'fits'],
    ['TestGCEDiskConflicts one state', [gce('foo')], [gce('bar')], 'fits'],
    ['TestGCEDiskConflicts same state', [gce('foo')], [gce('foo')], 'conflict'],
    ['GCE PD read-only on both sides shares the disk', [gce('foo', true)], [gce('foo', true)], 'fits'],
    ['TestAWSDiskConflicts same state', [{ name: 'd', awsElasticBlockStore: { volumeID: 'vol-1' } }], [{ name: 'd', awsElasticBlockStore: { volumeID: 'vol-1', readOnly: true } }], 'conflict'],
    ['TestRBDDiskConflicts same state', [{ name: 'd', rbd: { monitors: ['a', 'b'], image: 'foo' } }], [{ name: 'd', rbd: { monitors: ['b', 'c'], pool: 'rbd', image: 'foo' } }], 'conflict'],
    ['TestRBDDiskConflicts different state', [{ name: 'd', rbd: { monitors: ['a', 'b'], image: 'foo' } }], [{ name: 'd', rbd: { monitors: ['c'], image: 'foo' } }], 'fits'],
    ['TestISCSIDiskConflicts same state', [{ name: 'd', iscsi: { targetPortal: '127.0.0.1:3260', iqn: 'iqn.2016-12.server:storage.target01', lun: 0 } }], [{ name: 'd', iscsi: { targetPortal: '127.0.0.1:3260', iqn: 'iqn.2016-12.server:storage.target01', lun: 0 } }], 'conflict'],
  ])('%s', (_n, existing, wanted, want) => {
    const objs = [node('n1'), ...(existing.length ? [pod('old', existing as Obj[], 'n1')] : []), pv('unused', {})];
    const { verdicts } = run(objs, pod('new', wanted as Obj[]));
    expect(verdicts['n1']).toEqual(want === 'fits' ? 'fits' : { plugin: 'VolumeRestrictions', reasons: ['node(s) had no available disk'], code: 'Unschedulable' });
  });

  const rwop = (name: string) => pvc(name, { accessModes: ['ReadWriteOncePod'], volumeName: `pv-${name}` });
  it('TestAccessModeConflicts failed to get PVC: PreFilter UnschedulableAndUnresolvable on every node', () => {
    const { r, verdicts } = run([node('n1'), node('n2'), rwop('claim-with-rwop-2')], pod('new', [claimVol('claim-with-rwop-1')]));
    expect(verdicts['n1']).toEqual({ plugin: 'VolumeRestrictions(PreFilter)', reasons: ['persistentvolumeclaim "claim-with-rwop-1" not found'], code: 'UnschedulableAndUnresolvable' });
    expect(r.message).toBe('0/2 nodes are available: persistentvolumeclaim "claim-with-rwop-1" not found. no new claims to deallocate, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  });
  it('TestAccessModeConflicts no access mode conflict', () => {
    const objs = [node('n1'), rwop('claim-with-rwop-1'), rwop('claim-with-rwop-2'), pod('old', [claimVol('claim-with-rwop-2')], 'n1'), pv('pv-claim-with-rwop-1', {})];
    expect(run(objs, pod('new', [claimVol('claim-with-rwop-1')])).verdicts['n1']).toBe('fits');
  });
  it('TestAccessModeConflicts access mode conflict, unschedulable; a lower-priority holder can be preempted', () => {
    const holder = { ...pod('old', [claimVol('claim-with-rwop-1')], 'n1') };
    const objs = [node('n1'), node('n2'), rwop('claim-with-rwop-1'), holder, pv('pv-claim-with-rwop-1', {})];
    const high = pod('new', [claimVol('claim-with-rwop-1')]);
    (high['spec'] as Obj)['priority'] = 100;
    const { r, verdicts } = run(objs, high);
    expect(verdicts['n2']).toEqual({ plugin: 'VolumeRestrictions', reasons: ['node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode'], code: 'Unschedulable' });
    // removing the holder (RemovePod) frees the claim only where the holder runs
    expect(r.preemption).toEqual({ nominatedNodeName: 'n1', victims: ['default/old'] });
  });
});

describe('NodeVolumeLimits (csi_test.go)', () => {
  const csiNode = (count: number): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'n1' }, spec: { drivers: [{ name: 'ebs.csi.aws.com', nodeID: 'i-1', allocatable: { count } }] } });
  const ebs = (n: number): Obj[] => [pvc(`c${n}`, { volumeName: `v${n}` }), pv(`v${n}`, { csi: { driver: 'ebs.csi.aws.com', volumeHandle: `vol-${n}` } })];
  const base = [node('n1'), ...ebs(1), ...ebs(2), ...ebs(3), pod('old', [claimVol('c1'), claimVol('c2')], 'n1')];
  it('one new volume over the limit: exceed max volume count (Unschedulable)', () => {
    expect(run([...base, csiNode(2)], pod('new', [claimVol('c3')])).verdicts['n1']).toEqual({ plugin: 'NodeVolumeLimits', reasons: ['node(s) exceed max volume count'], code: 'Unschedulable' });
  });
  it('a volume already attached to the node is not counted again', () => {
    expect(run([...base, csiNode(2)], pod('new', [claimVol('c2')])).verdicts['n1']).toBe('fits');
  });
  it('within the limit, and without a CSINode there is no limit', () => {
    expect(run([...base, csiNode(3)], pod('new', [claimVol('c3')])).verdicts['n1']).toBe('fits');
    expect(run(base, pod('new', [claimVol('c3')])).verdicts['n1']).toBe('fits');
  });
});

describe('VolumeBinding (volume_binding_test.go)', () => {
  const nodes = [node('node-a'), node('node-b')];
  it('pod has no pvcs: Skip, every node fits', () => {
    expect(run([...nodes, sc('wait', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer')], pod('p', [])).r.feasibleNodes).toEqual(['node-a', 'node-b']);
  });
  it('all bound', () => {
    const objs = [...nodes, pvc('pvc-a', { volumeName: 'pv-a' }), pv('pv-a', {})];
    expect(run(objs, pod('p', [claimVol('pvc-a')])).r.feasibleNodes).toEqual(['node-a', 'node-b']);
  });
  it('immediate claims not bound', () => {
    const objs = [...nodes, sc('immediate-sc', 'kubernetes.io/no-provisioner', 'Immediate'), pvc('pvc-a', { storageClassName: 'immediate-sc' }, false)];
    const { r, verdicts } = run(objs, pod('p', [claimVol('pvc-a')]));
    expect(verdicts['node-a']).toEqual({ plugin: 'VolumeBinding(PreFilter)', reasons: ['pod has unbound immediate PersistentVolumeClaims'], code: 'UnschedulableAndUnresolvable' });
    expect(r.message).toBe('0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. no new claims to deallocate, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  });
  it('unbound claims no matches', () => {
    const objs = [...nodes, sc('wait-sc', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'), pvc('pvc-a', { storageClassName: 'wait-sc' }, false)];
    expect(run(objs, pod('p', [claimVol('pvc-a')])).verdicts['node-b']).toEqual({ plugin: 'VolumeBinding', reasons: ["node(s) didn't find available persistent volumes to bind"], code: 'UnschedulableAndUnresolvable' });
  });
  it('unbound claim matches the available local PV of its node only', () => {
    const objs = [...nodes, sc('wait-sc', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'), pvc('pvc-a', { storageClassName: 'wait-sc' }, false), pv('pv-a', { storageClassName: 'wait-sc', nodeAffinity: hostAffinity('node-a') }, {}, 'Available')];
    const { r, verdicts } = run(objs, pod('p', [claimVol('pvc-a')]));
    expect(r.feasibleNodes).toEqual(['node-a']);
    expect(verdicts['node-b']).toMatchObject({ plugin: 'VolumeBinding', reasons: ["node(s) didn't find available persistent volumes to bind"] });
  });
  it('bound and unbound unsatisfied: both reasons, node conflict first', () => {
    const objs = [...nodes, sc('wait-sc', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'), pvc('pvc-a', { volumeName: 'pv-a' }), pv('pv-a', { nodeAffinity: hostAffinity('node-a') }), pvc('pvc-b', { storageClassName: 'wait-sc' }, false)];
    expect(run(objs, pod('p', [claimVol('pvc-a'), claimVol('pvc-b')])).verdicts['node-b']).toEqual({ plugin: 'VolumeBinding', reasons: ["node(s) didn't match PersistentVolume's node affinity", "node(s) didn't find available persistent volumes to bind"], code: 'UnschedulableAndUnresolvable' });
  });
  it("dynamic provisioning honours the class's allowedTopologies", () => {
    const topo = { allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['z1'] }] }] };
    const objs = [node('node-a', { 'topology.kubernetes.io/zone': 'z1' }), node('node-b', { 'topology.kubernetes.io/zone': 'z2' }), sc('gp3', 'ebs.csi.aws.com', 'WaitForFirstConsumer', topo), pvc('pvc-a', { storageClassName: 'gp3' }, false)];
    expect(run(objs, pod('p', [claimVol('pvc-a')])).r.feasibleNodes).toEqual(['node-a']);
  });
  it('PVC does not exist (VolumeRestrictions PreFilter sees it first)', () => {
    expect(run(nodes.concat([pv('x', {})]), pod('p', [claimVol('pvc-a')])).verdicts['node-a']).toMatchObject({ reasons: ['persistentvolumeclaim "pvc-a" not found'], code: 'UnschedulableAndUnresolvable' });
  });
  it('the node-affinity reason follows the version: 1.32 "had volume node affinity conflict"', () => {
    const objs = [...nodes, pvc('pvc-a', { volumeName: 'pv-a' }), pv('pv-a', { nodeAffinity: hostAffinity('node-a') })];
    expect(run(objs, pod('p', [claimVol('pvc-a')]), '1.32').verdicts['node-b']).toMatchObject({ reasons: ['node(s) had volume node affinity conflict'] });
  });
});

describe('VolumeZone (volume_zone_test.go)', () => {
  const zoneNode = (name: string, zone?: string) => node(name, zone ? { 'topology.kubernetes.io/zone': zone } : {});
  const objs = (pvLabels: Record<string, string>) => [zoneNode('n-a', 'us-west1-a'), zoneNode('n-b', 'us-west1-b'), zoneNode('n-none'), pvc('pvc-a', { volumeName: 'pv-a' }), pv('pv-a', {}, pvLabels)];
  it('label zone failure domain matched / mismatched; node without zone labels fits', () => {
    const { verdicts } = run(objs({ 'topology.kubernetes.io/zone': 'us-west1-a' }), pod('p', [claimVol('pvc-a')]));
    expect(verdicts).toEqual({ 'n-a': 'fits', 'n-none': 'fits', 'n-b': { plugin: 'VolumeZone', reasons: ['node(s) had no available volume zone'], code: 'UnschedulableAndUnresolvable' } });
  });
  it('multi-zone PV label ("__" list) and beta label matched against the GA node label', () => {
    expect(run(objs({ 'topology.kubernetes.io/zone': 'us-west1-a__us-west1-b' }), pod('p', [claimVol('pvc-a')])).r.feasibleNodes.sort()).toEqual(['n-a', 'n-b', 'n-none']);
    expect(run(objs({ 'failure-domain.beta.kubernetes.io/zone': 'us-west1-b' }), pod('p', [claimVol('pvc-a')])).r.feasibleNodes.sort()).toEqual(['n-b', 'n-none']);
  });
  it('bound claim whose PV is missing: PreFilter persistentvolume not found', () => {
    const { verdicts } = run([zoneNode('n-a', 'us-west1-a'), pvc('pvc-a', { volumeName: 'pv-gone' })], pod('p', [claimVol('pvc-a')]));
    expect(verdicts['n-a']).toEqual({ plugin: 'VolumeZone(PreFilter)', reasons: ['persistentvolume "pv-gone" not found'], code: 'UnschedulableAndUnresolvable' });
  });
});

describe('PriorityClasses from the snapshot (Priority admission)', () => {
  const pc = (name: string, value: number, extra: Obj = {}): Obj => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });
  const holder = (): Obj => {
    const p = pod('low', [], 'n1');
    (p['spec'] as Obj)['priority'] = 0;
    (p['spec'] as Obj)['containers'] = [{ name: 'c', image: 'registry.k8s.io/pause:3.9', ports: [{ containerPort: 80, hostPort: 8080 }] }];
    return p;
  };
  const incoming = (spec: Obj): Obj => {
    const p = pod('high', []);
    Object.assign(p['spec'] as Obj, spec, { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    return p;
  };
  it('priorityClassName gives the value that lets the pod preempt', () => {
    const { r } = run([node('n1'), holder(), pc('high', 1000)], incoming({ priorityClassName: 'high' }));
    expect(r.preemption).toEqual({ nominatedNodeName: 'n1', victims: ['default/low'] });
  });
  it("the class's preemptionPolicy Never applies", () => {
    const { r } = run([node('n1'), holder(), pc('high-never', 1000, { preemptionPolicy: 'Never' })], incoming({ priorityClassName: 'high-never' }), '1.33');
    expect(r.preemption).toBeUndefined();
    expect(r.message).toBe("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: not eligible due to preemptionPolicy=Never.");
  });
  it('a pod without a class gets the globalDefault class; spec.priority wins over the class', () => {
    expect(run([node('n1'), holder(), pc('default-high', 50, { globalDefault: true })], incoming({})).r.preemption?.nominatedNodeName).toBe('n1');
    expect(run([node('n1'), holder(), pc('high', 1000)], incoming({ priorityClassName: 'high', priority: 0 })).r.preemption).toBeUndefined();
  });
});

describe('DefaultPreemption with PodDisruptionBudgets (default_preemption_test.go)', () => {
  const cpuNode = (name: string) => ({ ...node(name), status: { allocatable: { cpu: '1', memory: '8Gi', pods: '110' } } });
  const busy = (name: string, nodeName: string, labels: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName, priority: 0, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '800m' } } }] },
    status: { phase: 'Running' },
  });
  const pdb = (allowed: number): Obj => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: allowed } });
  const high = (): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'high', namespace: 'default' }, spec: { priority: 100, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '500m' } } }] } });
  const cluster = [cpuNode('n1'), cpuNode('n2'), busy('db-0', 'n1', { app: 'db' }), busy('web-0', 'n2', { app: 'web' })];
  it('prefers the node whose victims violate no PodDisruptionBudget', () => {
    expect(run([...cluster, pdb(0)], high()).r.preemption).toEqual({ nominatedNodeName: 'n2', victims: ['default/web-0'] });
  });
  it('a PDB that still allows the disruption does not count', () => {
    expect(run([...cluster, pdb(1)], high()).r.preemption).toEqual({ nominatedNodeName: 'n1', victims: ['default/db-0'] });
  });
  it('a violating victim is still taken when it is the only way', () => {
    expect(run([cpuNode('n1'), busy('db-0', 'n1', { app: 'db' }), pdb(0)], high()).r.preemption).toEqual({ nominatedNodeName: 'n1', victims: ['default/db-0'] });
  });
});

describe('schedulingGates', () => {
  it('a gated pod is not attempted, and the answer says so', () => {
    const gated = pod('p', []);
    (gated['spec'] as Obj)['schedulingGates'] = [{ name: 'example.com/quota' }];
    const { r } = run([node('n1')], gated);
    expect(r).toMatchObject({ feasibleNodes: [], nodes: [], message: 'Scheduling is blocked due to non-empty scheduling gates', schedulingGated: { reason: 'SchedulingGated', gates: ['example.com/quota'] } });
  });
});

describe('nothing dropped silently', () => {
  it('resourceClaims, overhead, runtimeClassName, pod-level resources and another scheduler are named, certainty reduced', () => {
    const p = pod('p', []);
    Object.assign(p['spec'] as Obj, { resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }], runtimeClassName: 'kata', overhead: { cpu: '250m' }, resources: { requests: { cpu: '1' } }, schedulerName: 'volcano' });
    const { r } = run([node('n1')], p);
    expect(r.certainty).toBe('reduced');
    expect(r.unmodelled?.map((u) => [u.code, u.field])).toEqual([
      ['DynamicResourcesNotEvaluated', 'spec.resourceClaims'],
      ['PodOverheadNotModelled', 'spec.overhead'],
      ['RuntimeClassNotModelled', 'spec.runtimeClassName'],
      ['PodLevelResourcesNotModelled', 'spec.resources'],
      ['OtherScheduler', 'spec.schedulerName'],
    ]);
  });
  it('a claim in a snapshot without storage objects: volume filters not evaluated, said so', () => {
    const state = buildSchedulingState(buildSnapshot([node('n1')]).snapshot);
    const r = schedulePod(state, podFromObject(pod('p', [claimVol('data')])));
    expect(r.feasibleNodes).toEqual(['n1']);
    expect(r).toMatchObject({ certainty: 'reduced', unmodelled: [{ code: 'VolumesNotInSnapshot', field: 'spec.volumes' }] });
  });
  it('preferred affinity and ScheduleAnyway spread are named: they would rank the feasible nodes', () => {
    const p = pod('p', []);
    Object.assign(p['spec'] as Obj, {
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'p' } }, topologyKey: 'kubernetes.io/hostname' } }] } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'p' } } }],
    });
    const { r } = run([node('n1')], p);
    expect(r.feasibleNodes).toEqual(['n1']);
    expect(r.unmodelled?.map((u) => [u.code, u.field])).toEqual([
      ['PreferencesNotScored', 'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution'],
      ['PreferencesNotScored', 'spec.topologySpreadConstraints[whenUnsatisfiable=ScheduleAnyway]'],
    ]);
  });
  it('a plain pod carries no finding', () => {
    const r = run([node('n1')], pod('p', [])).r;
    expect(r.unmodelled).toBeUndefined();
    expect(r.certainty).toBeUndefined();
  });
});
