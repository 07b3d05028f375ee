/**
 * PersistentVolume, PersistentVolumeClaim, StorageClass and CSINode -> the storage model (model/storage.ts), with
 * the API server's defaults (volumeMode Filesystem, volumeBindingMode Immediate).
 */
import type { AccessMode, CSINode, DiskSource, NodeSelectorTerm, PersistentVolume, PersistentVolumeClaim, PodDisruptionBudget, PodVolume, PriorityClass, StorageClass } from '../model/types';
import type { Reader } from './fields';
import type { FieldPath } from './parse';
import { readLabelSelector, readNodeReqs } from './pod';

const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';

function accessModes(r: Reader, v: unknown, path: FieldPath): AccessMode[] {
  return r.arr(v, path).map((m, i) => r.oneOf<AccessMode>(m, [...path, i], ACCESS_MODES, 'ReadWriteOnce'));
}

function volumeMode(r: Reader, o: Record<string, unknown> | undefined, path: FieldPath): 'Filesystem' | 'Block' {
  return r.kOneOf<'Filesystem' | 'Block'>(o, path, 'volumeMode', ['Filesystem', 'Block'], 'Filesystem');
}

/** The in-tree disk sources VolumeRestrictions compares (same fields in a pod volume and a PV spec). */
export function readDisk(r: Reader, o: Record<string, unknown>, path: FieldPath): DiskSource | undefined {
  const gce = r.kObj(o, path, 'gcePersistentDisk');
  if (gce) return { kind: 'gcePersistentDisk', pdName: r.kStr(gce, [...path, 'gcePersistentDisk'], 'pdName'), readOnly: r.kBool(gce, [...path, 'gcePersistentDisk'], 'readOnly') };
  const ebs = r.kObj(o, path, 'awsElasticBlockStore');
  if (ebs) return { kind: 'awsElasticBlockStore', volumeID: r.kStr(ebs, [...path, 'awsElasticBlockStore'], 'volumeID') };
  const rbd = r.kObj(o, path, 'rbd');
  if (rbd) {
    const p = [...path, 'rbd'];
    // SetDefaults_RBDVolumeSource: pool "rbd"
    return { kind: 'rbd', monitors: r.strArr(rbd['monitors'], [...p, 'monitors']), pool: r.kStr(rbd, p, 'pool') || 'rbd', image: r.kStr(rbd, p, 'image'), readOnly: r.kBool(rbd, p, 'readOnly') };
  }
  const iscsi = r.kObj(o, path, 'iscsi');
  if (iscsi) return { kind: 'iscsi', iqn: r.kStr(iscsi, [...path, 'iscsi'], 'iqn'), readOnly: r.kBool(iscsi, [...path, 'iscsi'], 'readOnly') };
  return undefined;
}

/** pod.spec.volumes: claims (persistentVolumeClaim, generic ephemeral), in-tree disks, inline CSI */
export function readPodVolumes(r: Reader, list: unknown[], path: FieldPath, podName: string): PodVolume[] {
  const out: PodVolume[] = [];
  list.forEach((v, i) => {
    const vp = [...path, i];
    const o = r.obj(v, vp);
    if (!o) return;
    const vol: PodVolume = { name: r.kStr(o, vp, 'name') };
    const pvc = r.kObj(o, vp, 'persistentVolumeClaim');
    if (pvc) vol.claimName = r.kStr(pvc, [...vp, 'persistentVolumeClaim'], 'claimName');
    // ephemeral.GetPVCName: the claim the ephemeral controller creates is "<pod>-<volume>"
    if (r.kObj(o, vp, 'ephemeral')) {
      vol.claimName = `${podName}-${vol.name}`;
      vol.ephemeral = true;
    }
    const disk = readDisk(r, o, vp);
    if (disk) vol.disk = disk;
    const csi = r.kObj(o, vp, 'csi');
    if (csi) vol.csiDriver = r.kStr(csi, [...vp, 'csi'], 'driver');
    if (vol.claimName !== undefined || vol.disk || vol.csiDriver) out.push(vol);
  });
  return out;
}

