import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../model/types';
import type { Filter } from '../framework';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
/** schedule_one.go SetAbsentNodesStatus for nodes a PreFilterResult left out */
export const ERR_REASON_ABSENT_NODE_AFFINITY = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

function parseInt64(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

/** nodeaffinity requirement on a label/field map (component-helpers/scheduling/corev1/nodeaffinity) */
function matchRequirement(r: NodeSelectorRequirement, values: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, r.key);
  const v = values[r.key];
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(v);
    case 'NotIn':
      return !has || !r.values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || r.values.length !== 1) return false;
      const a = parseInt64(v);
      const b = parseInt64(r.values[0]);
      if (a === undefined || b === undefined) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
  }
  return false;
}

/** A term with neither expressions nor fields matches nothing; otherwise all requirements are ANDed. */
export function matchTerm(t: NodeSelectorTerm, node: Node): boolean {
  if (!t.matchExpressions.length && !t.matchFields.length) return false;
  for (const r of t.matchExpressions) if (!matchRequirement(r, node.labels)) return false;
  // only metadata.name is a supported field selector key
  for (const r of t.matchFields) if (r.key !== 'metadata.name' || !matchRequirement(r, { 'metadata.name': node.name })) return false;
  return true;
}

/** GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND (any required term) */
export function requiredAffinityMatches(pod: Pod, node: Node): { ok: boolean; detail?: string } {
  for (const k in pod.nodeSelector) {
    if (node.labels[k] !== pod.nodeSelector[k]) return { ok: false, detail: `nodeSelector ${k}=${pod.nodeSelector[k]} (node has ${k in node.labels ? `${k}=${node.labels[k]}` : `no ${k} label`})` };
  }
  const terms = pod.requiredNodeAffinity;
  if (terms) {
    for (const t of terms) if (matchTerm(t, node)) return { ok: true };
    return { ok: false, detail: 'no requiredDuringSchedulingIgnoredDuringExecution nodeSelectorTerm matches' };
  }
  return { ok: true };
}

/** nodeaffinity/node_affinity.go Filter (the PreFilter narrowing lives in framework.preparePod) */
export const NodeAffinity: Filter = {
  name: 'NodeAffinity',
  filter(info, ns) {
    const pod = info.pod;
    if (!info.hasNodeAffinity) return null;
    const m = requiredAffinityMatches(pod, ns.node);
    if (m.ok) return null;
    return { plugin: 'NodeAffinity', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_POD], blockers: [{ kind: 'affinity', detail: m.detail ?? '' }] };
  },
};
