import type { Blocker } from '../../model/results';
import type { Node, PersistentVolume, PersistentVolumeClaim } from '../../model/types';
import { matchesLabelSelector } from '../../adapter/selectors';
import type { Filter } from '../framework';
import { matchTerm } from './node-affinity';

export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
/** kubernetes.io/no-provisioner: the class has only pre-created PVs (volume.NotSupportedProvisioner) */
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

/** volume.CheckNodeAffinity: no affinity matches every node; otherwise any term (ORed) */
export function pvMatchesNode(pv: PersistentVolume, node: Node): boolean {
  if (!pv.nodeAffinity) return true;
  return pv.nodeAffinity.some((t) => matchTerm(t, node));
}

function isBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const r = pv.claimRef;
  return !!r && r.namespace === pvc.namespace && r.name === pvc.name && (r.uid === undefined || pvc.uid === undefined || r.uid === pvc.uid);
}

/** volume.FindMatchingVolume for one node: prebound PV first, else the smallest available PV that fits */
export function findMatchingVolume(pvc: PersistentVolumeClaim, className: string, pvs: Iterable<PersistentVolume>, node: Node, chosen: Set<string>): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const pv of pvs) {
    if (chosen.has(pv.name) || pv.capacity < pvc.request || pv.volumeMode !== pvc.volumeMode) continue;
    if (isBoundToClaim(pv, pvc)) {
      if (pvMatchesNode(pv, node)) return pv;
      continue;
    }
    if (pv.claimRef || pv.deleting) continue;
    if (pvc.selector && !matchesLabelSelector(pvc.selector, pv.labels)) continue;
    if (pv.storageClassName !== className) continue;
    if (!pvMatchesNode(pv, node)) continue;
    if (pv.phase && pv.phase !== 'Available') continue;
    if (!pvc.accessModes.every((m) => pv.accessModes.includes(m))) continue;
    if (!best || pv.capacity < best.capacity) best = pv;
  }
  return best;
}

/**
 * volume_binding.go Filter (binder.FindPodVolumes): bound PVs' node affinity, then each unbound
 * WaitForFirstConsumer claim needs a matching available PV or a provisioner whose allowedTopologies admit the
 * node. Every reason is UnschedulableAndUnresolvable. CSIStorageCapacity is not read (sufficient storage assumed).
 */
export const VolumeBinding: Filter = {
  name: 'VolumeBinding',
  filter(info, ns) {
    const v = info.volumes;
    if (!v || (!v.bound.length && !v.delayed.length)) return null;
    const node = ns.node;
    const reasons: string[] = [];
    const blockers: Blocker[] = [];
    const conflict = v.bound.find((b) => !pvMatchesNode(b.pv, node));
    if (conflict) {
      reasons.push(info.texts.pvNodeAffinity);
      blockers.push({ kind: 'volume', detail: `PersistentVolume ${conflict.pv.name} (claim ${conflict.pvc.namespace}/${conflict.pvc.name}) has node affinity that excludes ${node.name}`, claim: `${conflict.pvc.namespace}/${conflict.pvc.name}`, volume: conflict.pv.name });
    }
    const chosen = new Set<string>();
    for (const { pvc, cls } of v.delayed) {
      const pv = findMatchingVolume(pvc, cls.name, v.idx.pvs.values(), node, chosen);
      if (pv) {
        chosen.add(pv.name);
        continue;
      }
      const canProvision = cls.provisioner !== '' && cls.provisioner !== NOT_SUPPORTED_PROVISIONER && (!cls.allowedTopologies || cls.allowedTopologies.some((t) => matchTerm(t, node)));
      if (canProvision) continue;
      reasons.push(ERR_REASON_BIND_CONFLICT);
      blockers.push({
        kind: 'volume',
        detail: `claim ${pvc.namespace}/${pvc.name}: no available PersistentVolume of class ${cls.name} fits on ${node.name}, and ${cls.provisioner === NOT_SUPPORTED_PROVISIONER || !cls.provisioner ? 'the class has no provisioner' : "the class's allowedTopologies exclude the node"}`,
        claim: `${pvc.namespace}/${pvc.name}`,
      });
      break;
    }
    if (!reasons.length) return null;
    return { plugin: 'VolumeBinding', code: 'UnschedulableAndUnresolvable', reasons, blockers };
  },
};
