import { defineRule } from './rule';

export const hostnetworkHostportNoop = defineRule({
  id: 'hostnetwork-hostport-noop',
  severity: 'info',
  title: 'hostPort together with hostNetwork',
  rationale: 'k8s-semantics §4.7/§5.3: hostNetwork pods get no CNI/portmap; hostPort only feeds the scheduler and cannot remap a port.',
  fix: "Drop hostPort, or drop hostNetwork if a port mapping was intended.",
});
