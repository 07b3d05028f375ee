import { defineRule } from './rule';

export const hostportCapturesListener = defineRule({
  id: 'hostport-captures-listener',
  severity: 'warning',
  title: 'hostPort captures a host listener',
  rationale: 'portmap reserves nothing: its DNAT steals traffic from a process already listening on the node.',
  fix: "Choose another hostPort or move the host process.",
});