function readTerms(r: Reader, v: unknown, path: FieldPath): NodeSelectorTerm[] {
  return r.arr(v, path).map((t, i) => {
    const tp = [...path, i];
    const to = r.obj(t, tp) ?? {};
    return { matchExpressions: readNodeReqs(r, to['matchExpressions'], [...tp, 'matchExpressions']), matchFields: readNodeReqs(r, to['matchFields'], [...tp, 'matchFields']) };
  });
}

export function readPersistentVolume(r: Reader, o: Record<string, unknown>): PersistentVolume {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const status = r.obj(o['status'], ['status']);
  const capacity = r.kResourceList(spec, ['spec'], 'capacity');
  const pv: PersistentVolume = {
    name: r.kStr(meta, ['metadata'], 'name'),
    labels: r.kStrMap(meta, ['metadata'], 'labels'),
    storageClassName: r.kStr(spec, ['spec'], 'storageClassName'),
    accessModes: accessModes(r, spec['accessModes'], ['spec', 'accessModes']),
    capacity: capacity['storage'] ?? 0,
    volumeMode: volumeMode(r, spec, ['spec']),
    phase: r.kStr(status, ['status'], 'phase'),
    deleting: meta?.['deletionTimestamp'] !== undefined && meta?.['deletionTimestamp'] !== null,
  };
  const na = r.kObj(spec, ['spec'], 'nodeAffinity');
  const req = na ? r.obj(na['required'], ['spec', 'nodeAffinity', 'required']) : undefined;
  if (req) pv.nodeAffinity = readTerms(r, req['nodeSelectorTerms'], ['spec', 'nodeAffinity', 'required', 'nodeSelectorTerms']);
  const ref = r.kObj(spec, ['spec'], 'claimRef');
  if (ref) {
    pv.claimRef = { namespace: r.kStr(ref, ['spec', 'claimRef'], 'namespace'), name: r.kStr(ref, ['spec', 'claimRef'], 'name') };
    const uid = r.kOptStr(ref, ['spec', 'claimRef'], 'uid');
    if (uid) pv.claimRef.uid = uid;
  }
  const csi = r.kObj(spec, ['spec'], 'csi');
  if (csi) pv.csi = { driver: r.kStr(csi, ['spec', 'csi'], 'driver'), volumeHandle: r.kStr(csi, ['spec', 'csi'], 'volumeHandle') };
  const disk = readDisk(r, spec, ['spec']);
  if (disk) pv.disk = disk;
  return pv;
}

export function readPersistentVolumeClaim(r: Reader, o: Record<string, unknown>): PersistentVolumeClaim {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const status = r.obj(o['status'], ['status']);
  const res = r.kObj(spec, ['spec'], 'resources');
  const requests = res ? r.kResourceList(res, ['spec', 'resources'], 'requests') : {};
  const annotations = r.kStrMap(meta, ['metadata'], 'annotations');
  const pvc: PersistentVolumeClaim = {
    namespace: r.kStr(meta, ['metadata'], 'namespace', 'default') || 'default',
    name: r.kStr(meta, ['metadata'], 'name'),
    accessModes: accessModes(r, spec['accessModes'], ['spec', 'accessModes']),
    request: requests['storage'] ?? 0,
    volumeMode: volumeMode(r, spec, ['spec']),
    volumeName: r.kStr(spec, ['spec'], 'volumeName'),
    phase: r.kStr(status, ['status'], 'phase'),
    bindCompleted: BIND_COMPLETED in annotations,
    deleting: meta?.['deletionTimestamp'] !== undefined && meta?.['deletionTimestamp'] !== null,
  };
  const cls = r.kOptStr(spec, ['spec'], 'storageClassName');
  if (cls !== undefined) pvc.storageClassName = cls;
  const uid = r.kOptStr(meta, ['metadata'], 'uid');
  if (uid) pvc.uid = uid;
  if (spec['selector'] !== undefined && spec['selector'] !== null) {
    const sel = readLabelSelector(r, spec['selector'], ['spec', 'selector']);
    if (sel) pvc.selector = sel;
  }
  return pvc;
}

