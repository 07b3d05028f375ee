import type { Filter } from '../framework';
import { tolerationsTolerate } from './tolerations';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** nodeunschedulable/node_unschedulable.go Filter */
export const NodeUnschedulable: Filter = {
  name: 'NodeUnschedulable',
  filter(info, ns) {
    if (!ns.node.unschedulable) return null;
    if (tolerationsTolerate(info.pod.tolerations, { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' })) return null;
    return { plugin: 'NodeUnschedulable', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_UNSCHEDULABLE], blockers: [{ kind: 'unschedulable' }] };
  },
};
