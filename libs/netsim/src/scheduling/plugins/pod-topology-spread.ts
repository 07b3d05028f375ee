import { matchesLabelSelector } from '../../adapter/selectors';
import type { Pod, TopologySpreadConstraint } from '../../model/types';
import type { Filter } from '../framework';
import type { NodeState } from '../state';
import { requiredAffinityMatches } from './node-affinity';
import { firstUntoleratedTaint } from './tolerations';

// podtopologyspread/filtering.go
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

/** PodTopologySpread's PreFilter state for the pod's DoNotSchedule constraints. */
export interface PodTopologySpreadState {
  constraints: TopologySpreadConstraint[];
  /** per constraint: domain value -> matching pods, for every domain of an eligible node (0 included) */
  domains: Array<Map<string, number>>;
  /** per constraint: the global minimum (0 when fewer domains than minDomains) */
  minMatch: number[];
  selfMatch: number[];
}

function matches(c: TopologySpreadConstraint, p: Pod): boolean {
  return c.selector !== null && matchesLabelSelector(c.selector, p.labels);
}

/** matchNodeInclusionPolicies: nodeAffinityPolicy Honor counts only nodes the pod's node affinity/selector allows, nodeTaintsPolicy Honor only nodes whose taints it tolerates. */
function included(c: TopologySpreadConstraint, pod: Pod, ns: NodeState): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !requiredAffinityMatches(pod, ns.node).ok) return false;
  if (c.nodeTaintsPolicy === 'Honor' && firstUntoleratedTaint(ns.node.taints, pod.tolerations, ['NoSchedule', 'NoExecute'])) return false;
  return true;
}

/**
 * PreFilter (calPreFilterState): only DoNotSchedule constraints filter (ScheduleAnyway ones, and the scheduler's
 * system default constraints, which are all ScheduleAnyway, only score). A node counts when it carries every
 * constraint's topology key and passes the constraint's inclusion policies; it adds its pods that match the
 * selector in the pod's namespace and are not terminating. Null: Skip.
 */
export function podTopologySpreadPreFilter(pod: Pod, nodes: readonly NodeState[], byNamespace: ReadonlyMap<string, ReadonlyArray<{ pod: Pod; node: NodeState }>>): PodTopologySpreadState | null {
  const constraints = (pod.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (!constraints.length) return null;
  const domains = constraints.map(() => new Map<string, number>());
  const eligible = constraints.map(() => new Set<NodeState>());
  for (const ns of nodes) {
    const labels = ns.node.labels;
    if (!constraints.every((c) => c.topologyKey in labels)) continue;
    constraints.forEach((c, i) => {
      if (!included(c, pod, ns)) return;
      (eligible[i] as Set<NodeState>).add(ns);
      const d = domains[i] as Map<string, number>;
      const v = labels[c.topologyKey] as string;
      if (!d.has(v)) d.set(v, 0);
    });
  }
  // the pods that can count: the incoming pod's namespace only (countPodsMatchSelector)
  for (const { pod: e, node } of byNamespace.get(pod.namespace) ?? []) {
    if (e.terminating) continue;
    constraints.forEach((c, i) => {
      if (!(eligible[i] as Set<NodeState>).has(node) || !matches(c, e)) return;
      const d = domains[i] as Map<string, number>;
      const v = node.node.labels[c.topologyKey] as string;
      d.set(v, (d.get(v) ?? 0) + 1);
    });
  }
  const minMatch = constraints.map((c, i) => {
    const d = domains[i] as Map<string, number>;
    if (d.size < (c.minDomains ?? 1)) return 0;
    let min = Infinity;
    for (const n of d.values()) if (n < min) min = n;
    return Number.isFinite(min) ? min : 0;
  });
  return { constraints, domains, minMatch, selfMatch: constraints.map((c) => (matches(c, pod) ? 1 : 0)) };
}

/** Filter: 'existing matching num' + 'self-match (1 or 0)' - 'global minimum' <= maxSkew, per constraint. */
export const PodTopologySpread: Filter = {
  name: 'PodTopologySpread',
  filter(info, ns) {
    const s = info.podTopologySpread;
    if (!s) return null;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i] as TopologySpreadConstraint;
      const v = ns.node.labels[c.topologyKey];
      const domains = Object.fromEntries(s.domains[i] as Map<string, number>);
      const base = { kind: 'topologySpread' as const, topologyKey: c.topologyKey, maxSkew: c.maxSkew, domains, globalMin: s.minMatch[i] as number, selfMatch: s.selfMatch[i] as number };
      if (v === undefined) {
        return { plugin: 'PodTopologySpread', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH], blockers: [{ ...base, matching: 0, detail: `node has no ${c.topologyKey} label` }] };
      }
      const matching = (s.domains[i] as Map<string, number>).get(v) ?? 0;
      const skew = matching + (s.selfMatch[i] as number) - (s.minMatch[i] as number);
      if (skew > c.maxSkew) {
        return {
          plugin: 'PodTopologySpread',
          code: 'Unschedulable',
          reasons: [ERR_REASON_CONSTRAINTS_NOT_MATCH],
          blockers: [{ ...base, value: v, matching, detail: `${c.topologyKey}=${v} has ${matching} matching pod(s); with this one the skew over the minimum ${s.minMatch[i]} would be ${skew} > maxSkew ${c.maxSkew}` }],
        };
      }
    }
    return null;
  },
};