export function readStorageClass(r: Reader, o: Record<string, unknown>): StorageClass {
  const meta = r.obj(o['metadata'], ['metadata']);
  const annotations = r.kStrMap(meta, ['metadata'], 'annotations');
  const sc: StorageClass = {
    name: r.kStr(meta, ['metadata'], 'name'),
    provisioner: r.kStr(o, [], 'provisioner'),
    volumeBindingMode: r.kOneOf<'Immediate' | 'WaitForFirstConsumer'>(o, [], 'volumeBindingMode', ['Immediate', 'WaitForFirstConsumer'], 'Immediate'),
    isDefault: annotations[IS_DEFAULT_CLASS] === 'true',
  };
  const topo = r.kArr(o, [], 'allowedTopologies');
  if (topo.length) {
    // each TopologySelectorTerm's matchLabelExpressions are ANDed "key In values"; terms are ORed
    sc.allowedTopologies = topo.map((t, i) => {
      const tp: FieldPath = ['allowedTopologies', i];
      const to = r.obj(t, tp) ?? {};
      const exprs = r.arr(to['matchLabelExpressions'], [...tp, 'matchLabelExpressions']).map((e, j) => {
        const eo = r.obj(e, [...tp, 'matchLabelExpressions', j]) ?? {};
        return { key: r.str(eo['key'], [...tp, 'matchLabelExpressions', j, 'key']), operator: 'In' as const, values: r.strArr(eo['values'], [...tp, 'matchLabelExpressions', j, 'values']) };
      });
      return { matchExpressions: exprs, matchFields: [] };
    });
  }
  return sc;
}

export function readCSINode(r: Reader, o: Record<string, unknown>): CSINode {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const drivers: Record<string, number | undefined> = {};
  r.kArr(spec, ['spec'], 'drivers').forEach((d, i) => {
    const dp: FieldPath = ['spec', 'drivers', i];
    const dobj = r.obj(d, dp);
    if (!dobj) return;
    const alloc = r.kObj(dobj, dp, 'allocatable');
    drivers[r.kStr(dobj, dp, 'name')] = alloc ? r.kOptInt(alloc, [...dp, 'allocatable'], 'count') : undefined;
  });
  return { name: r.kStr(meta, ['metadata'], 'name'), drivers };
}

export function readPriorityClass(r: Reader, o: Record<string, unknown>): PriorityClass {
  const meta = r.obj(o['metadata'], ['metadata']);
  return {
    name: r.kStr(meta, ['metadata'], 'name'),
    value: r.kInt(o, [], 'value'),
    globalDefault: r.kBool(o, [], 'globalDefault'),
    preemptionPolicy: r.kOneOf<'Never' | 'PreemptLowerPriority'>(o, [], 'preemptionPolicy', ['Never', 'PreemptLowerPriority'], 'PreemptLowerPriority'),
  };
}

export function readPodDisruptionBudget(r: Reader, o: Record<string, unknown>): PodDisruptionBudget {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const status = r.obj(o['status'], ['status']);
  const pdb: PodDisruptionBudget = {
    namespace: r.kStr(meta, ['metadata'], 'namespace', 'default') || 'default',
    name: r.kStr(meta, ['metadata'], 'name'),
    disruptionsAllowed: r.kInt(status, ['status'], 'disruptionsAllowed'),
  };
  if (spec['selector'] !== undefined && spec['selector'] !== null) {
    const sel = readLabelSelector(r, spec['selector'], ['spec', 'selector']);
    if (sel) pdb.selector = sel;
  }
  return pdb;
}
