/**
 * Table tests ported from upstream's filter tests (the case names are theirs):
 * pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go (TestRequiredAffinitySingleNode,
 * TestRequiredAffinityMultipleNodes) and podtopologyspread/filtering_test.go (TestSingleConstraint). Each builds the
 * objects as a user would upload them and asks the scheduler about one pod.
 */
import { buildSnapshot, podFromObject } from '../../adapter';
import { buildSchedulingState, schedulePod } from '..';

type Obj = Record<string, unknown>;
const node = (name: string, labels: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } });
const pod = (name: string, o: { ns?: string; labels?: Record<string, string>; node?: string; affinity?: Obj; spread?: Obj[] } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: o.ns ?? 'default', labels: o.labels ?? {} },
  spec: { ...(o.node ? { nodeName: o.node } : {}), ...(o.affinity ? { affinity: o.affinity } : {}), ...(o.spread ? { topologySpreadConstraints: o.spread } : {}), containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] },
  status: o.node ? { phase: 'Running' } : {},
});
const term = (sel: Obj, topologyKey: string, extra: Obj = {}) => ({ labelSelector: sel, topologyKey, ...extra });
const aff = (terms: Obj[]) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const anti = (terms: Obj[]) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const inOp = (key: string, ...values: string[]) => ({ matchExpressions: [{ key, operator: 'In', values }] });

function verdicts(objects: Obj[], incoming: Obj): Record<string, string> {
  const state = buildSchedulingState(buildSnapshot(objects).snapshot);
  const r = schedulePod(state, podFromObject(incoming));
  const out: Record<string, string> = {};
  for (const v of r.nodes) out[v.node] = v.feasible ? 'ok' : `${v.code}: ${v.reasons.join('; ')}`;
  return out;
}

const AFF = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const EXISTING = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";

describe('InterPodAffinity (interpodaffinity/filtering_test.go)', () => {
  const n1 = node('machine1', { region: 'r1', zone: 'z11' });
  const security = { security: 'S1' };
  it.each<[string, Obj[], Obj, string]>([
    ['A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods', [n1], pod('p'), 'ok'],
    ['satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod', [n1, pod('e', { labels: security, node: 'machine1' })], pod('p', { affinity: aff([term(inOp('security', 'S1'), 'region')]) }), 'ok'],
    ['satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod', [n1, pod('e', { labels: security, node: 'machine1' })], pod('p', { affinity: aff([term({ matchExpressions: [{ key: 'security', operator: 'NotIn', values: ['securityscan3', 'value3'] }] }, 'region')]) }), 'ok'],
    ['Does not satisfy the PodAffinity with labelSelector because of diff Namespace', [n1, pod('e', { ns: 'ns', labels: security, node: 'machine1' })], pod('p', { affinity: aff([term(inOp('security', 'S1'), 'region', { namespaces: ['DiffNameSpace'] })]) }), AFF],
    ["Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod", [n1, pod('e', { labels: security, node: 'machine1' })], pod('p', { affinity: aff([term(inOp('service', 'antivirusscan', 'value2'), 'region')]) }), AFF],
    ['satisfies the PodAffinity and PodAntiAffinity with the existing pod', [n1, pod('e', { labels: security, node: 'machine1' })], pod('p', { affinity: { ...aff([term(inOp('security', 'S1'), 'region')]), ...anti([term(inOp('antivirusscan', 'value2'), 'node')]) } }), 'ok'],
    ["satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod", [n1, pod('e', { labels: security, node: 'machine1' })], pod('p', { affinity: { ...aff([term(inOp('security', 'S1'), 'region')]), ...anti([term(inOp('security', 'S1'), 'zone')]) } }), ANTI],
    [
      "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
      [n1, pod('e', { labels: security, node: 'machine1', affinity: anti([term(inOp('security', 'S1'), 'zone')]) })],
      pod('p', { labels: security, affinity: { ...aff([term(inOp('security', 'S1'), 'region')]), ...anti([term(inOp('antivirusscan', 'value2'), 'zone')]) } }),
      EXISTING,
    ],
    ['pod matches its own Label in PodAffinity and that matches the existing pod Labels', [n1, pod('e', { labels: { security: 'S2' }, node: 'machine1' })], pod('p', { labels: security, affinity: aff([term(inOp('security', 'S2'), 'region')]) }), 'ok'],
    ['satisfies the PodAffinity of a pod that is the first of a series matching its own terms (no pod matches anywhere)', [n1], pod('p', { labels: security, affinity: aff([term(inOp('security', 'S1'), 'region')]) }), 'ok'],
    ["the first of a series still needs the term's topology label on the node", [node('m2', {})], pod('p', { labels: security, affinity: aff([term(inOp('security', 'S1'), 'region')]) }), AFF],
    ['verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints', [n1, pod('e', { labels: security, node: 'machine1', affinity: anti([term(inOp('security', 'S1'), 'zone')]) })], pod('p', { labels: security }), EXISTING],
    ['an existing anti-affinity in another namespace does not look at this pod', [n1, pod('e', { ns: 'other', labels: security, node: 'machine1', affinity: anti([term(inOp('security', 'S1'), 'zone')]) })], pod('p', { labels: security }), 'ok'],
    [
      'namespaceSelector: an existing pod in a namespace the selector matches satisfies the affinity',
      [n1, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } }, pod('e', { ns: 'team-a', labels: security, node: 'machine1' })],
      pod('p', { affinity: aff([term(inOp('security', 'S1'), 'region', { namespaceSelector: { matchLabels: { team: 'a' } } })]) }),
      'ok',
    ],
    ['matchLabelKeys merges the pod\'s own value into the selector', [n1, pod('e', { labels: { app: 'web', rev: 'v1' }, node: 'machine1' })], pod('p', { labels: { app: 'web', rev: 'v2' }, affinity: anti([term({ matchLabels: { app: 'web' } }, 'kubernetes.io/hostname', { matchLabelKeys: ['rev'] })]) }), 'ok'],
  ])('%s', (_name, objects, incoming, want) => {
    expect(verdicts(objects, incoming)['machine1'] ?? verdicts(objects, incoming)['m2']).toBe(want);
  });

  it('names the existing pod whose anti-affinity rejects the node', () => {
    const state = buildSchedulingState(buildSnapshot([n1, pod('guard', { labels: security, node: 'machine1', affinity: anti([term(inOp('security', 'S1'), 'zone')]) })]).snapshot);
    const v = schedulePod(state, podFromObject(pod('p', { labels: security }))).nodes[0];
    expect(v?.blockers).toEqual([expect.objectContaining({ kind: 'podAffinity', rule: 'existing-anti-affinity', topologyKey: 'zone', value: 'z11', pods: [{ kind: 'Pod', namespace: 'default', name: 'guard' }] })]);
  });
});

