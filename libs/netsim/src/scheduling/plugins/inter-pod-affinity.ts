import { matchesLabelSelector } from '../../adapter/selectors';
import type { Blocker } from '../../model/results';
import type { LabelSelector, ObjectRef, Pod, PodAffinityTerm } from '../../model/types';
import type { Filter, FilterStatus } from '../framework';
import type { NodeState } from '../state';

// interpodaffinity/filtering.go
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

/** topology pair key -> count, and the pods behind each count (blockers) */
type Counts = Map<string, { n: number; pods: ObjectRef[] }>;

/** InterPodAffinity's PreFilter state: computed once per pod over every node, read by Filter per node. */
export interface InterPodAffinityState {
  affinity: PodAffinityTerm[];
  antiAffinity: PodAffinityTerm[];
  /** existing pods' required anti-affinity terms the incoming pod matches */
  existingAntiAffinityCounts: Counts;
  affinityCounts: Counts;
  antiAffinityCounts: Counts;
  /** the incoming pod matches all of its own affinity terms (the first pod of a self-affine series) */
  podMatchesAllAffinityTerms: boolean;
}

const pairKey = (key: string, value: string) => `${key}\u0000${value}`;
const ref = (p: Pod): ObjectRef => ({ kind: 'Pod', namespace: p.namespace, name: p.name });
const MAX_BLOCKER_PODS = 5;

function add(c: Counts, key: string, value: string, pod: Pod): void {
  const k = pairKey(key, value);
  const e = c.get(k);
  if (e) {
    e.n++;
    if (e.pods.length < MAX_BLOCKER_PODS) e.pods.push(ref(pod));
  } else c.set(k, { n: 1, pods: [ref(pod)] });
}

/** The namespaces a term looks in, relative to the pod that owns it (AffinityTerm.Matches). */
function termMatches(term: PodAffinityTerm, owner: Pod, target: Pod, nsLabels: ReadonlyMap<string, Record<string, string>>): boolean {
  if (!term.selector || !matchesLabelSelector(term.selector, target.labels)) return false;
  const listed = term.namespaces.length > 0 || term.namespaceSelector !== null;
  if (!listed) return target.namespace === owner.namespace;
  if (term.namespaces.includes(target.namespace)) return true;
  return term.namespaceSelector !== null && matchesNsSelector(term.namespaceSelector, nsLabels.get(target.namespace));
}

function matchesNsSelector(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  // an empty namespaceSelector is every namespace, even one the snapshot does not list
  if (Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0) return true;
  return labels !== undefined && matchesLabelSelector(sel, labels);
}

/** Whether any existing pod has required anti-affinity: the PreFilter must then run for every pod. */
export function hasRequiredAntiAffinity(p: Pod): boolean {
  return (p.requiredPodAntiAffinity?.length ?? 0) > 0;
}

/**
 * PreFilter: existingAntiAffinityCounts over the pods that have required anti-affinity, affinityCounts and
 * antiAffinityCounts over every pod for the incoming pod's terms. Null when it would Skip (no terms anywhere).
 */
