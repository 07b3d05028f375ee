/**
 * The storage side of the scheduler cache (PVC/PV/StorageClass/CSINode listers, NodeInfo.PVCRefCounts) and the
 * volume plugins' PreFilter, computed once per pod: VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone.
 */
import type { FilterPlugin } from '../model/results';
import type { CSINode, DiskSource, PersistentVolume, PersistentVolumeClaim, Pod, PodDisruptionBudget, PriorityClass, Snapshot, StorageClass } from '../model/types';

export interface StorageIndex {
  pvcs: Map<string, PersistentVolumeClaim>;
  pvs: Map<string, PersistentVolume>;
  classes: Map<string, StorageClass>;
  csiNodes: Map<string, CSINode>;
  /** bound, non-terminal pods using each claim "ns/name" (NodeInfo.PVCRefCounts summed over nodes) */
  claimUsers: Map<string, Pod[]>;
  priorityClasses: Map<string, PriorityClass>;
  podDisruptionBudgets: PodDisruptionBudget[];
}

export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

export function claimKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function buildStorageIndex(snapshot: Snapshot, boundPods: Iterable<Pod>): StorageIndex | undefined {
  const s = snapshot.storage;
  if (!s) return undefined;
  const idx: StorageIndex = { pvcs: new Map(), pvs: new Map(), classes: new Map(), csiNodes: new Map(), claimUsers: new Map(), priorityClasses: new Map(), podDisruptionBudgets: s.podDisruptionBudgets };
  for (const c of s.priorityClasses) idx.priorityClasses.set(c.name, c);
  for (const c of s.persistentVolumeClaims) idx.pvcs.set(claimKey(c.namespace, c.name), c);
  for (const v of s.persistentVolumes) idx.pvs.set(v.name, v);
  for (const c of s.storageClasses) idx.classes.set(c.name, c);
  for (const n of s.csiNodes) idx.csiNodes.set(n.name, n);
  for (const p of boundPods) {
    for (const v of p.volumes ?? []) {
      if (v.claimName === undefined) continue;
      const k = claimKey(p.namespace, v.claimName);
      const list = idx.claimUsers.get(k);
      if (list) list.push(p);
      else idx.claimUsers.set(k, [p]);
    }
  }
  return idx;
}

/** A PreFilter rejection: every node gets it (UnschedulableAndUnresolvable). */
export interface PreFilterReject {
  plugin: FilterPlugin;
  reason: string;
}

/** CycleState of the volume plugins for one pod. */
export interface VolumeInfo {
  idx: StorageIndex;
  reject?: PreFilterReject;
  /** VolumeRestrictions: pods elsewhere in the cluster using one of the pod's ReadWriteOncePod claims */
  rwopHolders: Pod[];
  /** VolumeRestrictions: the pod's inline in-tree disks (isVolumeConflict compares pod volumes only, not PVs) */
  disks: DiskSource[];
  /** NodeVolumeLimits: the pod's CSI volumes, "driver" -> volume handles */
  csi: Map<string, Set<string>>;
  /** VolumeBinding/VolumeZone: bound claims and their PVs */
  bound: Array<{ pvc: PersistentVolumeClaim; pv: PersistentVolume }>;
  /** VolumeBinding: unbound claims of WaitForFirstConsumer classes */
  delayed: Array<{ pvc: PersistentVolumeClaim; cls: StorageClass }>;
}

/**
 * PVController's "bound" as VolumeBinding sees it (binder.go isPVCFullyBound: volumeName + bind-completed). A
 * snapshot shows the end state, so status.phase Bound counts too: the controller sets the annotation before it.
 */
export function isFullyBound(pvc: PersistentVolumeClaim): boolean {
  return pvc.volumeName !== '' && (pvc.bindCompleted || pvc.phase === 'Bound');
}

function notFound(name: string): string {
  return `persistentvolumeclaim "${name}" not found`;
}

/** volume.IsDelayBindingMode: a class that is missing or empty means immediate binding */
function delayClass(pvc: PersistentVolumeClaim, idx: StorageIndex): StorageClass | undefined {
  const name = pvc.storageClassName ?? defaultClassName(idx);
  if (!name) return undefined;
  const cls = idx.classes.get(name);
  return cls && cls.volumeBindingMode === 'WaitForFirstConsumer' ? cls : undefined;
}

