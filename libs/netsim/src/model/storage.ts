/**
 * Storage objects the volume filters read (PersistentVolume, PersistentVolumeClaim, StorageClass, CSINode), as far
 * as scheduling looks at them.
 */
import type { LabelSelector, NodeSelectorTerm, SourceRef } from './types';

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

/** An in-tree disk source VolumeRestrictions compares between pods of one node (volume_restrictions.go isVolumeConflict). */
export type DiskSource =
  | { kind: 'gcePersistentDisk'; pdName: string; readOnly: boolean }
  | { kind: 'awsElasticBlockStore'; volumeID: string }
  | { kind: 'rbd'; monitors: string[]; pool: string; image: string; readOnly: boolean }
  | { kind: 'iscsi'; iqn: string; readOnly: boolean };

/** One entry of pod.spec.volumes, reduced to what the volume filters use. */
export interface PodVolume {
  name: string;
  /** persistentVolumeClaim.claimName, or "<pod>-<volume>" for a generic ephemeral volume */
  claimName?: string;
  ephemeral?: boolean;
  disk?: DiskSource;
  /** inline CSI volume (counted by NodeVolumeLimits per driver) */
  csiDriver?: string;
}

export interface PersistentVolume {
  name: string;
  labels: Record<string, string>;
  storageClassName: string;
  accessModes: AccessMode[];
  /** bytes */
  capacity: number;
  volumeMode: 'Filesystem' | 'Block';
  /** spec.nodeAffinity.required.nodeSelectorTerms (ORed); undefined when absent */
  nodeAffinity?: NodeSelectorTerm[];
  claimRef?: { namespace: string; name: string; uid?: string };
  phase: string;
  csi?: { driver: string; volumeHandle: string };
  disk?: DiskSource;
  deleting: boolean;
  source?: SourceRef;
}

export interface PersistentVolumeClaim {
  namespace: string;
  name: string;
  uid?: string;
  storageClassName?: string;
  accessModes: AccessMode[];
  /** bytes requested */
  request: number;
  volumeMode: 'Filesystem' | 'Block';
  volumeName: string;
  selector?: LabelSelector;
  phase: string;
  /** annotation pv.kubernetes.io/bind-completed */
  bindCompleted: boolean;
  deleting: boolean;
  source?: SourceRef;
}

export interface StorageClass {
  name: string;
  provisioner: string;
  volumeBindingMode: 'Immediate' | 'WaitForFirstConsumer';
  /** allowedTopologies as node selector terms (matchLabelExpressions key In values); undefined when absent */
  allowedTopologies?: NodeSelectorTerm[];
  isDefault: boolean;
}

export interface CSINode {
  /** the CSINode's name is its node's name */
  name: string;
  /** driver name -> allocatable.count (absent count = no limit) */
  drivers: Record<string, number | undefined>;
}

export interface StorageObjects {
  persistentVolumes: PersistentVolume[];
  persistentVolumeClaims: PersistentVolumeClaim[];
  storageClasses: StorageClass[];
  csiNodes: CSINode[];
  priorityClasses: PriorityClass[];
  podDisruptionBudgets: PodDisruptionBudget[];
}

/** scheduling.k8s.io/v1 PriorityClass */
export interface PriorityClass {
  name: string;
  value: number;
  globalDefault: boolean;
  preemptionPolicy: 'Never' | 'PreemptLowerPriority';
}

/** policy/v1 PodDisruptionBudget, as DefaultPreemption reads it (selector and status.disruptionsAllowed) */
export interface PodDisruptionBudget {
  namespace: string;
  name: string;
  /** undefined selects nothing (policy/v1: a null selector matches no pods) */
  selector?: LabelSelector;
  disruptionsAllowed: number;
}
