import type { Blocker } from '../../model/results';
import type { Filter } from '../framework';
import type { NodeState } from '../state';
import type { ContainerPort } from '../../model/types';

export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
// shared by every conflicting node's status (read-only)
const REASONS = Object.freeze([ERR_REASON_NODE_PORTS]) as unknown as string[];

/** nodeports.fitsPorts: the first conflicting wanted port decides */
export function fitsPorts(want: ContainerPort[], ns: NodeState): boolean {
  for (const p of want) if (ns.usedPorts.checkConflict(p.hostIP, p.protocol, p.hostPort)) return false;
  return true;
}

function blockers(want: ContainerPort[], ns: NodeState): Blocker[] {
  const out: Blocker[] = [];
  for (const p of want) {
    ns.usedPorts.forEachConflict(p.hostIP, p.protocol, p.hostPort, (h, hostIP) => {
      const b: Blocker = {
        kind: 'hostPort',
        pod: { kind: 'Pod', namespace: h.pod.namespace, name: h.pod.name },
        hostIP,
        port: h.port.hostPort,
        protocol: h.port.protocol,
        claim: `${hostIP}:${h.port.hostPort}/${h.port.protocol}`,
      };
      const owner = h.pod.workload ?? h.pod.owner;
      if (owner) b.owner = owner;
      out.push(b);
    });
  }
  return out;
}

/** nodeports/node_ports.go: PreFilter Skip when the pod claims no host port, else Filter = fitsPorts */
export const NodePorts: Filter = {
  name: 'NodePorts',
  filter(info, ns) {
    if (info.hostPorts.length === 0) return null;
    let conflict = false;
    const ips = info.hostPortIPs;
    const keys = info.hostPortKeys;
    for (let i = 0; i < keys.length; i++) {
      if (ns.usedPorts.checkConflictSanitized(ips[i], keys[i])) {
        conflict = true;
        break;
      }
    }
    if (!conflict) return null;
    return { plugin: 'NodePorts', code: 'Unschedulable', reasons: REASONS, blockers: blockers(info.hostPorts, ns) };
  },
};
