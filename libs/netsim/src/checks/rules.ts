/** Rule catalogue: ids are stable (SARIF ruleId, CLI filters); descriptions say where the rule comes from. */
export interface RuleInfo {
  id: string;
  title: string;
  description: string;
}

export const RULES: readonly RuleInfo[] = [
  { id: 'input-error', title: 'Manifest cannot be decoded', description: 'A field has the wrong type or the text is not valid YAML/JSON; the API server would reject it before validation.' },
  { id: 'hostnetwork-hostport-mismatch', title: 'hostPort differs from containerPort under hostNetwork', description: 'validateHostNetwork (pkg/apis/core/validation): with hostNetwork, hostPort must equal containerPort.' },
  { id: 'hostport-duplicate', title: 'Duplicate hostPort in one pod', description: 'AccumulateUniqueHostPorts: the same protocol/hostIP/hostPort twice in one pod is rejected.' },
  { id: 'port-out-of-range', title: 'Port number out of range', description: 'Container and Service ports must be between 1 and 65535.' },
  { id: 'nodeport-out-of-range', title: 'NodePort outside the apiserver range', description: 'portallocator ErrNotInRange: nodePort must be inside --service-node-port-range.' },
  { id: 'nodeport-allocated', title: 'NodePort already allocated', description: 'portallocator ErrAllocated: node ports are unique cluster-wide across namespaces and protocols.' },
  { id: 'nodeport-duplicate', title: 'Duplicate nodePort in one Service', description: 'ValidateService: the same (protocol, nodePort) twice in one Service is rejected.' },
  { id: 'nodeport-on-clusterip', title: 'nodePort on a ClusterIP Service', description: "ValidateService: nodePort may not be used when type is 'ClusterIP'." },
  { id: 'api-rejected', title: 'Rejected by the API server', description: 'Another API validation error.' },
  { id: 'service-selector-matches-nothing', title: 'Service selector matches no pod', description: 'The Service gets no endpoints; kube-proxy REJECTs its traffic.' },
  { id: 'hostnetwork-networkpolicy', title: 'hostNetwork pod and NetworkPolicy', description: 'kubernetes.io network-policies: "NetworkPolicy behaviour for hostNetwork pods is undefined".' },
  { id: 'hostnetwork-hostport-noop', title: 'hostPort together with hostNetwork', description: 'k8s-semantics §4.7/§5.3: hostNetwork pods get no CNI/portmap; hostPort only feeds the scheduler and cannot remap a port.' },
  { id: 'hostnetwork-dnspolicy', title: 'hostNetwork without ClusterFirstWithHostNet', description: 'With hostNetwork and dnsPolicy ClusterFirst the pod uses the node resolver and cannot resolve cluster Service names.' },
  { id: 'hostport-replicas-exceed-nodes', title: 'More replicas than nodes that can take the host port', description: 'NodePorts filter: one (hostIP, hostPort, protocol) per node; the rest stay Pending.' },
  { id: 'unschedulable', title: 'No node can host the pod', description: 'The scheduler filters reject every node (FailedScheduling).' },
  { id: 'kubelet-rejects', title: 'Kubelet admission rejects the pod', description: 'spec.nodeName bypasses the scheduler; the kubelet re-checks and fails the pod.' },
  { id: 'runtime-bind-conflict', title: 'Port already in use on the node', description: 'A hostNetwork process binding a port the node already uses fails with EADDRINUSE and crash-loops.' },
  { id: 'hostport-shadowed-by-nodeport', title: 'hostPort equals a Service NodePort', description: 'KUBE-SERVICES (kube-proxy, prepended) runs before CNI-HOSTPORT-DNAT (portmap, appended): the NodePort wins.' },
  { id: 'hostport-captures-listener', title: 'hostPort captures a host listener', description: 'portmap reserves nothing: its DNAT steals traffic from a process already listening on the node.' },
  { id: 'hostport-without-portmap', title: 'hostPort without portmap', description: 'The CNI conflist has no portmap plugin: the hostPort installs no DNAT rule.' },
];

export const RULE_IDS = new Set(RULES.map((r) => r.id));