export function interPodAffinityPreFilter(pod: Pod, byNamespace: ReadonlyMap<string, ReadonlyArray<{ pod: Pod; node: NodeState }>>, antiAffinityPods: ReadonlyArray<{ pod: Pod; node: NodeState }>, nsLabels: ReadonlyMap<string, Record<string, string>>): InterPodAffinityState | null {
  const affinity = pod.requiredPodAffinity ?? [];
  const antiAffinity = pod.requiredPodAntiAffinity ?? [];
  if (!affinity.length && !antiAffinity.length && !antiAffinityPods.length) return null;
  const existingAntiAffinityCounts: Counts = new Map();
  for (const { pod: e, node } of antiAffinityPods) {
    for (const t of e.requiredPodAntiAffinity ?? []) {
      const v = node.node.labels[t.topologyKey];
      if (v !== undefined && termMatches(t, e, pod, nsLabels)) add(existingAntiAffinityCounts, t.topologyKey, v, e);
    }
  }
  const affinityCounts: Counts = new Map();
  const antiAffinityCounts: Counts = new Map();
  // only the namespaces a term can match are scanned (the pod's own, unless the term lists others)
  const count = (terms: PodAffinityTerm[], into: Counts) => {
    for (const t of terms) {
      const own = t.namespaces.length === 0 && t.namespaceSelector === null;
      for (const [ns, list] of own ? [[pod.namespace, byNamespace.get(pod.namespace) ?? []] as const] : byNamespace) {
        if (!own && !t.namespaces.includes(ns) && !(t.namespaceSelector && matchesNsSelector(t.namespaceSelector, nsLabels.get(ns)))) continue;
        for (const { pod: e, node } of list) {
          const v = node.node.labels[t.topologyKey];
          if (v !== undefined && t.selector && matchesLabelSelector(t.selector, e.labels)) add(into, t.topologyKey, v, e);
        }
      }
    }
  };
  count(affinity, affinityCounts);
  count(antiAffinity, antiAffinityCounts);
  return { affinity, antiAffinity, existingAntiAffinityCounts, affinityCounts, antiAffinityCounts, podMatchesAllAffinityTerms: affinity.length > 0 && affinity.every((t) => termMatches(t, pod, pod, nsLabels)) };
}

function fail(code: FilterStatus['code'], reason: string, blocker: Blocker): FilterStatus {
  return { plugin: 'InterPodAffinity', code, reasons: [reason], blockers: [blocker] };
}

/** Filter, in upstream's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity. */
export const InterPodAffinity: Filter = {
  name: 'InterPodAffinity',
  filter(info, ns) {
    const s = info.interPodAffinity;
    if (!s) return null;
    const labels = ns.node.labels;
    // satisfyPodAffinity: every term's topology label on the node, and a matching pod in that domain
    let podsExist = true;
    let missing: PodAffinityTerm | undefined;
    for (const t of s.affinity) {
      const v = labels[t.topologyKey];
      if (v === undefined) {
        // all topology labels must exist on the node
        missing = t;
        break;
      }
      if ((s.affinityCounts.get(pairKey(t.topologyKey, v))?.n ?? 0) <= 0) {
        podsExist = false;
        missing ??= t;
      }
    }
    const labelMissing = missing !== undefined && labels[missing.topologyKey] === undefined;
    if (labelMissing || (!podsExist && !(s.affinityCounts.size === 0 && s.podMatchesAllAffinityTerms))) {
      const t = missing as PodAffinityTerm;
      const detail = labelMissing ? `node has no ${t.topologyKey} label` : `no pod matching the affinity term in ${t.topologyKey}=${labels[t.topologyKey]}`;
      return fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY, { kind: 'podAffinity', rule: 'affinity', topologyKey: t.topologyKey, ...(labels[t.topologyKey] !== undefined ? { value: labels[t.topologyKey] } : {}), pods: [], detail });
    }
    // satisfyPodAntiAffinity
    for (const t of s.antiAffinity) {
      const v = labels[t.topologyKey];
      if (v === undefined) continue;
      const c = s.antiAffinityCounts.get(pairKey(t.topologyKey, v));
      if (c && c.n > 0) {
        return fail('Unschedulable', ERR_REASON_ANTI_AFFINITY, { kind: 'podAffinity', rule: 'anti-affinity', topologyKey: t.topologyKey, value: v, pods: c.pods, detail: `${c.n} pod(s) matching the anti-affinity term run in ${t.topologyKey}=${v}: ${c.pods.map((p) => `${p.namespace}/${p.name}`).join(', ')}` });
      }
    }
    // satisfyExistingPodsAntiAffinity
    if (s.existingAntiAffinityCounts.size) {
      for (const [k, v] of Object.entries(labels)) {
        const c = s.existingAntiAffinityCounts.get(pairKey(k, v));
        if (c && c.n > 0) {
          return fail('Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY, { kind: 'podAffinity', rule: 'existing-anti-affinity', topologyKey: k, value: v, pods: c.pods, detail: `the anti-affinity of ${c.pods.map((p) => `${p.namespace}/${p.name}`).join(', ')} excludes this pod from ${k}=${v}` });
        }
      }
    }
    return null;
  },
};
