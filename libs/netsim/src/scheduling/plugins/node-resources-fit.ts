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
  const used = ns.pods.length;
  if (used + 1 > ns.allocPods) out = [{ resource: 'pods', reason: ERR_REASON_TOO_MANY_PODS, requested: 1, used, capacity: ns.allocPods }];
  if (info.reqCpu > 0 && info.reqCpu > ns.allocCpu - ns.reqCpu) (out ??= []).push({ resource: 'cpu', reason: 'Insufficient cpu', requested: info.reqCpu, used: ns.reqCpu, capacity: ns.allocCpu });
  if (info.reqMem > 0 && info.reqMem > ns.allocMem - ns.reqMem) (out ??= []).push({ resource: 'memory', reason: 'Insufficient memory', requested: info.reqMem, used: ns.reqMem, capacity: ns.allocMem });
  const names = info.otherResources;
  for (let i = 0; i < names.length; i++) {
    const r = names[i];
    const a = ns.node.allocatable[r] ?? 0;
    const u = ns.requested[r] ?? 0;
    const want = info.requests[r];
    if (want > a - u) (out ??= []).push({ resource: r, reason: `Insufficient ${r}`, requested: want, used: u, capacity: a });
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
