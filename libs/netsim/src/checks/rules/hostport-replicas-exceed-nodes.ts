import { defineRule } from './rule';

export const hostportReplicasExceedNodes = defineRule({
  id: 'hostport-replicas-exceed-nodes',
  severity: 'error',
  title: 'More replicas than nodes that can take the host port',
  rationale: 'NodePorts filter: one (hostIP, hostPort, protocol) per node; the rest stay Pending.',
  fix: "Keep replicas <= nodes that can take the port, use a DaemonSet, or expose a Service.",
});