describe('PodTopologySpread (podtopologyspread/filtering_test.go TestSingleConstraint)', () => {
  const zones = [node('node-a', { zone: 'zone1', node: 'node-a' }), node('node-b', { zone: 'zone1', node: 'node-b' }), node('node-x', { zone: 'zone2', node: 'node-x' }), node('node-y', { zone: 'zone2', node: 'node-y' })];
  const foo = { foo: '' };
  const c = (topologyKey: string, maxSkew = 1, extra: Obj = {}) => ({ maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] }, ...extra });
  const on = (counts: Record<string, number>, ns = 'default') => Object.entries(counts).flatMap(([n, k]) => Array.from({ length: k }, (_, i) => pod(`${n}-${i}-${ns}`, { ns, labels: foo, node: n })));
  const SKEW = "Unschedulable: node(s) didn't match pod topology spread constraints";
  const LABEL = "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)";
  it.each<[string, Obj[], Obj, Record<string, string>]>([
    ['no existing pods', zones, pod('p', { labels: foo, spread: [c('zone')] }), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' }],
    ["no existing pods, incoming pod doesn't match itself", zones, pod('p', { labels: { bar: '' }, spread: [c('zone')] }), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' }],
    ['existing pods in a different namespace do not count', [...zones, ...on({ 'node-a': 1, 'node-b': 2 }, 'ns1')], pod('p', { labels: foo, spread: [c('zone')] }), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' }],
    ['pods spread across zones as 3/3, all nodes fit', [...zones, ...on({ 'node-a': 1, 'node-b': 2, 'node-x': 2, 'node-y': 1 })], pod('p', { labels: foo, spread: [c('zone')] }), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' }],
    [
      "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
      [zones[0] as Obj, node('node-b', { zon: 'zone1', node: 'node-b' }), zones[2] as Obj, zones[3] as Obj, ...on({ 'node-a': 1, 'node-x': 2 })],
      pod('p', { labels: foo, spread: [c('zone')] }),
      { 'node-a': 'ok', 'node-b': LABEL, 'node-x': SKEW, 'node-y': SKEW },
    ],
    ["pod cannot be scheduled as all nodes don't have label 'rack'", zones.slice(0, 2), pod('p', { labels: foo, spread: [c('rack')] }), { 'node-a': LABEL, 'node-b': LABEL }],
    ['pods spread across nodes as 2/1/0/3, only node-x fits', [...zones, ...on({ 'node-a': 2, 'node-b': 1, 'node-y': 3 })], pod('p', { labels: foo, spread: [c('node')] }), { 'node-a': SKEW, 'node-b': SKEW, 'node-x': 'ok', 'node-y': SKEW }],
    ['pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit', [...zones, ...on({ 'node-a': 2, 'node-b': 1, 'node-y': 3 })], pod('p', { labels: foo, spread: [c('node', 2)] }), { 'node-a': SKEW, 'node-b': 'ok', 'node-x': 'ok', 'node-y': SKEW }],
    ["pods spread across nodes as 2/1/0/3, but pod doesn't match itself", [...zones, ...on({ 'node-a': 2, 'node-b': 1, 'node-y': 3 })], pod('p', { labels: { bar: '' }, spread: [c('node')] }), { 'node-a': SKEW, 'node-b': 'ok', 'node-x': 'ok', 'node-y': SKEW }],
    [
      'pods spread across zone as 2/1, and the minDomains is 3 (fewer domains: the global minimum counts as 0)',
      [...zones, ...on({ 'node-a': 1, 'node-b': 1, 'node-x': 1 })],
      pod('p', { labels: foo, spread: [c('zone', 2, { minDomains: 3 })] }),
      { 'node-a': SKEW, 'node-b': SKEW, 'node-x': 'ok', 'node-y': 'ok' },
    ],
    ['ScheduleAnyway constraints do not filter', [...zones, ...on({ 'node-a': 5 })], pod('p', { labels: foo, spread: [{ ...c('node'), whenUnsatisfiable: 'ScheduleAnyway' }] }), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' }],
  ])('%s', (_name, objects, incoming, want) => {
    expect(verdicts(objects, incoming)).toEqual(want);
  });
});
