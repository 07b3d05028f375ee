import { defineRule } from './rule';

export const hostnetworkNetworkpolicy = defineRule({
  id: 'hostnetwork-networkpolicy',
  severity: 'warning',
  title: 'hostNetwork pod and NetworkPolicy',
  rationale: 'kubernetes.io network-policies: "NetworkPolicy behaviour for hostNetwork pods is undefined".',
  fix: "Protect hostNetwork pods with a host firewall, not NetworkPolicy.",
});