/** a claim without storageClassName gets the default class at admission (DefaultStorageClass admission plugin) */
function defaultClassName(idx: StorageIndex): string | undefined {
  for (const c of idx.classes.values()) if (c.isDefault) return c.name;
  return undefined;
}

export function prepareVolumes(pod: Pod, idx: StorageIndex): VolumeInfo | undefined {
  const vols = pod.volumes;
  if (!vols || !vols.length) return undefined;
  const info: VolumeInfo = { idx, rwopHolders: [], disks: [], csi: new Map(), bound: [], delayed: [] };
  const addCsi = (driver: string, handle: string) => {
    const set = info.csi.get(driver);
    if (set) set.add(handle);
    else info.csi.set(driver, new Set([handle]));
  };
  // VolumeRestrictions.PreFilter: claims must exist; RWOP claims used by another pod conflict cluster-wide
  for (const v of vols) {
    if (v.disk) info.disks.push(v.disk);
    if (v.csiDriver) addCsi(v.csiDriver, `${pod.namespace}/${pod.name}/${v.name}`);
    // readWriteOncePodPVCsForPod reads persistentVolumeClaim volumes only; ephemeral claims are VolumeBinding's
    if (v.claimName === undefined || v.ephemeral) continue;
    const pvc = idx.pvcs.get(claimKey(pod.namespace, v.claimName));
    if (!pvc) {
      info.reject ??= { plugin: 'VolumeRestrictions(PreFilter)', reason: notFound(v.claimName) };
      continue;
    }
    if (pvc.accessModes.includes('ReadWriteOncePod')) {
      for (const u of idx.claimUsers.get(claimKey(pvc.namespace, pvc.name)) ?? []) if (!(u.namespace === pod.namespace && u.name === pod.name)) info.rwopHolders.push(u);
    }
  }
  if (info.reject) return info;
  // VolumeBinding.PreFilter (podHasPVCs + GetPodVolumeClaims)
  let unboundImmediate = false;
  let missingPV: string | undefined;
  for (const v of vols) {
    if (v.claimName === undefined) continue;
    const pvc = idx.pvcs.get(claimKey(pod.namespace, v.claimName));
    if (!pvc) {
      // only an ephemeral claim can still be missing here (GetPodVolumeClaims)
      info.reject = { plugin: 'VolumeBinding(PreFilter)', reason: `waiting for ephemeral volume controller to create the persistentvolumeclaim "${v.claimName}"` };
      return info;
    }
    if (pvc.deleting) {
      info.reject = { plugin: 'VolumeBinding(PreFilter)', reason: `persistentvolumeclaim "${pvc.name}" is being deleted` };
      return info;
    }
    if (isFullyBound(pvc)) {
      const pv = idx.pvs.get(pvc.volumeName);
      if (!pv) {
        // VolumeZone.PreFilter (getPVbyPod) runs before any Filter: the PV lister's NotFound rejects every node
        missingPV ??= pvc.volumeName;
        continue;
      }
      info.bound.push({ pvc, pv });
      if (pv.csi) addCsi(pv.csi.driver, pv.csi.volumeHandle);
      continue;
    }
    const cls = delayClass(pvc, idx);
    // prebound claims (volumeName set, binding not completed) count as unbound immediate
    if (cls && pvc.volumeName === '') info.delayed.push({ pvc, cls });
    else unboundImmediate = true;
  }
  if (unboundImmediate) info.reject = { plugin: 'VolumeBinding(PreFilter)', reason: ERR_REASON_UNBOUND_IMMEDIATE };
  else if (missingPV !== undefined) info.reject = { plugin: 'VolumeZone(PreFilter)', reason: `persistentvolume "${missingPV}" not found` };
  return info;
}

/**
 * The Priority admission plugin for a submitted pod: priorityClassName -> value and preemptionPolicy; no class name
 * -> the globalDefault class (else 0). Pods that carry spec.priority (stored pods) keep it.
 */
export function withPriorityClass(pod: Pod, idx: StorageIndex | undefined): Pod {
  if (pod.priorityFromSpec || !idx || !idx.priorityClasses.size) return pod;
  let cls: PriorityClass | undefined;
  if (pod.priorityClassName) cls = idx.priorityClasses.get(pod.priorityClassName);
  else for (const c of idx.priorityClasses.values()) if (c.globalDefault && (!cls || c.value > cls.value)) cls = c;
  if (!cls) return pod;
  return { ...pod, priority: cls.value, preemptionPolicy: pod.preemptionPolicy ?? cls.preemptionPolicy };
}
