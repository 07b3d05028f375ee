import type { Filter } from '../framework';
import type { NodeState } from '../state';
import { claimKey, isFullyBound, type StorageIndex } from '../volumes';

export const ERR_REASON_MAX_VOLUME_COUNT = 'node(s) exceed max volume count';

/** CSI volumes already attached to the node: "driver" -> volume handles of its pods' bound PVs and inline volumes */
function attached(ns: NodeState, idx: StorageIndex): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (d: string, h: string) => {
    const s = out.get(d);
    if (s) s.add(h);
    else out.set(d, new Set([h]));
  };
  for (const p of ns.pods) {
    for (const v of p.volumes ?? []) {
      if (v.csiDriver) add(v.csiDriver, `${p.namespace}/${p.name}/${v.name}`);
      if (v.claimName === undefined) continue;
      const pvc = idx.pvcs.get(claimKey(p.namespace, v.claimName));
      if (!pvc || !isFullyBound(pvc)) continue;
      const pv = idx.pvs.get(pvc.volumeName);
      if (pv?.csi) add(pv.csi.driver, pv.csi.volumeHandle);
    }
  }
  return out;
}

/**
 * nodevolumelimits/csi.go Filter: per CSI driver, volumes already attached plus the pod's new ones must not exceed
 * the CSINode's allocatable.count. A node without CSINode (or a driver without count) has no limit. Unbound
 * WaitForFirstConsumer claims count for their class's provisioner.
 */
export const NodeVolumeLimits: Filter = {
  name: 'NodeVolumeLimits',
  filter(info, ns) {
    const v = info.volumes;
    if (!v) return null;
    const csiNode = v.idx.csiNodes.get(ns.node.name);
    if (!csiNode) return null;
    const want = new Map(v.csi);
    for (const d of v.delayed) {
      const s = new Set(want.get(d.cls.provisioner));
      s.add(`unbound/${d.pvc.namespace}/${d.pvc.name}`);
      want.set(d.cls.provisioner, s);
    }
    let have: Map<string, Set<string>> | undefined;
    for (const [driver, handles] of want) {
      const limit = csiNode.drivers[driver];
      if (limit === undefined) continue;
      have ??= attached(ns, v.idx);
      const cur = have.get(driver) ?? new Set<string>();
      let fresh = 0;
      for (const h of handles) if (!cur.has(h)) fresh++;
      if (cur.size + fresh > limit) {
        return { plugin: 'NodeVolumeLimits', code: 'Unschedulable', reasons: [ERR_REASON_MAX_VOLUME_COUNT], blockers: [{ kind: 'volume', detail: `${driver}: ${cur.size} attached + ${fresh} new > CSINode allocatable count ${limit}` }] };
      }
    }
    return null;
  },
};
