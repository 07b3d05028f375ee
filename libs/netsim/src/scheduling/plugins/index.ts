import type { Filter } from '../framework';
import { NodeAffinity } from './node-affinity';
import { NodeName } from './node-name';
import { NodePorts } from './node-ports';
import { NodeResourcesFit } from './node-resources-fit';
import { NodeUnschedulable } from './node-unschedulable';
import { TaintToleration } from './taint-toleration';
import { NodeVolumeLimits } from './node-volume-limits';
import { VolumeBinding } from './volume-binding';
import { VolumeRestrictions } from './volume-restrictions';
import { VolumeZone } from './volume-zone';
import { PodTopologySpread } from './pod-topology-spread';
import { InterPodAffinity } from './inter-pod-affinity';

/** Default MultiPoint filter order (getDefaultPlugins / PluginsV1) restricted to the filters Portolan models. */
export const FILTERS: readonly Filter[] = [NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone, PodTopologySpread, InterPodAffinity];

export { NodeAffinity, NodeName, NodePorts, NodeResourcesFit, NodeUnschedulable, TaintToleration };
export { NodeVolumeLimits, VolumeBinding, VolumeRestrictions, VolumeZone, PodTopologySpread, InterPodAffinity };
export * from './node-affinity';
export * from './node-name';
export * from './node-ports';
export * from './node-resources-fit';
export * from './node-unschedulable';
export * from './taint-toleration';
export * from './tolerations';
export * from './node-volume-limits';
export * from './volume-binding';
export * from './volume-restrictions';
export * from './volume-zone';
export * from './pod-topology-spread';
export * from './inter-pod-affinity';
