import { defineRule } from './rule';

export const hostnetworkHostportMismatch = defineRule({
  id: 'hostnetwork-hostport-mismatch',
  severity: 'error',
  title: 'hostPort differs from containerPort under hostNetwork',
  rationale: 'validateHostNetwork (pkg/apis/core/validation): with hostNetwork, hostPort must equal containerPort.',
  fix: "Set hostPort equal to containerPort, or drop hostPort (it defaults from containerPort).",
});
