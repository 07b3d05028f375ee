import type { Blocker } from '../../model/results';
import type { Filter, PodInfo } from '../framework';
import type { NodeState } from '../state';

export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';

export interface InsufficientResource {
  resource: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/**
 * noderesources/fit.go fitsRequest: the pod count check first and unconditionally (a node without
 * allocatable.pods allows 0), then every resource whose request exceeds allocatable - requested.
 */
export function fitsRequest(info: PodInfo, ns: NodeState): InsufficientResource[] {
  let out: InsufficientResource[] | undefined;
  const alloc = ns.node.allocatable;
  const allowed = alloc['pods'] ?? 0;
  if (ns.pods.length + 1 > allowed) out = [{ resource: 'pods', reason: ERR_REASON_TOO_MANY_PODS, requested: 1, used: ns.pods.length, capacity: allowed }];
  const req = info.requests;
  const names = info.resourceNames;
  for (let i = 0; i < names.length; i++) {
    const r = names[i];
    const a = alloc[r] ?? 0;
    const used = ns.requested[r] ?? 0;
    if (req[r] > a - used) (out ??= []).push({ resource: r, reason: `Insufficient ${r}`, requested: req[r], used, capacity: a });
  }
  return out ?? NONE;
}

const NONE: InsufficientResource[] = [];

export const NodeResourcesFit: Filter = {
  name: 'NodeResourcesFit',
  filter(info, ns) {
    const insufficient = fitsRequest(info, ns);
    if (!insufficient.length) return null;
    const blockers: Blocker[] = insufficient.map((i) =>
      i.resource === 'pods' ? { kind: 'pods', used: i.used, allocatable: i.capacity } : { kind: 'resource', resource: i.resource, requested: i.requested, used: i.used, allocatable: i.capacity },
    );
    return { plugin: 'NodeResourcesFit', code: 'Unschedulable', reasons: insufficient.map((i) => i.reason), blockers };
  },
};
