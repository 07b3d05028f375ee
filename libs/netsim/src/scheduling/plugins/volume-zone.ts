import type { Filter } from '../framework';

export const ERR_REASON_VOLUME_ZONE = 'node(s) had no available volume zone';

/** volumezone: the PV labels it compares (topologyLabels); a value may list several zones joined by "__" */
const TOPOLOGY_LABELS = ['failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region'];

/**
 * volume_zone.go Filter: a node with none of the topology labels passes; otherwise every bound PV's topology label
 * must name the node's value for that key (UnschedulableAndUnresolvable).
 */
export const VolumeZone: Filter = {
  name: 'VolumeZone',
  filter(info, ns) {
    const v = info.volumes;
    if (!v || !v.bound.length) return null;
    const labels = ns.node.labels;
    if (!TOPOLOGY_LABELS.some((k) => k in labels)) return null;
    for (const { pv } of v.bound) {
      for (const k of TOPOLOGY_LABELS) {
        const val = pv.labels[k];
        if (val === undefined) continue;
        // translateToGALabel: a beta PV label also matches the node's GA label
        const nodeVal = labels[k] ?? labels[k.replace('failure-domain.beta.kubernetes.io/', 'topology.kubernetes.io/')];
        if (nodeVal === undefined || !val.split('__').includes(nodeVal)) {
          return { plugin: 'VolumeZone', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_VOLUME_ZONE], blockers: [{ kind: 'volume', detail: `PersistentVolume ${pv.name} has ${k}=${val}, node has ${nodeVal === undefined ? `no ${k} label` : `${k}=${nodeVal}`}`, volume: pv.name }] };
        }
      }
    }
    return null;
  },
};
