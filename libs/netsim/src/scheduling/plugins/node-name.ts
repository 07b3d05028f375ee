import type { Filter } from '../framework';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** nodename/node_name.go Filter */
export const NodeName: Filter = {
  name: 'NodeName',
  filter(info, ns) {
    const want = info.pod.nodeName;
    if (!want || want === ns.node.name) return null;
    return { plugin: 'NodeName', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_NAME], blockers: [{ kind: 'nodeName', requested: want }] };
  },
};
