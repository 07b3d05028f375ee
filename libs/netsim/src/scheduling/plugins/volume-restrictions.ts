import type { Blocker } from '../../model/results';
import type { DiskSource, Pod } from '../../model/types';
import type { Filter } from '../framework';

export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

/** volume_restrictions.go isVolumeConflict: the same disk twice on a node, unless every user mounts it read-only */
export function isDiskConflict(a: DiskSource, b: DiskSource): boolean {
  if (a.kind === 'gcePersistentDisk' && b.kind === 'gcePersistentDisk') return a.pdName === b.pdName && !(a.readOnly && b.readOnly);
  // EBS volumes attach to one instance only, read-only or not
  if (a.kind === 'awsElasticBlockStore' && b.kind === 'awsElasticBlockStore') return a.volumeID === b.volumeID;
  if (a.kind === 'iscsi' && b.kind === 'iscsi') return a.iqn === b.iqn && !(a.readOnly && b.readOnly);
  if (a.kind === 'rbd' && b.kind === 'rbd') return a.monitors.some((m) => b.monitors.includes(m)) && a.pool === b.pool && a.image === b.image && !(a.readOnly && b.readOnly);
  return false;
}

function podRef(p: Pod) {
  return { kind: 'Pod', namespace: p.namespace, name: p.name };
}

/**
 * volumerestrictions: Filter checks inline disk conflicts against the node's pods first, then the ReadWriteOncePod
 * claims PreFilter found in use anywhere in the cluster (so every node fails, Unschedulable: preemption may help).
 */
export const VolumeRestrictions: Filter = {
  name: 'VolumeRestrictions',
  filter(info, ns) {
    const v = info.volumes;
    if (!v) return null;
    if (v.disks.length) {
      for (const p of ns.pods) {
        for (const pv of p.volumes ?? []) {
          if (!pv.disk) continue;
          const mine = v.disks.find((d) => isDiskConflict(d, pv.disk as DiskSource));
          if (mine) return { plugin: 'VolumeRestrictions', code: 'Unschedulable', reasons: [ERR_REASON_DISK_CONFLICT], blockers: [{ kind: 'volume', detail: `${p.namespace}/${p.name} already mounts ${mine.kind} ${diskName(mine)}`, pod: podRef(p), volume: pv.name }] };
        }
      }
    }
    if (v.rwopHolders.length) {
      const blockers: Blocker[] = v.rwopHolders.map((h) => ({ kind: 'volume', detail: `${h.namespace}/${h.name} on ${h.nodeName} uses the ReadWriteOncePod claim`, pod: podRef(h) }));
      return { plugin: 'VolumeRestrictions', code: 'Unschedulable', reasons: [ERR_REASON_RWOP_CONFLICT], blockers };
    }
    return null;
  },
};

function diskName(d: DiskSource): string {
  switch (d.kind) {
    case 'gcePersistentDisk':
      return d.pdName;
    case 'awsElasticBlockStore':
      return d.volumeID;
    case 'iscsi':
      return d.iqn;
    case 'rbd':
      return `${d.pool}/${d.image}`;
  }
}
