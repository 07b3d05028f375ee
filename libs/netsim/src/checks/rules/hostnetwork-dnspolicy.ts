import { defineRule } from './rule';

export const hostnetworkDnspolicy = defineRule({
  id: 'hostnetwork-dnspolicy',
  severity: 'warning',
  title: 'hostNetwork without ClusterFirstWithHostNet',
  rationale: 'With hostNetwork and dnsPolicy ClusterFirst the pod uses the node resolver and cannot resolve cluster Service names.',
  fix: "Set dnsPolicy: ClusterFirstWithHostNet when the pod must resolve Service names; Default when it must not.",
});
