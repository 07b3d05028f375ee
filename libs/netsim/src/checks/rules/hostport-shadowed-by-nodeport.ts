import { defineRule } from './rule';

export const hostportShadowedByNodeport = defineRule({
  id: 'hostport-shadowed-by-nodeport',
  severity: 'warning',
  title: 'hostPort equals a Service NodePort',
  rationale: 'KUBE-SERVICES (kube-proxy, prepended) runs before CNI-HOSTPORT-DNAT (portmap, appended): the NodePort wins.',
  fix: "Pick a hostPort outside the NodePort range, or change the nodePort.",
});
