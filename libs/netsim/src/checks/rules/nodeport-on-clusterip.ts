import { defineRule } from './rule';

export const nodeportOnClusterip = defineRule({
  id: 'nodeport-on-clusterip',
  severity: 'error',
  title: 'nodePort on a ClusterIP Service',
  rationale: "ValidateService: nodePort may not be used when type is 'ClusterIP'.",
  fix: "Set spec.type to NodePort or LoadBalancer, or remove nodePort.",
});
